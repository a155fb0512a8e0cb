"""The dish library and the suppliers imported through core's register import (preview with
each bad row, then the good rows at once) and exported with the headers the import reads."""

import io
import re

from openpyxl import load_workbook
from sqlalchemy import select

from core.audit import AuditEvent
from core.extensions import db
from core.tenancy import tenant_context
from core.testing import run_jobs, signed_in, xlsx_of
from core.transfer.models import ImportFile
from plugins.canteen.models import Dish, Supplier
from plugins.canteen.services import menus

DISH_HEADERS = ["菜名", "过敏原", "备注", "在用"]
DISHES = [["番茄炒蛋", "鸡蛋", "少油", "是"],
          ["", "", "", ""],                       # an empty row: skipped, not counted
          ["红烧肉", "", "", "否"],
          ["宫保鸡丁", "花生、芝麻", "", ""],        # 芝麻 is no allergen group of the library
          ["清炒时蔬", "", "", "也许"],              # 在用 neither yes nor no
          ["土豆丝", "", "酸辣", ""],               # kept already: its notes updated
          ["番茄炒蛋", "", "", ""]]                 # twice in the file
SUPPLIER_HEADERS = ["名称", "统一社会信用代码", "联系人", "电话", "供应品类"]


def upload(client, token, kind: str, rows, headers, name="sheet.xlsx"):
    module, register = kind.split(".")
    return client.post(f"/t/canteen-school/m/{module}/registers/{register}/import", data={
        "csrf_token": token, "file": (io.BytesIO(xlsx_of(rows, headers)), name)},
        content_type="multipart/form-data")


def errors_of(page: str) -> list[tuple[str, str]]:
    return re.findall(r"<tr><td>(\d+)</td><td>([^<]+)</td>", page)


def outcomes_of(page: str) -> list[tuple[str, str, str, str]]:
    """The preview's good rows: action, row, record, the columns an update changes."""
    return re.findall(r'<tr data-action="(\w+)"><td>(\d+)</td><td>([^<]+)</td><td>[^<]*</td>'
                      r"<td>([^<]*)</td>", page)


def test_dishes_preview_then_import_keeps_the_good_rows(client, app, school, manager):
    with tenant_context(school):
        menus.create_dish({"name": "土豆丝"})
        db.session.commit()
    token = signed_in(client, manager)
    page = client.get("/t/canteen-school/m/canteen/dishes").get_data(as_text=True)
    assert "/m/canteen/registers/dishes/import" in page  # the list page links its import
    response = upload(client, token, "canteen.dishes", DISHES, DISH_HEADERS)
    assert response.status_code == 302
    status_url = response.location
    run_jobs(app)
    fragment = client.get(status_url.replace("?", "/progress?")).get_data(as_text=True)
    assert errors_of(fragment) == [("5", "过敏原"), ("6", "在用"), ("8", "菜名")]
    assert outcomes_of(fragment) == [("new", "2", "番茄炒蛋", ""), ("new", "4", "红烧肉", ""),
                                     ("update", "7", "土豆丝", "备注")]
    with tenant_context(school):
        assert set(db.session.scalars(select(Dish.name))) == {"土豆丝"}  # a preview writes none
        assert db.session.scalar(select(Dish.notes).where(Dish.name == "土豆丝")) == ""
    run_url = re.search(r'action="([^"]+/run)"', fragment).group(1)
    started = client.post(run_url, data={"csrf_token": token})
    assert started.status_code == 302
    run_jobs(app)
    done = client.get(started.location.replace("?", "/progress?")).get_data(as_text=True)
    assert "已导入 3 行（共 6 行），3 行未导入。" in done and errors_of(done)[0] == ("5", "过敏原")
    with tenant_context(school):
        kept = {d.name: d for d in db.session.scalars(select(Dish))}
        assert set(kept) == {"土豆丝", "番茄炒蛋", "红烧肉"}
        assert kept["土豆丝"].notes == "酸辣"
        edit = db.session.scalar(select(AuditEvent).where(
            AuditEvent.action == "update", AuditEvent.entity == "canteen_dishes"))
        assert edit.entity_id == str(kept["土豆丝"].id)  # audited as an edit on the page is
        assert (edit.before, edit.after) == ({"notes": ""}, {"notes": "酸辣"})
        assert kept["番茄炒蛋"].allergens == ["egg"] and kept["番茄炒蛋"].notes == "少油"
        assert kept["红烧肉"].active is False
        assert db.session.scalar(select(ImportFile.status)) == "imported"
    # imported once: a second run is refused
    assert client.post(run_url, data={"csrf_token": token}).status_code == 409


