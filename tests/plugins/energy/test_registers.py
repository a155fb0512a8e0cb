"""Meters and readings through core's register import and export (``houqin_registers``):
the upload, preview and job of core's pages; each bad row named by its column, with the
dial rules (lower without "rolled over", a time in the future or out of order) kept per row;
nothing written by a preview; the export's sheet imports back."""

import io
import re
from datetime import datetime, timedelta

import pytest
from openpyxl import load_workbook

from core.extensions import db
from core.rules import RuleBroken
from core.sdk import import_sheet
from core.tenancy import tenant_context
from core.testing import run_jobs, signed_in, xlsx_of

from .conftest import ZONE, at, building, days_ago, meter
from .test_pages import readings_of

pytestmark = pytest.mark.houqin_plugins("energy")
BASE = "/t/energy-school/m/energy"
HEADERS = ["表号", "抄表时间", "读数", "翻转", "备注"]


def run(client, app, token, path, content, name="sheet.xlsx"):
    """Upload for a preview, then import; the preview's fragment and the import's."""
    status_url = client.post(path, data={"csrf_token": token,
                                         "file": (io.BytesIO(content), name)},
                             content_type="multipart/form-data").location
    run_jobs(app)
    preview = client.get(status_url.replace("?", "/progress?")).get_data(as_text=True)
    assert 'action="' in preview, preview
    run_url = re.search(r'action="([^"]+/run)"', preview).group(1)
    started = client.post(run_url, data={"csrf_token": token})
    assert started.status_code == 302
    run_jobs(app)
    return preview, client.get(started.location.replace("?", "/progress?")).get_data(as_text=True)


def errors_of(page: str) -> list[tuple[str, str]]:
    return re.findall(r"<tr><td>(\d+)</td><td>([^<]+)</td>", page)


def test_readings_import_keeps_the_good_rows_and_names_each_bad_one(client, app, school,
                                                                     keeper):
    water = meter(school, "W-1")
    future = (datetime.now(ZONE) + timedelta(days=1)).replace(tzinfo=None, microsecond=0)
    rows = [
        ["W-1", at(days_ago(3)).replace(tzinfo=None), 100, None, "夜班"],
        ["W-1", at(days_ago(2)).replace(tzinfo=None), 90, None, None],    # lower, not rolled
        ["W-9", at(days_ago(2)).replace(tzinfo=None), 5, None, None],     # no such meter
        ["W-1", at(days_ago(1)).replace(tzinfo=None), 112.25, None, None],
        ["W-1", future, 120, None, None],                                 # in the future
        ["W-1", at(days_ago(1), 9).replace(tzinfo=None), 113, "是", None],  # not rolled over
        ["W-1", at(days_ago(4)).replace(tzinfo=None), 99, None, None],    # before the last
    ]
    token = signed_in(client, keeper)
    form = client.get(f"{BASE}/readings/new").get_data(as_text=True)
    assert "/m/energy/registers/readings/import" in form
    preview, done = run(client, app, token, f"{BASE}/registers/readings/import",
                        xlsx_of(rows, HEADERS))
    assert errors_of(preview) == [("3", "读数"), ("4", "表号"), ("6", "抄表时间"),
                                  ("7", "翻转"), ("8", "抄表时间")]
    assert errors_of(done) == errors_of(preview)
    kept = readings_of(school)
    assert [(r.meter_id, str(r.value), r.used) for r in kept] == [
        (water, "100.000", None), (water, "112.250", 12.25)]
    assert kept[0].note == "夜班"


def test_a_preview_writes_nothing_and_an_unusable_file_names_the_file(app, school):
    water = meter(school, "W-1")
    sheet = xlsx_of([["W-1", at(days_ago(2)).replace(tzinfo=None), 5, None, None]], HEADERS)
    with tenant_context(school):
        preview = import_sheet("energy.readings", "r.xlsx", sheet)
        db.session.commit()
        assert (preview["rows"], preview["created"], preview["errors"]) == (1, 1, [])
        with pytest.raises(RuleBroken) as refused:
            import_sheet("energy.readings", "r.xlsx", b"not a workbook", dry_run=False)
        assert refused.value.field == "file"
    assert readings_of(school) == []
    with tenant_context(school):
        import_sheet("energy.readings", "r.csv",
                     "表号,抄表时间,读数\nW-1,2026-01-05 08:00,7\n".encode(), dry_run=False)
        db.session.commit()
    assert [(r.meter_id, str(r.value)) for r in readings_of(school)] == [(water, "7.000")]


def test_meters_import_and_export_through_the_register(client, app, school, keeper):
    from sqlalchemy import select

    from plugins.energy.models import Meter

    teaching = building(school, "教学楼")
    headers = ["表号", "类型", "楼栋", "位置", "上级表号", "表盘位数", "倍率", "安装日期"]
    day = days_ago(30).isoformat()
    rows = [["E-0", "电", "", "配电房", "", 6, 40, day],
            ["E-1", "电", "教学楼", "一层", "E-0", 6, "", day],   # a parent a row above
            ["E-2", "水", "教学楼", "", "E-0", 5, "", day],        # not what its parent measures
            ["E-0", "电", "", "", "", 6, "", day],                 # its number is taken
            ["E-3", "蒸汽", "", "", "", 5, "", day],               # no such kind
            ["E-4", "电", "图书馆", "", "", 6, "", day]]           # no such building
    token = signed_in(client, keeper)
    page = client.get(f"{BASE}/meters").get_data(as_text=True)
    assert "/m/energy/registers/meters/import" in page and "registers/meters.xlsx" in page
    preview, _done = run(client, app, token, f"{BASE}/registers/meters/import",
                         xlsx_of(rows, headers))
    assert errors_of(preview) == [("4", "上级表号"), ("5", "表号"), ("6", "类型"), ("7", "楼栋")]
    with tenant_context(school):
        made = {m.number: m for m in db.session.scalars(select(Meter))}
        assert set(made) == {"E-0", "E-1"}
        assert (made["E-0"].multiplier, made["E-1"].parent_id) == (40, made["E-0"].id)
        assert (made["E-0"].building_id, made["E-1"].building_id) == (None, teaching)
    exported = client.get(f"{BASE}/registers/meters.xlsx")
    sheet = [[c.value for c in row] for row in load_workbook(io.BytesIO(exported.data)).active]
    assert sheet[0][:8] == headers
    assert sheet[2][:6] == ["E-1", "电", "教学楼", "一层", "E-0", 6]
