"""Hygiene logs: disinfection, pest control, waste handovers and accompanied meals, kept (voided,
never deleted), exported, and their coverage of the days a meal was served."""

import io
from datetime import date, timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from core.extensions import db
from core.tenancy import tenant_context
from core.testing import signed_in
from plugins.canteen.models import Disinfection
from plugins.canteen.services import hygiene

from .support import MONDAY, dish, serve

pytestmark = pytest.mark.houqin_plugins("canteen")

TUESDAY, WEDNESDAY = MONDAY + timedelta(days=1), MONDAY + timedelta(days=2)
BODIES = {
    "disinfections": {"slot": "lunch", "method": "steam", "temperature": "100", "minutes": 15,
                      "items": "餐盘 300 个", "done_by": "王师傅"},
    "pest-controls": {"area": "主食库", "method": "粘鼠板、灭蝇灯", "done_by": "李师傅",
                      "contractor": "某某消杀公司"},
    "waste-handovers": {"kilograms": "35.5", "collector": "赵师傅",
                        "collector_company": "某某环卫公司", "receipt_no": "HS-0012",
                        "handed_over_by": "王师傅"},
    "accompanied-meals": {"slot": "lunch", "leader_name": "刘校长", "leader_title": "副校长",
                          "rating": 4, "remarks": "米饭稍硬"},
}


def record(client, manager, log: str, day: date = MONDAY, **changes):
    return client.post(f"/api/v1/canteen/{log}", headers=manager.headers,
                       json={**BODIES[log], "day": day.isoformat(), **changes})


def test_each_log_keeps_its_entries(client, manager, school):
    for log in BODIES:
        created = record(client, manager, log)
        assert created.status_code == 201, (log, created.get_json())
        listed = client.get(f"/api/v1/canteen/{log}?start={MONDAY}&end={MONDAY}",
                            headers=manager.headers).get_json()
        assert [e["id"] for e in listed] == [created.get_json()["id"]]
    waste = client.get(f"/api/v1/canteen/waste-handovers?start={MONDAY}&end={MONDAY}",
                       headers=manager.headers).get_json()[0]
    assert (waste["kilograms"], waste["kind"], waste["receipt_no"]) == ("35.50", "food_waste",
                                                                        "HS-0012")


def test_a_log_is_listed_a_page_at_a_time(client, manager, school):
    import json

    made = [record(client, manager, "pest-controls", day).get_json()["id"]
            for day in (MONDAY, TUESDAY, WEDNESDAY)]
    period = f"start={MONDAY}&end={WEDNESDAY}"
    first = client.get(f"/api/v1/canteen/pest-controls?{period}&page_size=2",
                       headers=manager.headers)
    assert [e["id"] for e in first.get_json()] == made[:2]
    assert json.loads(first.headers["X-Pagination"])["total"] == 3
    second = client.get(f"/api/v1/canteen/pest-controls?{period}&page_size=2&page=2",
                        headers=manager.headers).get_json()
    assert [e["id"] for e in second] == made[2:]
    too_big = client.get(f"/api/v1/canteen/pest-controls?{period}&page_size=101",
                         headers=manager.headers)
    assert too_big.status_code == 422 and "page_size" in too_big.get_json()["errors"]


@pytest.mark.parametrize(("log", "changes", "field"), [
    ("disinfections", {"temperature": None}, "temperature"),  # steam names its temperature
    ("disinfections", {"temperature": "400"}, "temperature"),
    ("disinfections", {"temperature": "-5"}, "temperature"),
    ("disinfections", {"method": "chemical", "temperature": None}, "agent"),
    ("disinfections", {"method": "sunlight"}, "method"),
    ("disinfections", {"minutes": 0}, "minutes"),
    ("disinfections", {"slot": "dinner"}, "slot"),  # not a meal this school serves
    ("waste-handovers", {"kilograms": "0"}, "kilograms"),
    ("waste-handovers", {"kilograms": "-2"}, "kilograms"),
    ("waste-handovers", {"kilograms": "99999"}, "kilograms"),
    ("waste-handovers", {"receipt_no": ""}, "receipt_no"),
    ("accompanied-meals", {"rating": 6}, "rating"),
    ("accompanied-meals", {"rating": 0}, "rating"),
    ("accompanied-meals", {"leader_title": ""}, "leader_title"),
    ("pest-controls", {"area": ""}, "area"),
    ("pest-controls", {"day": date.today() + timedelta(days=2)}, "day"),
])
def test_bad_entries_are_refused_by_field(client, manager, school, log, changes, field):
    refused = record(client, manager, log, **changes)
    assert refused.status_code == 422 and field in refused.get_json()["errors"], refused.get_json()
    assert client.get(f"/api/v1/canteen/{log}?start=2026-01-01&end=2027-12-31",
                      headers=manager.headers).get_json() == []


