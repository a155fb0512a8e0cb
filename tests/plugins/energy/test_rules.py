"""The dial rules, the spreading of use over days, tiered cost and the waste flags, through
the module's services."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from core.extensions import db
from core.rules import RuleBroken
from core.tenancy import tenant_context

from .conftest import ZONE, at, building, days_ago, meter, read, today

pytestmark = pytest.mark.houqin_plugins("energy")


def refusal(school, meter_id, when, value, rolled_over=False) -> RuleBroken:
    with pytest.raises(RuleBroken) as caught:
        read(school, meter_id, when, value, rolled_over)
    with tenant_context(school):
        db.session.rollback()
    return caught.value


def test_use_is_the_dial_difference_times_the_multiplier(school):
    power = meter(school, "E-1", "electricity", digits=6, multiplier=40)
    assert read(school, power, at(days_ago(3)), "1000.5") is None  # the first: no use yet
    assert read(school, power, at(days_ago(2)), "1012.25") == Decimal("470.000")


def test_a_lower_reading_is_refused_naming_the_value_unless_the_dial_rolled_over(school):
    water = meter(school, digits=5)
    read(school, water, at(days_ago(3)), "99990")
    refused = refusal(school, water, at(days_ago(2)), "15")
    assert refused.field == "value" and refused.status == 422
    assert "99990" in str(refused)
    # 99999 is the dial's highest: 99990 → 99999 is 9, → 0 one more, → 15 fifteen more.
    assert read(school, water, at(days_ago(2)), "15", rolled_over=True) == Decimal("25.000")


def test_rolled_over_is_refused_when_the_reading_is_not_lower(school):
    water = meter(school)
    read(school, water, at(days_ago(3)), "100")
    refused = refusal(school, water, at(days_ago(2)), "150", rolled_over=True)
    assert refused.field == "rolled_over"


def test_a_figure_beyond_the_dial_is_refused(school):
    water = meter(school, digits=4)
    assert refusal(school, water, at(days_ago(2)), "10000").field == "value"


def test_a_time_in_the_future_is_refused_on_the_school_clock(school):
    water = meter(school)
    later = datetime.now(ZONE) + timedelta(minutes=5)
    refused = refusal(school, water, later, "1")
    assert (refused.field, refused.status) == ("read_at", 422)


def test_two_readings_at_the_same_moment_clash_and_an_earlier_one_is_refused(school):
    water = meter(school)
    read(school, water, at(days_ago(2)), "10")
    clash = refusal(school, water, at(days_ago(2)), "11")
    assert (clash.field, clash.status) == ("read_at", 409)
    before = refusal(school, water, at(days_ago(3)), "9")
    assert (before.field, before.status) == ("read_at", 422)


def test_a_reading_before_the_meter_was_installed_is_refused(school):
    water = meter(school, installed_days_ago=2)
    assert refusal(school, water, at(days_ago(5)), "1").field == "read_at"


def test_replacement_ends_the_old_meter_and_starts_the_new_one_lower(school):
    from plugins.energy.models import Meter
    from plugins.energy.services import meters, usage

    water = meter(school, "W-OLD")
    sub = meter(school, "W-SUB", parent=water)
    read(school, water, at(days_ago(4)), "5000")
    with tenant_context(school):
        new = meters.replace(water, {
            "read_at": at(days_ago(3)), "final_value": Decimal("5040"), "number": "W-NEW",
            "digits": 6, "multiplier": 1, "first_value": Decimal("3")})
        db.session.commit()
        new_id = new.id
        old = db.session.get(Meter, (school.id, water))
        assert old.retired_on == days_ago(3)
        assert db.session.get(Meter, (school.id, sub)).parent_id == new_id
    # The new meter reads 3 and on; the old one takes no more readings.
    assert read(school, new_id, at(days_ago(2)), "10") == Decimal("7.000")
    assert refusal(school, water, at(days_ago(2)), "5050").status == 409
    with tenant_context(school):
        old_days = usage.daily(days_ago(4), days_ago(3), [water])[water]
        new_days = usage.daily(days_ago(4), days_ago(2), [new_id])[new_id]
    assert sum(old_days.values()) == Decimal("40.000")  # the old meter's last 40 units
    assert sum(new_days.values()) == Decimal("7.000")  # counted from 3, not from 5040


def test_use_is_spread_over_the_days_by_the_time_each_covers(school):
    from plugins.energy.services import usage

    water = meter(school)
    monday = days_ago(10)
    read(school, water, at(monday, 8), "100")
    read(school, water, at(monday + timedelta(days=2), 8), "148")  # 48 over 48 hours
    with tenant_context(school):
        days = usage.daily(monday - timedelta(days=1), monday + timedelta(days=3))[water]
    assert days == {monday: Decimal("16.000"), monday + timedelta(days=1): Decimal("24.000"),
                    monday + timedelta(days=2): Decimal("8.000")}  # the days after: unknown


def test_a_tiered_tariff_charges_each_step_at_its_price_in_exact_decimals():
    from plugins.energy.services.usage import cost

    steps = [{"up_to": "10", "price": "3.1"}, {"up_to": "20", "price": "4.05"},
             {"up_to": "", "price": "5.123"}]
    assert cost(Decimal("12"), steps) == Decimal("39.10")  # 10 × 3.1 + 2 × 4.05
    assert cost(Decimal("25.5"), steps) == Decimal("99.68")  # 31 + 40.5 + 5.5 × 5.123 = 99.6765
    assert cost(Decimal("0.1"), steps) == Decimal("0.31")
    assert cost(Decimal("5"), []) is None  # no tariff, no price: the school enters its own
    assert isinstance(cost(Decimal("1"), steps), Decimal)


def test_negative_prices_are_refused_naming_the_field(app, school, make_user):
    admin = make_user(school, "school_admin")
    answer = app.test_client().put(
        "/t/energy-school/api/v1/modules/energy", headers=admin.headers,
        json={"enabled": True, "settings": {"water": {"tiers": [{"up_to": "", "price": "-1"}]}}})
    assert answer.status_code == 422
    assert answer.get_json()["errors"]["settings"]["water"]["tiers"]["0"]["price"]


def test_the_month_costs_and_compares_with_a_year_before(school, settings_of):
    from plugins.energy.services import usage

    settings_of({"water": {"tiers": [{"up_to": "100", "price": "3.5"},
                                     {"up_to": "", "price": "5"}]}, "floor_area": "1000"})
    water = meter(school, installed_days_ago=800)
    first = today().replace(day=1) - timedelta(days=1)
    first = first.replace(day=1)  # last month, whole
    end = usage.month_end(first)
    ago = usage.year_ago(first)
    read(school, water, at(ago, 0), "0")
    read(school, water, at(usage.month_end(ago) + timedelta(days=1), 0), "100")
    read(school, water, at(first, 0), "500")
    read(school, water, at(end + timedelta(days=1), 0), "620")
    with tenant_context(school):
        found = {row.kind: row for row in usage.month(first)}["water"]
    assert found.used == Decimal("120.000") and found.last_year == Decimal("100.000")
    assert found.cost == Decimal("450.00")  # 100 × 3.5 + 20 × 5
    assert found.change == Decimal("20.0") and found.per_area == Decimal("0.120")
    assert found.per_student is None  # no students enrolled


def test_unmetered_use_is_the_parent_s_less_its_sub_meters(school):
    from plugins.energy.services import usage

    main = meter(school, "W-MAIN")
    sub = meter(school, "W-SUB", parent=main)
    day = days_ago(5)
    for meter_id, start, end in ((main, "10", "60"), (sub, "1", "31")):
        read(school, meter_id, at(day, 0), start)
        read(school, meter_id, at(day + timedelta(days=1), 0), end)
    with tenant_context(school):
        [found] = usage.unmetered(day, day)
        # Only the top-level meter counts towards the school's water.
        assert usage.school_daily(day, day)["water"] == {day: Decimal("50.000")}
    assert (found.used, found.sub_used, found.unmetered) == (
        Decimal("50.000"), Decimal("30.000"), Decimal("20.000"))


def test_flags_are_off_until_the_school_sets_its_limits(school):
    from plugins.energy.services import flags

    water = meter(school)
    day = days_ago(3)
    read(school, water, at(day, 22), "0")
    read(school, water, at(day + timedelta(days=1), 6), "80")
    with tenant_context(school):
        assert flags.find(day, day) == []


def test_night_use_above_the_limit_is_flagged(school, settings_of):
    from plugins.energy.services import flags

    settings_of({"water": {"night_limit": "0.5"}})
    water = meter(school)
    quiet, leaking = days_ago(4), days_ago(3)
    read(school, water, at(quiet, 22), "0")
    read(school, water, at(quiet + timedelta(days=1), 6), "3")  # 0.375 an hour
    read(school, water, at(leaking, 22), "40")
    read(school, water, at(leaking + timedelta(days=1), 6), "48")  # 1 an hour
    with tenant_context(school):
        found = flags.find(quiet, leaking)
    assert [(f.flag, f.day, f.used) for f in found] == [("night", leaking, Decimal("8.000"))]


def test_a_holiday_s_use_above_the_limit_is_flagged(school, settings_of):
    from plugins.energy.services import flags

    settings_of({"electricity": {"holiday_limit": "20"}})
    power = meter(school, "E-1", "electricity")
    day = days_ago(6)  # no term in the calendar: every day is a day the school is closed
    read(school, power, at(day, 0), "0")
    read(school, power, at(day + timedelta(days=1), 0), "30")
    read(school, power, at(day + timedelta(days=2), 0), "45")
    with tenant_context(school):
        found = flags.find(day, day + timedelta(days=1))
    assert [(f.flag, f.day) for f in found] == [("holiday", day)]


def test_a_day_far_above_the_meter_s_median_is_a_jump(school, settings_of):
    from plugins.energy.services import flags

    settings_of({"jump_factor": "2"})
    water = meter(school)
    start = days_ago(12)
    dial = 0
    for n in range(10):
        read(school, water, at(start + timedelta(days=n), 0), dial)
        dial += 10 if n < 8 else 25  # eight usual days of 10, then 25
    read(school, water, at(start + timedelta(days=10), 0), dial)
    with tenant_context(school):
        found = flags.find(start, start + timedelta(days=9))
    assert [(f.flag, f.day, f.limit) for f in found] == [
        ("jump", start + timedelta(days=8), Decimal("20.000")),
        ("jump", start + timedelta(days=9), Decimal("20.000"))]


def test_the_daily_job_raises_yesterday_s_flags_as_notifications(app, school, settings_of,
                                                                  make_user):
    from sqlalchemy import select

    from core.notifications.models import Notification
    from core.sdk import enqueue
    from core.testing import run_jobs
    from plugins.energy.jobs import raise_flags

    settings_of({"water": {"night_limit": "0.5"}})
    water = meter(school, "W-NIGHT")
    evening = today() - timedelta(days=2)
    read(school, water, at(evening, 22), "0")
    read(school, water, at(evening + timedelta(days=1), 6), "40")
    # The night that began two days ago was the day before's to raise; only last night's is.
    water2 = meter(school, "W-NIGHT-2")
    yesterday = today() - timedelta(days=1)
    read(school, water2, at(yesterday, 22), "0")
    if at(yesterday + timedelta(days=1), 6) > datetime.now(UTC):
        pytest.skip("before 06:00 on the school's clock the night is not over")
    read(school, water2, at(yesterday + timedelta(days=1), 6), "40")
    with tenant_context(school):
        enqueue(raise_flags)
        db.session.commit()
    run_jobs(app)
    with tenant_context(school):
        found = db.session.scalars(select(Notification).where(
            Notification.source == "energy")).all()
        assert [n.params["number"] for n in found] == ["W-NIGHT-2"]
        assert found[0].permission == "energy.read"


def test_year_ago_takes_the_28th_for_the_29th_of_february():
    from plugins.energy.services.usage import year_ago

    assert year_ago(date(2028, 2, 29)) == date(2027, 2, 28)


def test_each_building_s_use_and_its_use_per_square_metre(school, settings_of):
    from plugins.energy.services import meters, usage

    settings_of({"building_areas": [{"building": "教学楼", "area": "2000"}]})
    places = {name: building(school, name) for name in ("教学楼", "食堂")}
    with tenant_context(school):
        made = {}
        # "全校" is no building of the school: a name as written before meters named core's
        # buildings, which counts under that name.
        for number, name, parent in (("W-MAIN", "全校", None), ("W-TEACH", "教学楼", "W-MAIN"),
                                     ("W-TEACH-2F", "教学楼", "W-TEACH"),
                                     ("W-CANTEEN", "食堂", "W-MAIN")):
            made[number] = meters.create({
                "number": number, "kind": "water", "digits": 5,
                "building_id": places.get(name),
                "unmatched_building": "" if name in places else name,
                "parent_id": made[parent] if parent else None,
                "installed_on": days_ago(30)}).id
        db.session.commit()
    day = days_ago(5)
    for number, used in (("W-MAIN", 100), ("W-TEACH", 40), ("W-TEACH-2F", 15),
                         ("W-CANTEEN", 30)):
        read(school, made[number], at(day, 0), "0")
        read(school, made[number], at(day + timedelta(days=1), 0), used)
    with tenant_context(school):
        found = {(b.building, b.kind): (b.used, b.per_area) for b in usage.buildings(day, day)}
    # The teaching building's 2nd floor is inside its meter: 40, not 55.
    assert found == {("全校", "water"): (Decimal("100.000"), None),
                     ("教学楼", "water"): (Decimal("40.000"), Decimal("0.020")),
                     ("食堂", "water"): (Decimal("30.000"), None)}
