"""The daily food-safety report: compiled from the day's records, flagging what is missing;
a month view; printable; exported to .xlsx."""

import io

import pytest
from openpyxl import load_workbook

from core.sdk import school_today
from core.testing import signed_in

from .support import MONDAY, dish, sample_at, serve

pytestmark = pytest.mark.houqin_plugins("canteen")


def test_a_served_dish_without_a_sample_is_flagged_until_it_is_sampled(client, manager):
    dish_id = dish(client, manager).get_json()["id"]
    serve(client, manager, dish_id)
    day = client.get(f"/api/v1/canteen/report?day={MONDAY}", headers=manager.headers).get_json()
    assert (day["school_day"], day["meal_day"], day["status"]) == (True, True, "missing")
    assert day["missing"] == ["no sample of 番茄炒蛋 (Lunch)", "no record: Accompanied meal",
                              "no record: Disinfection"]
    samples = next(s for s in day["sections"] if s["key"] == "samples")
    assert {"label": "Lunch", "value": "番茄炒蛋"} in samples["facts"]

    assert client.post("/api/v1/canteen/samples", headers=manager.headers, json={
        "day": MONDAY.isoformat(), "slot": "lunch", "dish_id": dish_id, "grams": 150,
        "taken_at": sample_at(MONDAY, 4), "taken_by": "王师傅", "cabinet": "A1"}
    ).status_code == 201
    day = client.get(f"/api/v1/canteen/report?day={MONDAY}", headers=manager.headers).get_json()
    assert day["missing"] == ["no record: Accompanied meal", "no record: Disinfection"]
    for log, body in (("accompanied-meals", {"leader_name": "张校长", "leader_title": "校长",
                                              "rating": 5}),
                      ("disinfections", {"method": "steam", "temperature": 100,
                                         "minutes": 15, "done_by": "王师傅"})):
        recorded = client.post(f"/api/v1/canteen/{log}", headers=manager.headers,
                               json={"day": MONDAY.isoformat(), "slot": "lunch", **body})
        assert recorded.status_code == 201, recorded.get_json()
    day = client.get(f"/api/v1/canteen/report?day={MONDAY}", headers=manager.headers).get_json()
    assert day["missing"] == [] and day["status"] in ("ok", "warning")


def test_the_month_view_lists_every_day_with_its_status(client, manager):
    dish_id = dish(client, manager).get_json()["id"]
    serve(client, manager, dish_id)
    month = client.get("/api/v1/canteen/report/month?month=2026-11",
                       headers=manager.headers).get_json()
    assert len(month) == 30
    flagged = [d["day"] for d in month if d["status"] == "missing"]
    assert flagged == [MONDAY.isoformat()]
    assert client.get("/api/v1/canteen/report/month?month=2026-13", headers=manager.headers
                      ).get_json()["errors"]["month"]


def test_the_report_page_prints_and_the_month_exports(client, manager):
    dish_id = dish(client, manager).get_json()["id"]
    serve(client, manager, dish_id)
    client.post("/language", data={"locale": "en", "csrf_token": signed_in(client, manager)})
    page = client.get(f"/t/canteen-school/m/canteen/report?day={MONDAY}").get_data(as_text=True)
    assert 'data-status="missing"' in page and "no sample of 番茄炒蛋 (Lunch)" in page
    assert "print.css" in page
    month = client.get("/t/canteen-school/m/canteen/report/month?month=2026-11")
    assert month.status_code == 200 and f'data-day="{MONDAY}" data-status="missing"' in \
        month.get_data(as_text=True)
    exported = client.get("/t/canteen-school/m/canteen/exports/daily_reports.xlsx"
                          "?start=2026-11-16&end=2026-11-17")
    rows = list(load_workbook(io.BytesIO(exported.data)).active.values)
    assert [r[0].date().isoformat() for r in rows[1:]] == ["2026-11-16", "2026-11-17"]
    assert "番茄炒蛋" in rows[1][3]


def test_the_school_home_shows_todays_report_to_the_kitchen(client, school, manager,
                                                             make_user):
    from core.tenancy import tenant_context

    with tenant_context(school):
        today = school_today()
    dish_id = dish(client, manager).get_json()["id"]
    serve(client, manager, dish_id, day=today)
    client.post("/language", data={"locale": "en", "csrf_token": signed_in(client, manager)})
    home = client.get("/t/canteen-school/").get_data(as_text=True)
    assert 'data-testid="canteen-report-widget" data-status="missing"' in home
    # Each thing missing leads to the page where it is put right.
    assert '<a href="/t/canteen-school/m/canteen/samples">no sample of 番茄炒蛋 (Lunch)</a>' in home
    teacher = make_user(school, "class_teacher")
    signed_in(client, teacher)
    assert "canteen-report-widget" not in client.get("/t/canteen-school/").get_data(as_text=True)


