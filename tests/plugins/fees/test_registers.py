"""The fee catalogue and a held fee's real costs imported through core's register import:
each row checked as the page checks one, bad rows named, the good ones written at once."""

import io
import re

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from core.extensions import db
from core.tenancy import tenant_context
from core.testing import run_jobs, signed_in, xlsx_of
from plugins.fees.models import FeeItem, SettlementLine

from .refunds_support import bill_of, fee_item, item_line
from .support import classroom

ITEM_HEADERS = ["名称", "类别", "金额(元)", "计价单位", "批准机关", "文号", "自愿", "备注"]
ITEMS = [["保教费", "保教费", 850, "每月", "某市发改委", "某发改〔2026〕3号", "否", ""],
         ["教材费", "代收费", "120.5", "每件", "", "", "是", "人教版"],
         ["校服费", "代收费", 200, "每件", "", "", "否", ""],        # a held fee must be voluntary
         ["午餐费", "餐费", "12.345", "每上学日", "", "", "", ""],   # a fraction of a fen
         ["兴趣班", "兴趣", 100, "每学期", "", "", "", ""],          # no such category
         ["保教费", "保教费", 900, "每月", "", "", "", ""]]           # twice in the file


def run(client, app, token, path, content, name="sheet.xlsx"):
    """Upload for a preview, then import; the preview's fragment and the import's."""
    status_url = client.post(path, data={"csrf_token": token, "file": (io.BytesIO(content), name)},
                             content_type="multipart/form-data").location
    run_jobs(app)
    preview = client.get(status_url.replace("?", "/progress?")).get_data(as_text=True)
    run_url = re.search(r'action="([^"]+/run)"', preview).group(1)
    started = client.post(run_url, data={"csrf_token": token})
    assert started.status_code == 302
    run_jobs(app)
    return preview, client.get(started.location.replace("?", "/progress?")).get_data(as_text=True)


def errors_of(page: str) -> list[tuple[str, str]]:
    return re.findall(r"<tr><td>(\d+)</td><td>([^<]+)</td>", page)


def test_a_catalogue_imports_as_drafts_with_each_bad_row_named(client, app, school, clerk):
    token = signed_in(client, clerk)
    page = client.get("/t/fees-school/m/fees/items").get_data(as_text=True)
    assert "/m/fees/registers/items/import" in page
    preview, done = run(client, app, token, "/t/fees-school/m/fees/registers/items/import",
                        xlsx_of(ITEMS, ITEM_HEADERS))
    assert errors_of(preview) == [("4", "自愿"), ("5", "金额(元)"), ("6", "类别"), ("7", "名称")]
    assert errors_of(done) == errors_of(preview)
    with tenant_context(school):
        items = {i.name: i for i in db.session.scalars(select(FeeItem))}
    assert set(items) == {"保教费", "教材费"}
    assert (items["保教费"].amount_fen, items["保教费"].unit, items["保教费"].status) == (
        85000, "month", "draft")
    assert (items["教材费"].amount_fen, items["教材费"].category) == (12050, "held")
    exported = client.get("/t/fees-school/m/fees/registers/items.xlsx")
    rows = [[c.value for c in row] for row in load_workbook(io.BytesIO(exported.data)).active]
    assert rows[0] == ITEM_HEADERS
    assert rows[1][:4] == ["保教费", "保教费", 850, "每月"]  # a number, adding up in a sheet


@pytest.fixture
def settling(school, term_id, client, clerk):
    """Three pupils billed 100 yuan of textbooks, and the item's draft settlement."""
    books = fee_item(school, "教材费", "held", "item", 10000)
    _, pupils = classroom(school, "1班", students=3)
    for pupil in pupils:
        bill_of(school, term_id, pupil, item_line(books, "held", 1, 10000))
    made = client.post("/api/v1/fees/settlements", headers=clerk.headers,
                       json={"term_id": term_id, "fee_item_id": books})
    return made.get_json()["id"]


def test_real_costs_go_into_the_draft_settlement(client, app, school, clerk, settling):
    token = signed_in(client, clerk)
    headers = ["学期", "收费项目", "学号", "姓名", "实际费用(元)"]
    rows = [["", "教材费", "1班-0", "", "85.50"],
            ["第一学期", "教材费", "1班-1", "", 92],
            ["", "教材费", "1班-0", "", 80],          # twice
            ["", "校服费", "1班-2", "", 80],          # no settlement of that item
            ["", "教材费", "9班-9", "", 80],          # not charged
            ["", "教材费", "1班-2", "", "-1"]]        # below nothing
    preview, done = run(client, app, token, "/t/fees-school/m/fees/registers/held_costs/import",
                        xlsx_of(rows, headers))
    assert errors_of(preview) == [("4", "学号"), ("5", "收费项目"), ("6", "学号"),
                                  ("7", "实际费用(元)")]
    assert "已导入 2 行（共 6 行），4 行未导入。" in done
    with tenant_context(school):
        costs = sorted(db.session.scalars(select(SettlementLine.real_cost_fen)))
    assert costs == [8550, 9200]
    exported = client.get("/t/fees-school/m/fees/registers/held_costs.xlsx")
    sheet = [[c.value for c in row] for row in load_workbook(io.BytesIO(exported.data)).active]
    assert sheet[1][:3] == ["第一学期", "教材费", "1班-0"] and float(sheet[1][4]) == 85.5


def test_a_row_naming_a_kept_item_updates_a_draft_and_never_a_published_one(app, school):
    from core.audit import AuditEvent
    from core.transfer.registers import import_sheet
    from plugins.fees.services import catalogue

    published = fee_item(school, "住宿费", "boarding", "term", 50000)
    with tenant_context(school):
        draft = catalogue.create_item({"name": "教材费", "category": "held", "amount_fen": 12050,
                                       "unit": "item", "voluntary": True}, by="test")
        db.session.commit()
        draft_id, version = draft.id, draft.version
        rows = [["住宿费", "住宿费", 600, "每学期"],      # published: its amount never changes
                ["教材费", "代收费", "130", "每件"],      # the draft's amount updated
                ["伙食费", "伙食费", 8, "每上学日"]]      # new
        report = import_sheet("fees.items", "items.xlsx", xlsx_of(rows, ITEM_HEADERS[:4]),
                              dry_run=False)
        db.session.commit()
        assert report["errors"] == [{"row": 2, "column": "金额(元)", "reason":
                                     report["errors"][0]["reason"]}]
        assert "住宿费" in report["errors"][0]["reason"]
        assert [(o["row"], o["action"], o.get("columns")) for o in report["outcomes"]] == [
            (3, "update", ["金额(元)"]), (4, "new", None)]
        assert (report["created"], report["updated"]) == (1, 1)
        items = {i.name: i for i in db.session.scalars(select(FeeItem))}
        assert items["住宿费"].amount_fen == 50000 and str(items["住宿费"].id) == published
        # the draft changed as its edit page changes it: a new version, audited before/after
        assert (items["教材费"].amount_fen, items["教材费"].version) == (13000, version + 1)
        edit = db.session.scalar(select(AuditEvent).where(
            AuditEvent.action == "update", AuditEvent.entity_id == str(draft_id)))
        assert (edit.before["amount_fen"], edit.after["amount_fen"]) == (12050, 13000)
        # the columns the sheet leaves out (批准机关, 自愿, …) kept what they were
        assert items["教材费"].voluntary is True
        again = import_sheet("fees.items", "items.xlsx", xlsx_of(rows[1:], ITEM_HEADERS[:4]))
        assert [o["action"] for o in again["outcomes"]] == ["unchanged", "unchanged"]