def test_a_chemical_disinfection_names_its_agent_instead_of_a_temperature(client, manager, school):
    created = record(client, manager, "disinfections", method="chemical", temperature=None,
                     agent="含氯消毒液 250mg/L", minutes=5)
    assert created.status_code == 201 and created.get_json()["temperature"] is None


def test_coverage_finds_meal_days_without_a_leader_or_disinfection(client, manager, school):
    dish_id = dish(client, manager).get_json()["id"]
    rice = dish(client, manager, name="米饭", allergens=[]).get_json()["id"]
    serve(client, manager, dish_id, day=MONDAY)
    serve(client, manager, dish_id, day=MONDAY, slot="breakfast")
    serve(client, manager, rice, day=TUESDAY)
    record(client, manager, "accompanied-meals")
    disinfection = record(client, manager, "disinfections").get_json()
    record(client, manager, "accompanied-meals", day=WEDNESDAY)  # no meal that day: no matter
    days = client.get(f"/api/v1/canteen/hygiene/coverage?start={MONDAY}&end={WEDNESDAY}",
                      headers=manager.headers).get_json()
    assert [(d["day"], d["meal_day"], d["missing"]) for d in days] == [
        ("2026-11-16", True, []),
        ("2026-11-17", True, ["accompanied_meal", "disinfection"]),
        ("2026-11-18", False, [])]
    assert days[0]["served"] == ["breakfast", "lunch"]
    assert days[0]["unaccompanied_meals"] == ["breakfast"]
    # a voided record counts for nothing
    voided = client.post(f"/api/v1/canteen/disinfections/{disinfection['id']}/void",
                         headers=manager.headers, json={"reason": "记错了日子", "voided_by": "王师傅"})
    assert voided.status_code == 200
    with tenant_context(school):
        monday = hygiene.coverage(MONDAY, MONDAY)[0]
        assert (monday.present, monday.missing) == (["accompanied_meal"], ["disinfection"])
        assert db.session.scalar(select(Disinfection.void_reason)) == "记错了日子"
    again = client.post(f"/api/v1/canteen/disinfections/{disinfection['id']}/void",
                        headers=manager.headers, json={"reason": "再来"})
    assert again.status_code == 409
    backwards = client.get(f"/api/v1/canteen/hygiene/coverage?start={WEDNESDAY}&end={MONDAY}",
                           headers=manager.headers)
    assert backwards.status_code == 422 and "end" in backwards.get_json()["errors"]
    too_long = client.get("/api/v1/canteen/hygiene/coverage?start=2025-01-01&end=2026-12-31",
                          headers=manager.headers)
    assert too_long.status_code == 422 and "end" in too_long.get_json()["errors"]


def test_the_registers_export_with_voided_entries_marked(client, manager, school):
    for log in BODIES:
        record(client, manager, log)
    entry = record(client, manager, "accompanied-meals", rating=2).get_json()
    voided = client.post(f"/api/v1/canteen/accompanied-meals/{entry['id']}/void",
                         headers=manager.headers, json={"reason": "重复录入"})
    assert voided.get_json()["voided_by"] == "canteen_manager"  # the person signed in
    for name, first in (("disinfections", ("Day", "Meal", "Method")),
                        ("pest_controls", ("Day", "Area", "Method and agent")),
                        ("waste_handovers", ("Day", "Kind", "Kilograms")),
                        ("accompanied_meals", ("Day", "Meal", "Leader"))):
        response = client.get(f"/api/v1/canteen/exports/{name}.xlsx?start={MONDAY}&end={MONDAY}",
                              headers=manager.headers)
        assert response.status_code == 200, name
        rows = list(load_workbook(io.BytesIO(response.data)).active.values)
        assert rows[0][:3] == first and rows[0][-1] == "Voided"
        assert len(rows) == (3 if name == "accompanied_meals" else 2), name
    meals = list(load_workbook(io.BytesIO(client.get(
        f"/api/v1/canteen/exports/accompanied_meals.xlsx?start={MONDAY}&end={MONDAY}",
        headers=manager.headers).data)).active.values)
    assert [(r[2], r[4], r[-1]) for r in meals[1:]] == [("刘校长", 4, None),
                                                        ("刘校长", 2, "重复录入")]


