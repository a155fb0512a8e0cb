"""The school calendar: terms, school weeks, holidays, make-up days, and the school-days query."""

from datetime import date

import pytest

from core.calendar import services
from core.extensions import db
from core.tenancy import tenant_context

pytestmark = pytest.mark.houqin_plugins("notes")

# Real-shaped dates, invented for the tests (not an official calendar).
YEAR = ("2026-2027学年", date(2026, 9, 1), date(2027, 8, 31))


@pytest.fixture
def school(app, make_school):
    return make_school("calendar-school")


@pytest.fixture
def term(school):
    with tenant_context(school):
        year = services.create_year(*YEAR)
        term = services.create_term(year.id, "第一学期", date(2026, 9, 1), date(2027, 1, 22))
        db.session.commit()
        return term.id


def days(school, start, end):
    with tenant_context(school):
        return services.school_days(start, end)


def test_school_days_follow_the_school_week_within_terms(school, term):
    # 2026-09-01 is a Tuesday; the week to Monday 7 September has four school days.
    assert days(school, date(2026, 8, 30), date(2026, 9, 7)) == [
        date(2026, 9, 1), date(2026, 9, 2), date(2026, 9, 3), date(2026, 9, 4), date(2026, 9, 7)]
    # Outside every term nothing is a school day.
    assert days(school, date(2027, 1, 23), date(2027, 2, 20)) == []


def test_holidays_and_make_up_days_change_the_week(school, term):
    with tenant_context(school):
        for day in (date(2026, 10, 1), date(2026, 10, 2)):
            services.set_day(day, "holiday", "国庆节")
        services.set_day(date(2026, 10, 10), "workday", "国庆调休")  # a Saturday
        db.session.commit()
    assert days(school, date(2026, 9, 28), date(2026, 10, 10)) == [
        date(2026, 9, 28), date(2026, 9, 29), date(2026, 9, 30),
        date(2026, 10, 5), date(2026, 10, 6), date(2026, 10, 7), date(2026, 10, 8),
        date(2026, 10, 9), date(2026, 10, 10)]
    with tenant_context(school):
        assert services.clear_day(date(2026, 10, 10))
        db.session.commit()
        assert not services.is_school_day(date(2026, 10, 10))


def test_a_boarding_school_can_teach_on_saturdays(school):
    with tenant_context(school):
        year = services.create_year(*YEAR)
        services.create_term(year.id, "第一学期", date(2026, 9, 1), date(2027, 1, 22),
                             weekdays=[5, 0, 1, 2, 3, 4])
        assert services.is_school_day(date(2026, 9, 5))  # Saturday
        assert not services.is_school_day(date(2026, 9, 6))  # Sunday


@pytest.mark.parametrize(("start", "end", "weekdays", "field", "message"), [
    (date(2026, 9, 10), date(2026, 9, 1), None, "end_date", "ends before it starts"),
    (date(2026, 8, 1), date(2026, 9, 30), None, "start_date", "outside the academic year"),
    (date(2027, 1, 10), date(2027, 2, 28), None, "start_date", "overlaps the term 第一学期"),
    (date(2027, 2, 20), date(2027, 7, 10), [0, 0], "weekdays", "each school weekday once"),
    (date(2027, 2, 20), date(2027, 7, 10), [], "weekdays", "each school weekday once"),
])
def test_term_rules_name_the_field(school, term, start, end, weekdays, field, message):
    with tenant_context(school):
        year_id = services.get_term(term).academic_year_id
        with pytest.raises(services.CalendarError, match=message) as caught:
            services.create_term(year_id, "第二学期", start, end, weekdays)
        assert caught.value.field == field


def test_calendars_are_per_school(school, term, make_school):
    other = make_school("other-calendar")
    assert days(other, date(2026, 9, 1), date(2026, 9, 4)) == []
    with tenant_context(other):
        assert services.get_term(term) is None


# --- through the API ---------------------------------------------------------------------


@pytest.fixture
def director(school, make_user):
    return make_user(school, "logistics_director")


