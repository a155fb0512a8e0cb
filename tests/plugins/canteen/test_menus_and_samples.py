"""Canteen: the dish library, menus, and retained samples with their cited rules."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from core.extensions import db
from core.tenancy import tenant_context
from core.testing import signed_in
from plugins.canteen.models import Sample

from .support import MONDAY, dish, sample_at, serve

pytestmark = pytest.mark.houqin_plugins("canteen")


def test_dishes_are_kept_with_their_ingredients_and_bad_ones_refused(client, manager):
    created = dish(client, manager)
    assert created.status_code == 201
    assert {(i["food"], i["grams"]) for i in created.get_json()["ingredients"]} == {
        ("番茄", 80), ("鸡蛋", 50)}
    assert dish(client, manager).status_code == 422  # the name is taken
    for bad, field in ((({"allergens": ["chocolate"]}), "allergens"),
                       ({"ingredients": [{"food": "盐", "grams": -3}]}, "ingredients"),
                       ({"name": ""}, "name")):
        response = dish(client, manager, name=bad.pop("name", "别的菜"), **bad)
        assert response.status_code == 422 and field in response.get_json()["errors"], bad
    assert len(client.get("/api/v1/canteen/dishes", headers=manager.headers).get_json()) == 1


def test_the_dishes_page_shows_a_page_at_a_time(client, manager, school):
    from plugins.canteen.services import menus

    with tenant_context(school):
        for n in range(51):
            menus.create_dish({"name": f"菜{n:02d}", "allergens": []})
        db.session.commit()
    signed_in(client, manager)
    first = client.get("/t/canteen-school/m/canteen/dishes").get_data(as_text=True)
    assert "菜00" in first and "菜49" in first and "菜50" not in first
    assert 'href="/t/canteen-school/m/canteen/dishes?page=2" rel="next"' in first
    second = client.get("/t/canteen-school/m/canteen/dishes?page=2").get_data(as_text=True)
    assert "菜50" in second and "菜49" not in second and 'rel="next"' not in second


def test_a_menu_is_built_warned_on_non_school_days_and_copied(client, manager, school):
    dish_id = dish(client, manager).get_json()["id"]
    assert serve(client, manager, dish_id).get_json()["warnings"] == []
    assert serve(client, manager, dish_id).status_code == 409  # on that meal already
    saturday = serve(client, manager, dish_id, day=MONDAY + timedelta(days=5))
    assert saturday.status_code == 201 and "not a school day" in saturday.get_json()["warnings"][0]
    off_slot = serve(client, manager, dish_id, slot="dinner")  # not among the school's meals
    assert off_slot.status_code == 422 and "slot" in off_slot.get_json()["errors"]
    copied = client.post("/api/v1/canteen/menu/copy-week", headers=manager.headers, json={
        "source": MONDAY.isoformat(), "target": (MONDAY + timedelta(days=9)).isoformat()})
    assert copied.get_json() == {"added": 2}
    next_week = client.get(f"/api/v1/canteen/menu?week={MONDAY + timedelta(days=7)}",
                           headers=manager.headers).get_json()
    assert sorted(i["day"] for i in next_week) == ["2026-11-23", "2026-11-28"]
    again = client.post("/api/v1/canteen/menu/copy-week", headers=manager.headers, json={
        "source": MONDAY.isoformat(), "target": (MONDAY + timedelta(days=7)).isoformat()})
    assert again.get_json() == {"added": 0}  # idempotent


def test_samples_follow_the_cited_weight_and_keeping_time(client, manager, school):
    dish_id = dish(client, manager).get_json()["id"]
    other = dish(client, manager, name="米饭", allergens=[]).get_json()["id"]
    serve(client, manager, dish_id)
    body = {"day": MONDAY.isoformat(), "slot": "lunch", "dish_id": dish_id, "grams": 124,
            "taken_at": sample_at(MONDAY), "taken_by": "王师傅", "cabinet": "A1"}
    light = client.post("/api/v1/canteen/samples", json=body, headers=manager.headers)
    assert light.status_code == 422 and "125" in light.get_json()["errors"]["grams"][0]
    not_served = client.post("/api/v1/canteen/samples", headers=manager.headers,
                             json={**body, "grams": 130, "dish_id": other})
    assert not_served.status_code == 422 and "dish_id" in not_served.get_json()["errors"]
    register = client.get(f"/api/v1/canteen/samples?day={MONDAY}", headers=manager.headers)
    assert [m["dish"] for m in register.get_json()["missing"]] == ["番茄炒蛋"]
    taken = client.post("/api/v1/canteen/samples", headers=manager.headers,
                        json={**body, "grams": 130})
    assert taken.status_code == 201
    due = datetime.fromisoformat(taken.get_json()["dispose_due_at"])
    assert due - datetime.fromisoformat(sample_at(MONDAY)) == timedelta(hours=48)
    register = client.get(f"/api/v1/canteen/samples?day={MONDAY}", headers=manager.headers)
    assert register.get_json()["missing"] == []
    assert [s["id"] for s in register.get_json()["overdue"]] == [taken.get_json()["id"]]
    disposed = client.post(f"/api/v1/canteen/samples/{taken.get_json()['id']}/dispose",
                           headers=manager.headers, json={"disposed_by": "李师傅"})
    assert disposed.status_code == 200 and disposed.get_json()["disposed_by"] == "李师傅"


def test_an_overdue_sample_of_an_earlier_day_is_named_in_a_later_register(client, manager,
                                                                          school):
    from plugins.canteen.services import menus, samples

    dish_id = dish(client, manager).get_json()["id"]
    serve(client, manager, dish_id)
    assert client.post("/api/v1/canteen/samples", headers=manager.headers, json={
        "day": MONDAY.isoformat(), "slot": "lunch", "dish_id": dish_id, "grams": 130,
        "taken_at": sample_at(MONDAY), "taken_by": "王师傅", "cabinet": "A1"}).status_code == 201
    tuesday = MONDAY + timedelta(days=1)
    later = datetime.fromisoformat(sample_at(MONDAY)) + timedelta(hours=49)
    with tenant_context(school):
        register = samples.sample_day(tuesday, later)  # nothing served on Tuesday
        assert register["served"] == [] and len(register["overdue"]) == 1
        assert register["dish_names"] == {register["overdue"][0].dish_id: "番茄炒蛋"}
        # A caller holding the day's menu passes it; the register is the same.
        assert samples.sample_day(MONDAY, later, served=menus.menu(MONDAY, MONDAY)) == \
            samples.sample_day(MONDAY, later)


def test_a_sample_is_not_disposed_of_before_its_time(client, manager, school):
    dish_id = dish(client, manager).get_json()["id"]
    today = datetime.now(UTC)
    serve(client, manager, dish_id, day=today.astimezone(
        __import__("zoneinfo").ZoneInfo("Asia/Shanghai")).date())
    local_day = today.astimezone(__import__("zoneinfo").ZoneInfo("Asia/Shanghai")).date()
    taken = client.post("/api/v1/canteen/samples", headers=manager.headers, json={
        "day": local_day.isoformat(), "slot": "lunch", "dish_id": dish_id, "grams": 150,
        "taken_at": (today - timedelta(minutes=1)).isoformat(), "taken_by": "王师傅",
        "cabinet": "A1"})
    early = client.post(f"/api/v1/canteen/samples/{taken.get_json()['id']}/dispose",
                        headers=manager.headers, json={"disposed_by": "李师傅"})
    assert early.status_code == 409
    with tenant_context(school):
        assert db.session.scalar(select(Sample.disposed_at)) is None


def test_a_district_overrides_a_rule_and_the_citation_stays(app, client, manager, school):
    folder = __import__("pathlib").Path(app.instance_path) / "regulations" / "district-a"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "canteen.toml").write_text('[sample_min_grams]\nvalue = 150\n'
                                         'source = "某区教育局食堂管理细则（测试）"\n')
    try:
        rules = {r["key"]: r for r in client.get("/api/v1/canteen/rules",
                                                 headers=manager.headers).get_json()}
        assert rules["sample_min_grams"]["value"] == 150
        assert rules["sample_min_grams"]["overridden_by"] == "district-a"
        assert "48小时" in rules["sample_keep_hours"]["source"]
        dish_id = dish(client, manager).get_json()["id"]
        serve(client, manager, dish_id)
        refused = client.post("/api/v1/canteen/samples", headers=manager.headers, json={
            "day": MONDAY.isoformat(), "slot": "lunch", "dish_id": dish_id, "grams": 140,
            "taken_at": sample_at(MONDAY), "taken_by": "王师傅", "cabinet": "A1"})
        assert refused.status_code == 422 and "150" in refused.get_json()["errors"]["grams"][0]
    finally:
        (folder / "canteen.toml").unlink()


def test_parents_read_the_week_menu_without_signing_in(app, client, manager, school,
                                                       make_school):
    dish_id = dish(client, manager).get_json()["id"]
    serve(client, manager, dish_id)
    page = client.get(f"/t/canteen-school/m/canteen/public/menu?week={MONDAY}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "番茄炒蛋" in text and "蛋类" in text
    make_school("no-canteen")
    assert client.get("/t/no-canteen/m/canteen/public/menu").status_code == 404


def test_pages_refuse_bad_input_by_field_and_another_school_sees_nothing(
        app, client, manager, school, make_school, make_user):
    token = signed_in(client, manager)
    bad = client.post("/t/canteen-school/m/canteen/dishes", data={
        "csrf_token": token, "name": "红烧肉", "ingredients": "猪肉 很多"})
    assert bad.status_code == 422 and 'data-testid="error-ingredients"' in bad.get_data(
        as_text=True)
    good = client.post("/t/canteen-school/m/canteen/dishes", data={
        "csrf_token": token, "name": "红烧肉", "ingredients": "五花肉 100\n冰糖 5",
        "allergens": ["soy"]})
    assert good.status_code == 302
    dish_id = client.get("/api/v1/canteen/dishes", headers=manager.headers).get_json()[0]["id"]
    light = client.post("/t/canteen-school/m/canteen/samples", data={
        "csrf_token": token, "day": MONDAY.isoformat(), "meal": f"lunch/{dish_id}",
        "grams": "100", "taken_at": "12:00", "taken_by": "王师傅", "cabinet": "A1"})
    assert light.status_code == 422 and 'data-testid="error-meal"' in light.get_data(as_text=True)
    other = make_school("canteen-other", modules=("canteen",))
    intruder = make_user(other, "canteen_manager")
    assert client.get(f"/api/v1/canteen/dishes/{dish_id}",
                      headers=intruder.headers).status_code == 404
    assert client.get("/api/v1/canteen/dishes", headers=intruder.headers).get_json() == []
    browser = app.test_client()
    signed_in(browser, intruder)
    assert "红烧肉" not in browser.get("/t/canteen-other/m/canteen/dishes").get_data(as_text=True)


def test_the_sample_form_says_the_limits_in_force_beside_its_fields(app, client, manager):
    from pathlib import Path

    signed_in(client, manager)
    page = client.get("/t/canteen-school/m/canteen/samples").get_data(as_text=True)
    grams = page.split('id="grams"')[1].split(">")[0]
    assert 'min="125"' in grams and 'max="5000"' in grams and 'aria-describedby="grams-hint"' in grams
    assert "125" in page.split('data-testid="hint-grams"')[1].split("</small>")[0]
    assert "48" in page.split('data-testid="hint-taken_at"')[1].split("</small>")[0]
    folder = Path(app.instance_path) / "regulations" / "district-a"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "canteen.toml").write_text('[sample_min_grams]\nvalue = 150\n'
                                         'source = "某区留样细则（测试）"\n'
                                         '[sample_keep_hours]\nvalue = 72\n'
                                         'source = "某区留样细则（测试）"\n')
    try:
        page = client.get("/t/canteen-school/m/canteen/samples").get_data(as_text=True)
    finally:
        (folder / "canteen.toml").unlink()
    assert 'min="150"' in page.split('id="grams"')[1].split(">")[0]
    assert "72" in page.split('data-testid="hint-taken_at"')[1].split("</small>")[0]
    assert "某区留样细则" in page


def test_a_guardian_reaches_this_and_next_week_s_menu_from_home(
        app, client, manager, school, make_user):
    from datetime import timedelta as days

    from core.sdk import school_today as today

    with tenant_context(school):
        now = today()
    dish_id = dish(client, manager).get_json()["id"]
    assert serve(client, manager, dish_id, day=now).status_code == 201
    guardian = make_user(school, "guardian")
    signed_in(client, guardian)
    home = client.get("/t/canteen-school/").get_data(as_text=True)
    widget = home.split('data-testid="canteen-menu-widget"')[1].split("</div>")[0]
    assert "番茄炒蛋" in widget
    monday = now - days(days=now.weekday())
    assert f"/m/canteen/public/menu?week={(monday + days(days=7)).isoformat()}" in widget
    week = client.get("/t/canteen-school/m/canteen/public/menu")
    page = week.get_data(as_text=True)
    assert week.status_code == 200 and page.count('data-testid="menu-day"') == 7
    assert f"week={(monday + days(days=7)).isoformat()}" in page.split('data-testid="next-week"')[0]
    assert f"week={(monday - days(days=7)).isoformat()}" in page.split(
        'data-testid="previous-week"')[0]
    later = client.get(f"/t/canteen-school/m/canteen/public/menu?week={monday + days(days=7)}")
    assert "番茄炒蛋" not in later.get_data(as_text=True)
    assert 'data-testid="this-week"' in later.get_data(as_text=True)


def test_the_kitchen_s_home_keeps_its_report_rather_than_the_menu_widget(client, manager):
    signed_in(client, manager)
    home = client.get("/t/canteen-school/").get_data(as_text=True)
    assert 'data-testid="canteen-report-widget"' in home
    assert 'data-testid="canteen-menu-widget"' not in home
