"""The canteen charts' series on known data: the food-safety records missing each day (as
the daily report counts them) and the food cost per eater week by week; then the pages and the
home card that draw them."""

from datetime import UTC, date, datetime, timedelta

import pytest

from core.extensions import db
from core.tenancy import tenant_context
from core.testing import signed_in
from plugins.canteen.models import MealCount
from plugins.canteen.services import report, trends

from .stock_support import issue, school_today, stock_in
from .support import MONDAY, dish, sample_at, serve
from .test_health import check, worker

TUESDAY, SATURDAY = MONDAY + timedelta(days=1), MONDAY + timedelta(days=5)


@pytest.fixture
def week(client, manager, school):
    """Monday: two dishes at lunch, one sampled; two kitchen workers, one checked; no
    hygiene record. Tuesday: a school day with no meal and no check. Saturday: no school."""
    first = dish(client, manager, name="番茄炒蛋").get_json()["id"]
    second = dish(client, manager, name="清炒时蔬").get_json()["id"]
    serve(client, manager, first)
    serve(client, manager, second)
    assert client.post("/api/v1/canteen/samples", headers=manager.headers, json={
        "day": MONDAY.isoformat(), "slot": "lunch", "dish_id": first, "grams": 150,
        "taken_at": sample_at(MONDAY, 4), "taken_by": "王师傅", "cabinet": "A1"}
    ).status_code == 201
    wang = worker(client, manager, school, "王师傅")
    worker(client, manager, school, "李师傅")
    assert check(client, manager, wang).status_code == 201


def test_missing_records_are_counted_day_by_day_by_area(school, week):
    with tenant_context(school):
        found = trends.missing_by_day(MONDAY, SATURDAY)
    assert [(d.day, d.samples, d.checks, d.hygiene) for d in found] == [
        (MONDAY, 1, 1, 2), (TUESDAY, 0, 2, 0), (MONDAY + timedelta(days=2), 0, 2, 0),
        (MONDAY + timedelta(days=3), 0, 2, 0), (MONDAY + timedelta(days=4), 0, 2, 0),
        (SATURDAY, 0, 0, 0)]
    assert found[0].total == 4


def test_missing_records_agree_with_the_daily_reports(school, week):
    now = datetime(2026, 12, 1, tzinfo=UTC)
    with tenant_context(school):
        found = trends.missing_by_day(MONDAY, SATURDAY)
        reports = report.reports_between(MONDAY, SATURDAY, now)
    for counted, daily in zip(found, reports, strict=True):
        sections = {s.key: s for s in daily.sections}
        assert counted.samples == len(sections["samples"].missing), daily.day
        assert counted.hygiene == len(sections["hygiene"].missing), daily.day
        checks = [m for m in sections["health"].missing if m.startswith("no morning check")]
        assert counted.checks == len(checks), daily.day


def test_food_cost_per_eater_is_the_weeks_cost_over_its_meals(client, manager, school):
    today = school_today()
    monday = today - timedelta(days=today.weekday() + 14)

    def offset(day: date) -> int:
        return (day - today).days

    assert stock_in(client, manager, received=offset(monday) - 1).status_code == 201
    for day, kilos in ((monday, "2"), (monday + timedelta(days=2), "3"),
                       (monday + timedelta(days=7), "1")):
        answer = issue(client, manager, kilos, day=offset(day), slot="lunch")
        assert answer.status_code == 201, answer.get_json()
    with tenant_context(school):
        for day, eaters in ((monday, 7), (monday + timedelta(days=2), 3)):
            db.session.add(MealCount(day=day, slot="lunch", unit="staff", eaters=eaters,
                                     version=1, reported_by="test",
                                     reported_at=datetime.now(UTC)))
        db.session.commit()
        found = trends.cost_by_week(monday + timedelta(days=3), monday + timedelta(days=8))
    # 3.50 yuan a kilogram: week one 5 kg for 10 meals, week two 1 kg and no meal counted
    assert [(w.monday, w.cost_fen, w.eaters, w.per_eater_fen) for w in found] == [
        (monday, 1750, 10, 175), (monday + timedelta(days=7), 350, None, None)]


def test_the_pages_and_the_home_card_draw_the_charts(client, school, manager, week):
    signed_in(client, manager)
    page = client.get(f"/t/canteen-school/m/canteen/report?day={MONDAY}").text
    chart = page[page.index('data-testid="missing-chart"'):]
    assert 'data-chart="stacked"' in chart and "11-16" in chart
    assert "<td>1</td><td>1</td><td>2</td><td>4</td>" in chart  # Monday's row of the table
    page = client.get("/t/canteen-school/m/canteen/stock/cost?month=2026-11").text
    assert 'data-testid="cost-chart"' in page and 'data-chart="line"' in page
    home = client.get("/t/canteen-school/").text
    assert 'data-testid="canteen-widget-chart"' in home and "chart-small" in home
