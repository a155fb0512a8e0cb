"""Every export the app offers writes a stored text as inert text: a name such as
``=HYPERLINK(...)`` never comes out as a live formula, numbers stay numbers, and a control
character stored before such characters were refused no longer breaks the school's exports."""

from __future__ import annotations

import csv
import io
import re
import uuid
from datetime import date, timedelta
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from core.calendar.models import Term
from core.exports import csv_bytes, workbook_bytes
from core.extensions import db
from core.people import services as people
from core.people.models import Grade, SchoolClass, Student
from core.schools import modules as module_service
from core.tenancy import school_today, tenant_context
from tests.plugins.canteen.support import MONDAY, dish, sample_at, serve
from tests.plugins.fees.report_scenario import TENTH, TWELFTH, build

pytestmark = pytest.mark.houqin_plugins("canteen", "fees")

COMMAND = "=cmd|' /C calc'!A0"
LINK = '=HYPERLINK("http://x","y")'
GRADE = "@一年级"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _core_exports() -> list[str]:
    from core.transfer.columns import KINDS

    return [*(f"/api/v1/people/exports/{kind}.xlsx" for kind in KINDS),
            "/api/v1/audit/export.xlsx"]


def _canteen_exports(school) -> list[str]:
    """Every register the school can export (the tuck shop's only while it is on)."""
    from plugins.canteen.exports import REGISTERS

    assert REGISTERS, "the canteen registers none of its exports"
    with tenant_context(school):
        return [f"/api/v1/canteen/exports/{name}.xlsx?{_period(name)}"
                for name, register in REGISTERS.items() if register.available()]


def _period(register: str) -> str:
    """The scenario's term; the tuck shop's deliveries arrive today."""
    if register.startswith("tuck_shop"):
        today = school_today()
        return f"start={today - timedelta(days=30)}&end={today}"
    return "start=2026-09-01&end=2026-12-31"


def _fee_exports(term_id: str) -> list[str]:
    return [f"/api/v1/fees/reports/{name}.xlsx?term_id={term_id}"
            for name in ("collection", "arrears", "summary")] + [
        f"/api/v1/fees/reports/takings/daily.xlsx?day={day}" for day in (TENTH, TWELFTH)] + [
        "/api/v1/fees/reports/takings/monthly.xlsx?month=2026-09"]


def _cells(content: bytes) -> list:
    workbook = load_workbook(io.BytesIO(content))
    return [cell for sheet in workbook.worksheets for row in sheet.iter_rows() for cell in row
            if cell.value is not None]


@pytest.fixture
def school(app, make_school):
    from core.calendar import services as calendar

    school = make_school("export-school", modules=("canteen", "fees"))
    with tenant_context(school):
        year = calendar.create_year("2026学年", date(2026, 9, 1), date(2027, 8, 31))
        calendar.create_term(year.id, "第一学期", date(2026, 9, 1), date(2027, 1, 22))
        db.session.commit()
    return school


@pytest.fixture
def admin(school, make_user):
    return make_user(school, "school_admin")


@pytest.fixture
def hostile_school(client, school, admin):
    """A school whose names, payers and canteen records hold formula texts, stored as any
    person could type them; the fee term's id."""
    from plugins.fees.services import payments

    with tenant_context(school):
        term_id = str(db.session.scalar(db.select(Term.id)))
    scenario = build(school, term_id)
    with tenant_context(school):
        db.session.execute(db.update(SchoolClass).where(
            SchoolClass.id == uuid.UUID(scenario.class_a)).values(name=COMMAND))
        db.session.execute(db.update(Student).where(
            Student.id == uuid.UUID(scenario.students["a1"])).values(name=LINK))
        db.session.execute(db.update(Grade).values(name=GRADE))
        people.add_guardian(uuid.UUID(scenario.students["a0"]), {
            "name": COMMAND, "relation": "mother", "phone": "+8613800000009",
            "can_pick_up": True})
        people.create_staff({"name": LINK, "position": "@cook", "phone": None, "active": True})
        building = people.create_building(COMMAND)
        people.create_room({"building_id": building.id, "name": LINK, "office": "-1"})
        payments.record(uuid.UUID(scenario.bills["a1"]), 100, "cash", TENTH, payer=LINK,
                        by=COMMAND)
        db.session.commit()
    with tenant_context(school):
        module_service.update_settings("canteen", {"tuck_shop": True})
        db.session.commit()
        expires = school_today() + timedelta(days=30)
    tuck = "/api/v1/canteen/tuck-shop/products"
    product = client.post(tuck, headers=admin.headers, json={
        "name": LINK, "unit": "瓶", "price_fen": 350}).get_json()["id"]
    assert client.post(f"{tuck}/{product}/batches", headers=admin.headers, json={
        "quantity": 10, "cost_fen": 200, "received_by": COMMAND,
        "expires_on": expires.isoformat()}).status_code == 201
    dish_id = dish(client, admin, name=COMMAND).get_json()["id"]
    assert serve(client, admin, dish_id, day=MONDAY).status_code == 201
    assert client.post("/api/v1/canteen/samples", headers=admin.headers, json={
        "day": MONDAY.isoformat(), "slot": "lunch", "dish_id": dish_id, "grams": 130,
        "taken_at": sample_at(MONDAY, 4), "taken_by": LINK, "cabinet": "A1"}).status_code == 201
    return term_id