def test_the_calendar_through_the_api(client, director):
    h = director.headers
    year = client.post("/api/v1/calendar/years", json={
        "name": YEAR[0], "start_date": "2026-09-01", "end_date": "2027-08-31"}, headers=h)
    assert year.status_code == 201, year.get_json()
    term = client.post("/api/v1/calendar/terms", json={
        "academic_year_id": year.get_json()["id"], "name": "第一学期",
        "start_date": "2026-09-01", "end_date": "2027-01-22"}, headers=h)
    assert term.status_code == 201 and term.get_json()["weekdays"] == [0, 1, 2, 3, 4]
    marked = client.put("/api/v1/calendar/days", json={
        "day": "2026-10-01", "kind": "holiday", "name": "国庆节"}, headers=h)
    assert marked.status_code == 200
    result = client.get("/api/v1/calendar/school-days?from=2026-09-28&to=2026-10-02",
                        headers=h).get_json()
    assert result == {"from": "2026-09-28", "to": "2026-10-02", "count": 4,
                      "days": ["2026-09-28", "2026-09-29", "2026-09-30", "2026-10-02"]}
    term_id = term.get_json()["id"]
    changed = client.put(f"/api/v1/calendar/terms/{term_id}", json={
        "name": "第一学期", "start_date": "2026-09-01", "end_date": "2027-01-22",
        "weekdays": [0, 1, 2, 3, 4, 5]}, headers=h)
    assert changed.get_json()["weekdays"] == [0, 1, 2, 3, 4, 5]
    refused = client.delete(f"/api/v1/calendar/years/{year.get_json()['id']}", headers=h)
    assert refused.status_code == 409 and "第一学期" in refused.get_json()["detail"]
    assert client.delete(f"/api/v1/calendar/terms/{term_id}", headers=h).status_code == 204
    assert client.delete("/api/v1/calendar/days/2026-10-01", headers=h).status_code == 204
    assert client.delete("/api/v1/calendar/days/2026-10-01", headers=h).status_code == 404


@pytest.mark.parametrize(("path", "body", "field"), [
    ("/api/v1/calendar/years", {"name": "", "start_date": "2026-09-01", "end_date": "2027-08-31"},
     "name"),
    ("/api/v1/calendar/years", {"name": "x", "start_date": "2026-13-01", "end_date": "2027-08-31"},
     "start_date"),
    ("/api/v1/calendar/years", {"name": "x", "start_date": "2026-09-01", "end_date": "2026-08-01"},
     "end_date"),
    ("/api/v1/calendar/years", {"name": "x", "start_date": "2026-09-01", "end_date": "2028-09-01"},
     "end_date"),
    ("/api/v1/calendar/days", {"day": "2026-10-01", "kind": "party", "name": "x"}, "kind"),
    ("/api/v1/calendar/terms", {"academic_year_id": "01a1fdc9-1e46-7b79-bb56-d00841883e8c",
                                "name": "x", "start_date": "2026-09-01",
                                "end_date": "2026-12-01"}, "academic_year_id"),
    ("/api/v1/calendar/terms", {"academic_year_id": "01a1fdc9-1e46-7b79-bb56-d00841883e8c",
                                "name": "x", "start_date": "2026-09-01", "end_date": "2026-12-01",
                                "weekdays": [7]}, "weekdays"),
])
def test_bad_input_is_a_422_naming_the_field_and_writes_nothing(client, director, path, body,
                                                                 field):
    response = client.open(path, method="PUT" if path.endswith("days") else "POST", json=body,
                           headers=director.headers)
    assert response.status_code == 422, response.get_json()
    assert field in response.get_json()["errors"]
    assert client.get("/api/v1/calendar/years", headers=director.headers).get_json() == []


def test_school_days_range_is_bounded_and_ordered(client, director):
    far = client.get("/api/v1/calendar/school-days?from=2026-01-01&to=2029-01-01",
                     headers=director.headers)
    assert far.status_code == 422 and "to" in far.get_json()["errors"]
    backwards = client.get("/api/v1/calendar/school-days?from=2026-02-01&to=2026-01-01",
                           headers=director.headers)
    assert backwards.status_code == 422 and "to" in backwards.get_json()["errors"]


def test_teachers_read_but_only_the_office_changes_the_calendar(client, school, make_user):
    teacher = make_user(school, "class_teacher")
    assert client.get("/api/v1/calendar/terms", headers=teacher.headers).status_code == 200
    response = client.put("/api/v1/calendar/days", json={
        "day": "2026-10-01", "kind": "holiday", "name": "国庆节"}, headers=teacher.headers)
    assert response.status_code == 403