def test_the_export_reads_back_into_the_import(client, app, school, manager):
    with tenant_context(school):
        menus.create_dish({"name": "=HYPERLINK(\"x\")", "allergens": ["peanut", "milk"]})
        db.session.commit()
    token = signed_in(client, manager)
    response = client.get("/t/canteen-school/m/canteen/registers/dishes.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).active
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert rows[0] == [*DISH_HEADERS, "配料(每份)"]
    assert rows[1][:2] == ['=HYPERLINK("x")', "花生、乳类"]
    assert sheet["A2"].data_type == "s"  # a text, never a live formula
    blank = client.get("/t/canteen-school/m/canteen/registers/dishes/import/template.xlsx")
    assert [c.value for c in load_workbook(io.BytesIO(blank.data)).active[1]] == rows[0]
    # the exported file itself, uploaded again: read as text (no formula refused), and its
    # dish found unchanged, nothing doubled
    status_url = client.post("/t/canteen-school/m/canteen/registers/dishes/import", data={
        "csrf_token": token, "file": (io.BytesIO(response.data), "dishes.xlsx")},
        content_type="multipart/form-data").location
    run_jobs(app)
    fragment = client.get(status_url.replace("?", "/progress?")).get_data(as_text=True)
    assert errors_of(fragment) == [] and "HYPERLINK" in fragment
    assert [o[0] for o in outcomes_of(fragment)] == ["unchanged"]


def test_suppliers_are_checked_by_the_supplier_schema(client, app, school, manager):
    token = signed_in(client, manager)
    rows = [["城东蔬菜批发部", "91330106MA2B0C0X1K", "张三", "0571-88886666", "蔬菜"],
            ["西湖肉联厂", "", "李四", "", "肉类"],                     # no credit code
            ["城东蔬菜", "91330106MA2B0C0X1K", "", "abc", ""]]        # same code; bad phone
    status_url = upload(client, token, "canteen.suppliers", rows, SUPPLIER_HEADERS).location
    run_jobs(app)
    fragment = client.get(status_url.replace("?", "/progress?")).get_data(as_text=True)
    assert errors_of(fragment) == [("3", "统一社会信用代码"), ("4", "电话")]
    run_url = re.search(r'action="([^"]+/run)"', fragment).group(1)
    client.post(run_url, data={"csrf_token": token})
    run_jobs(app)
    with tenant_context(school):
        assert list(db.session.scalars(select(Supplier.name))) == ["城东蔬菜批发部"]


def test_a_refused_file_is_named_and_another_registers_upload_is_not_shown(
        client, app, school, manager):
    token = signed_in(client, manager)
    empty = client.post("/t/canteen-school/m/canteen/registers/dishes/import", data={
        "csrf_token": token, "file": (io.BytesIO(b""), "dishes.csv")},
        content_type="multipart/form-data")
    assert empty.status_code == 422 and 'data-testid="error-file"' in empty.get_data(as_text=True)
    with tenant_context(school):
        people = ImportFile(kind="students", filename="学生.xlsx", size=1, content=b"x")
        db.session.add(people)
        db.session.commit()
        people_id = people.id
    base = f"/t/canteen-school/m/canteen/registers/dishes/import/{people_id}"
    assert client.get(base).status_code == 404  # the people import's upload: not a dish list
    assert client.post(f"{base}/run", data={"csrf_token": token}).status_code == 404
    suppliers = f"/t/canteen-school/m/canteen/registers/suppliers/import/{people_id}"
    assert client.get(f"{suppliers}/progress").status_code == 404


def test_who_may_not_import_or_another_school_sees_nothing(client, app, school, make_school,
                                                           make_user, manager):
    nurse = make_user(school, "nurse")  # reads the canteen, keeps no dishes
    token = signed_in(client, nurse)
    assert client.get("/t/canteen-school/m/canteen/registers/dishes/import").status_code == 403
    assert upload(client, token, "canteen.dishes", DISHES, DISH_HEADERS).status_code == 403
    assert client.get("/t/canteen-school/m/canteen/registers/dishes.xlsx").status_code == 200
    other = make_school("no-canteen")  # the canteen switched off: its register is not there
    signed_in(client, make_user(other))
    assert client.get("/t/no-canteen/m/canteen/registers/dishes/import").status_code == 404
    with tenant_context(school):
        assert db.session.scalar(select(ImportFile)) is None


def test_ingredients_go_out_and_come_back_in_one_cell(client, app, school, manager):
    from core.transfer.registers import import_sheet

    with tenant_context(school):
        menus.create_dish({"name": "青椒土豆丝", "ingredients": [
            {"food": "土豆", "grams": 150}, {"food": "青椒", "grams": 30}]})
        db.session.commit()
    signed_in(client, manager)
    exported = client.get("/t/canteen-school/m/canteen/registers/dishes.xlsx").data
    rows = [[c.value for c in row] for row in load_workbook(io.BytesIO(exported)).active]
    assert rows[1][0] == "青椒土豆丝" and rows[1][4] == "土豆 150g; 青椒 30g"
    headers = rows[0]
    with tenant_context(school):
        # the export as it is: nothing to change
        again = import_sheet("canteen.dishes", "dishes.xlsx", exported)
        assert [o["action"] for o in again["outcomes"]] == ["unchanged"]
        edited = [["青椒土豆丝", "", "", "是", "土豆 200g；青椒 30g"],      # more potato
                  ["番茄炒蛋", "鸡蛋", "", "是", "番茄150克、鸡蛋 0.05kg"],  # a new dish
                  ["凉拌黄瓜", "", "", "是", "黄瓜 少许"],                  # no grams
                  ["红烧肉", "", "", "是", "五花肉 3000g"]]                 # over 2 kg a serving
        report = import_sheet("canteen.dishes", "dishes.xlsx", xlsx_of(edited, headers),
                              dry_run=False)
        db.session.commit()
        assert [(e["row"], e["column"]) for e in report["errors"]] == [
            (4, "配料(每份)"), (5, "配料(每份)")]
        assert [(o["action"], o.get("columns")) for o in report["outcomes"]] == [
            ("update", ["配料(每份)"]), ("new", None)]
        dishes = {d.name: d.id for d in db.session.scalars(select(Dish))}
        kept = menus.ingredients_of(list(dishes.values()))
        assert [(i.food, i.grams) for i in kept[dishes["青椒土豆丝"]]] == [("土豆", 200),
                                                                         ("青椒", 30)]
        assert sorted((i.food, i.grams) for i in kept[dishes["番茄炒蛋"]]) == [("番茄", 150),
                                                                           ("鸡蛋", 50)]