def test_no_export_carries_a_formula_and_the_text_stays_readable(client, school, admin,
                                                                 hostile_school):
    urls = [*_core_exports(), *_canteen_exports(school), *_fee_exports(hostile_school)]
    texts: dict[str, set[str]] = {}
    negative_numbers = []
    for url in urls:
        response = client.get(url, headers=admin.headers)
        assert response.status_code == 200, (url, response.get_data(as_text=True)[:300])
        cells = _cells(response.data)
        assert [c.coordinate for c in cells if c.data_type == "f"] == [], url
        texts[url] = {c.value for c in cells if isinstance(c.value, str)}
        # Every formula-like text is a string cell that a spreadsheet program keeps as text
        # even when someone edits it (the quote prefix), with the text exactly as stored.
        assert [c.coordinate for c in cells if isinstance(c.value, str)
                and c.value.startswith(FORMULA_STARTS) and not re.fullmatch(r"[+-][0-9.]+", c.value)
                and not (c.data_type == "s" and c.quotePrefix)] == [], url
        negative_numbers += [c.value for c in cells
                             if isinstance(c.value, (int, float)) and c.value < 0]

    def found(path: str) -> set[str]:
        return set().union(*(values for url, values in texts.items() if path in url))

    # The hostile texts are there, exactly as stored.
    assert {LINK, COMMAND} <= found("/people/exports/students")
    assert COMMAND in found("/people/exports/guardians")
    assert "+8613800000009" in found("/people/exports/guardians")  # a number runs nothing
    assert {LINK, "@cook"} <= found("/people/exports/staff")
    assert {COMMAND, LINK, "-1"} <= found("/people/exports/rooms")
    assert COMMAND in found("/canteen/exports/menus")
    assert LINK in found("/canteen/exports/samples")
    assert {LINK, COMMAND} <= found("/canteen/exports/tuck_shop_products")
    assert GRADE + COMMAND in found("/fees/reports/collection")  # grade and class
    assert {GRADE + COMMAND, LINK} <= found("/fees/reports/arrears")
    assert {LINK, COMMAND} <= found(f"daily.xlsx?day={TENTH}")
    # A refund is a negative amount, and stays a number.
    assert negative_numbers and all(isinstance(n, (int, float)) for n in negative_numbers)


def test_a_control_character_stored_before_it_was_refused_no_longer_breaks_exports(
        client, school, admin):
    from plugins.canteen.models import Dish

    with tenant_context(school):
        people.create_staff({"name": "王\x07师傅", "position": "厨师\x1b", "phone": None,
                             "active": True})
        stored = Dish(name="番茄\x0b炒蛋\x9f", allergens=[])
        db.session.add(stored)
        db.session.commit()
        dish_id = str(stored.id)
    assert serve(client, admin, dish_id, day=MONDAY).status_code == 201

    staff = client.get("/api/v1/people/exports/staff.xlsx", headers=admin.headers)
    assert staff.status_code == 200
    assert {"王师傅", "厨师"} <= {c.value for c in _cells(staff.data)}
    for url in _canteen_exports(school):
        response = client.get(url, headers=admin.headers)
        assert response.status_code == 200, url
        if "/menus." in url:
            assert "番茄炒蛋" in {c.value for c in _cells(response.data)}


def test_text_is_inert_in_both_formats_while_typed_values_stay_typed():
    rows = [["=1+1", "+1+1", "-1-A1", "@A1", "\t=1", "\r=1", "#N/A", "a\x01b", "纯文本", "-2.5"],
            [-5, Decimal("-12.50"), date(2026, 9, 1), None, 0, 1.5, "", "中文", " =1"]]
    cells = _cells(workbook_bytes([("sheet", rows)]))
    text_row = [c for c in cells if c.row == 1]
    # (XML reads a carriage return back as a line feed)
    assert [c.value for c in text_row] == ["=1+1", "+1+1", "-1-A1", "@A1", "\t=1",
                                           "\n=1", "#N/A", "ab", "纯文本", "-2.5"]
    assert {c.data_type for c in text_row} == {"s"}
    assert [c.quotePrefix for c in text_row] == [True] * 6 + [False] * 4
    typed = {c.column_letter: c for c in cells if c.row == 2}
    assert (typed["A"].value, typed["A"].data_type) == (-5, "n")
    assert (typed["B"].value, typed["B"].data_type) == (-12.5, "n")
    assert typed["C"].value.date() == date(2026, 9, 1)

    read = list(csv.reader(io.StringIO(csv_bytes(rows).decode("utf-8-sig"), newline="")))
    assert read[0] == ["'=1+1", "'+1+1", "'-1-A1", "'@A1", "'\t=1", "'\r=1", "#N/A", "ab",
                       "纯文本", "-2.5"]
    assert read[1][:3] == ["-5", "-12.50", "2026-09-01"]