def test_the_home_works_out_the_report_again_only_after_a_change(client, school, manager,
                                                                 monkeypatch):
    from core.tenancy import tenant_context
    from plugins.canteen.services import report

    with tenant_context(school):
        today = school_today()
    dish_id = dish(client, manager).get_json()["id"]
    serve(client, manager, dish_id, day=today)
    client.post("/language", data={"locale": "en", "csrf_token": signed_in(client, manager)})
    made = []
    whole_report = report.daily_report
    monkeypatch.setattr(report, "daily_report", lambda *a: made.append(a) or whole_report(*a))

    for _ in range(3):
        home = client.get("/t/canteen-school/").get_data(as_text=True)
        assert "no sample of 番茄炒蛋 (Lunch)" in home
    assert len(made) == 1  # the views after the first read the summary kept for the school

    assert "no record: Accompanied meal" in home
    assert client.post("/api/v1/canteen/accompanied-meals", headers=manager.headers, json={
        "day": today.isoformat(), "slot": "lunch", "leader_name": "张校长",
        "leader_title": "校长", "rating": 5}).status_code == 201
    home = client.get("/t/canteen-school/").get_data(as_text=True)
    assert "no sample of 番茄炒蛋 (Lunch)" in home
    assert "no record: Accompanied meal" not in home
    assert len(made) == 2
    client.post("/language", data={"locale": "zh_CN", "csrf_token": signed_in(client, manager)})
    client.get("/t/canteen-school/")
    assert len(made) == 3  # another language, its own summary


def test_a_class_without_a_count_is_missing_once_the_counts_closed(client, school, manager,
                                                                   make_user):
    from .support import classroom

    classroom(school, "1班", head=make_user(school, "class_teacher"))
    day = client.get(f"/api/v1/canteen/report?day={MONDAY}", headers=manager.headers).get_json()
    assert "Lunch: no count from 一年级1班" in day["missing"]
    counts = next(s for s in day["sections"] if s["key"] == "counts")
    assert counts["status"] == "missing"


def test_reports_export_a_bounded_period_and_stay_out_of_the_school_file(
        client, school, manager):
    from tenants.schoolfile import module_tables

    too_long = client.get("/api/v1/canteen/exports/daily_reports.xlsx?start=2025-01-01"
                          "&end=2026-11-30", headers=manager.headers)
    assert too_long.status_code == 422 and "end" in too_long.get_json()["errors"]
    from core.tenancy import tenant_context

    with tenant_context(school):
        tables = module_tables("canteen", school)
    # The daily reports are compiled from the records, so only the records move.
    assert "canteen_samples" in tables
    assert not any("report" in name for name in tables)


def test_the_kitchen_staff_and_the_stock_are_in_the_report(client, school, manager):
    from .test_health import check, worker

    wang = worker(client, manager, school, "王师傅")
    worker(client, manager, school, "李师傅")
    assert check(client, manager, wang, temperature="38.2").status_code == 201
    day = client.get(f"/api/v1/canteen/report?day={MONDAY}", headers=manager.headers).get_json()
    health = next(s for s in day["sections"] if s["key"] == "health")
    assert {"label": "Off work", "value": "王师傅"} in health["facts"]
    assert "no morning check of 李师傅" in health["missing"]
    assert "王师傅 has no valid health certificate" in health["missing"]


def test_food_issued_today_and_lots_expiring_soon_are_in_the_report(client, manager):
    from .stock_support import issue, school_today, stock_in

    assert stock_in(client, manager, quantity="10", price="350", expires=2).status_code == 201
    assert issue(client, manager, "4").status_code == 201
    day = client.get(f"/api/v1/canteen/report?day={school_today()}",
                     headers=manager.headers).get_json()
    stock = next(s for s in day["sections"] if s["key"] == "stock")
    assert {"label": "Food issued", "value": "14.00 yuan"} in stock["facts"]
    assert any(w.startswith("大米 (batch B1) expires on") for w in stock["warnings"])


def test_a_report_reads_the_settings_and_the_calendar_once_and_the_next_sees_a_change(
        app, school, make_school):
    from datetime import UTC, datetime

    from sqlalchemy import event

    from core.extensions import db
    from core.schools import modules
    from core.tenancy import tenant_context
    from plugins.canteen import services
    from plugins.canteen.services.report import daily_report

    other = make_school("other-school", modules=("canteen",))
    sent: list[str] = []

    def seen(_connection, _cursor, statement, *_args) -> None:
        sent.append(statement)

    event.listen(db.engine, "before_cursor_execute", seen)
    try:
        with app.test_request_context(), tenant_context(school):
            now = datetime(2026, 11, 16, 8, tzinfo=UTC)
            report = daily_report(MONDAY, now)
            reads = [s for s in sent if "FROM tenant_modules" in s or "FROM terms" in s]
            assert len(reads) == 2, reads  # once each, though every section asks
            tuck_shop = next(s for s in report.sections if s.key == "tuck_shop")
            assert tuck_shop.facts == []  # off by default

            modules.update_settings("canteen", {"tuck_shop": True})
            tuck_shop = next(s for s in daily_report(MONDAY, now).sections
                             if s.key == "tuck_shop")
            assert len(tuck_shop.facts) == 1  # the takings

            with services.reading_once():
                assert services.settings()["tuck_shop"] is True
                with tenant_context(other):  # another school's settings, not these
                    assert services.settings()["tuck_shop"] is False
                    assert services.is_school_day(MONDAY) is False  # it has no term
                assert services.is_school_day(MONDAY) is True
    finally:
        event.remove(db.engine, "before_cursor_execute", seen)