def test_the_hygiene_pages_record_refuse_and_show_the_month(client, manager, school):
    token = signed_in(client, manager)
    dish_id = dish(client, manager).get_json()["id"]
    serve(client, manager, dish_id, day=MONDAY)
    serve(client, manager, dish_id, day=TUESDAY)
    url = f"/t/canteen-school/m/canteen/hygiene/waste_handovers?day={MONDAY}"
    refused = client.post(url, data={
        "csrf_token": token, "day": MONDAY.isoformat(), "waste_handovers_kind": "food_waste",
        "waste_handovers_kilograms": "-3", "waste_handovers_collector": "赵",
        "waste_handovers_collector_company": "环卫", "waste_handovers_receipt_no": "1",
        "waste_handovers_handed_over_by": "王"})
    assert refused.status_code == 422
    assert 'data-testid="error-waste_handovers_kilograms"' in refused.get_data(as_text=True)
    recorded = client.post(f"/t/canteen-school/m/canteen/hygiene/accompanied_meals?day={MONDAY}",
                           data={"csrf_token": token, "day": MONDAY.isoformat(),
                                 "accompanied_meals_slot": "lunch",
                                 "accompanied_meals_leader_name": "刘校长",
                                 "accompanied_meals_leader_title": "副校长",
                                 "accompanied_meals_rating": "5"})
    assert recorded.status_code == 302
    steam = client.post(f"/t/canteen-school/m/canteen/hygiene/disinfections?day={MONDAY}", data={
        "csrf_token": token, "day": MONDAY.isoformat(), "disinfections_slot": "lunch",
        "disinfections_method": "steam", "disinfections_temperature": "",
        "disinfections_minutes": "15", "disinfections_done_by": "王师傅"})
    assert steam.status_code == 422
    assert 'data-testid="error-disinfections_temperature"' in steam.get_data(as_text=True)
    page = client.get(f"/t/canteen-school/m/canteen/hygiene?day={MONDAY}").get_data(as_text=True)
    assert "刘校长" in page and "export-accompanied_meals" in page
    month = client.get("/t/canteen-school/m/canteen/hygiene/coverage?month=2026-11")
    text = month.get_data(as_text=True)
    assert month.status_code == 200
    assert 'data-date="2026-11-16" data-missing="disinfection"' in text
    assert 'data-date="2026-11-17" data-missing="accompanied_meal disinfection"' in text
    assert 'data-date="2026-11-18" data-missing=""' in text
    with tenant_context(school):
        assert hygiene.between("accompanied_meals", MONDAY, MONDAY)[0].rating == 5
    assert client.post(f"/t/canteen-school/m/canteen/hygiene/nothing?day={MONDAY}",
                       data={"csrf_token": token}).status_code == 404


def test_the_school_file_holds_every_hygiene_log(client, manager, school):

    from tenants.schoolfile import export_school, file_rows

    for log in BODIES:
        record(client, manager, log)
    written = io.BytesIO()
    with tenant_context(school):
        export_school(written)
    assert file_rows(written, "canteen", "canteen_waste_handovers")[0]["kilograms"] == "35.50"
    assert file_rows(written, "canteen", "canteen_accompanied_meals")[0]["leader_name"] == "刘校长"
    for table in ("canteen_disinfections", "canteen_pest_controls"):
        assert file_rows(written, "canteen", table), table


def test_a_wrong_entry_is_voided_from_the_page_with_its_reason(client, manager, school):
    token = signed_in(client, manager)
    entry = record(client, manager, "pest-controls").get_json()
    url = f"/t/canteen-school/m/canteen/hygiene/pest_controls/{entry['id']}/void"
    refused = client.post(url, data={"csrf_token": token, "reason": ""})
    assert refused.status_code == 422
    assert 'data-testid="error-void_pest_controls"' in refused.get_data(as_text=True)
    assert client.post(url, data={"csrf_token": token, "reason": "记错了区域"}).status_code == 302
    page = client.get(f"/t/canteen-school/m/canteen/hygiene?day={MONDAY}").get_data(as_text=True)
    assert "已作废：记错了区域" in page
    kept = client.get(f"/api/v1/canteen/pest-controls?start={MONDAY}&end={MONDAY}",
                      headers=manager.headers).get_json()
    assert [(e["void_reason"], e["voided_by"]) for e in kept] == [("记错了区域", "canteen_manager")]
