"""The calendar and audit-log pages: forms that write what they say (or refuse by field and
write nothing), the month grid, the searchable trail and its export, and who may see what."""

import html
import io
import re
from datetime import UTC, date, datetime, timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from core.audit import AuditEvent
from core.calendar import services as calendar
from core.calendar.models import AcademicYear, CalendarDay, Term
from core.extensions import db
from core.identity import services
from core.tenancy import tenant_context
from tests.test_web import csrf, sign_in

pytestmark = pytest.mark.houqin_plugins("notes", "tags", "playground")
PASSWORD = "correct-horse-1"
OFFICE = "office@calendar.test"


def _member(school, email: str, role: str) -> int:
    user = services.user_by_email(email) or services.create_user(email, role, PASSWORD)
    with tenant_context(school):
        services.grant_school_role(user, role)
    db.session.commit()
    return user.id


@pytest.fixture
def school(app, make_school):
    return make_school("cal-web")


@pytest.fixture
def office(client, school):
    """The school office, signed in, reading English so the assertions do not depend on the
    Chinese catalogue."""
    user_id = _member(school, OFFICE, "school_admin")
    sign_in(client, email=OFFICE)
    with client.session_transaction() as session:
        session["locale"] = "en"
    return user_id


@pytest.fixture
def year(school):
    with tenant_context(school):
        year = calendar.create_year("2026-2027", date(2026, 9, 1), date(2027, 8, 31))
        db.session.commit()
        return year.id


def token(client, path="/t/cal-web/calendar") -> str:
    return csrf(client.get(path).get_data(as_text=True))


def rows(school, model) -> list:
    db.session.expire_all()
    with tenant_context(school):
        return list(db.session.scalars(select(model)))


def cell(page: str, day: str) -> dict[str, str]:
    """The data attributes of one day of the month grid."""
    tag = re.search(rf'<td class="day [^"]*" data-date="{day}"[^>]*>', page).group(0)
    return dict(re.findall(r'data-([a-z-]+)="([^"]*)"', tag))


# --- the calendar ----------------------------------------------------------------------------


def test_the_office_sets_up_a_year_a_term_and_marked_days(client, school, office):
    csrf_token = token(client)
    added = client.post("/t/cal-web/calendar/years", data={
        "csrf_token": csrf_token, "year_name": "2026-2027学年", "year_start_date": "2026-09-01",
        "year_end_date": "2027-08-31"})
    assert added.status_code == 302
    (year,) = rows(school, AcademicYear)
    assert (year.name, year.start_date, year.end_date) == (
        "2026-2027学年", date(2026, 9, 1), date(2027, 8, 31))
    term = client.post("/t/cal-web/calendar/terms", data={
        "csrf_token": csrf_token, "term_academic_year_id": str(year.id), "term_name": "第一学期",
        "term_start_date": "2026-09-01", "term_end_date": "2027-01-22",
        "term_weekdays": ["0", "1", "2", "3", "4"]})
    assert term.status_code == 302
    assert [(t.name, t.weekdays) for t in rows(school, Term)] == [("第一学期", [0, 1, 2, 3, 4])]
    for day, kind, name in (("2026-10-01", "holiday", "国庆节"),
                            ("2026-10-10", "workday", "国庆调休")):  # 10 October is a Saturday
        marked = client.post("/t/cal-web/calendar/days", data={
            "csrf_token": csrf_token, "day_day": day, "day_kind": kind, "day_name": name})
        assert marked.status_code == 302 and marked.location.endswith("month=2026-10")
    assert sorted((d.day, d.kind) for d in rows(school, CalendarDay)) == [
        (date(2026, 10, 1), "holiday"), (date(2026, 10, 10), "workday")]

    page = client.get("/t/cal-web/calendar?month=2026-10").get_data(as_text=True)
    assert 'data-testid="month-grid"' in page and "Mon Tue Wed Thu Fri" in page
    assert cell(page, "2026-10-01") == {"date": "2026-10-01", "kind": "holiday",
                                        "school-day": "no"}
    assert cell(page, "2026-10-10")["kind"] == "workday"
    assert cell(page, "2026-10-10")["school-day"] == "yes"
    assert cell(page, "2026-10-09") == {"date": "2026-10-09", "kind": "school",
                                        "school-day": "yes"}
    assert cell(page, "2026-10-11")["kind"] == "weekend"
    assert '?month=2026-09"' in page and '?month=2026-11"' in page
    with tenant_context(school):  # the grid agrees with the service every module asks
        assert [date(2026, 10, 10)] == calendar.school_days(date(2026, 10, 10),
                                                            date(2026, 10, 11))

    removed = client.post("/t/cal-web/calendar/days/2026-10-10/delete",
                          data={"csrf_token": csrf_token})
    assert removed.status_code == 302
    assert [d.day for d in rows(school, CalendarDay)] == [date(2026, 10, 1)]
    page = client.get("/t/cal-web/calendar?month=2026-10").get_data(as_text=True)
    assert cell(page, "2026-10-10")["kind"] == "weekend"
    # Written through the page, recorded like the API's writes: by whom, from the web.
    trail = {(e.entity, e.action, e.source, e.user_id) for e in rows(school, AuditEvent)}
    assert ("calendar_days", "delete", "web", office) in trail
    assert ("terms", "create", "web", office) in trail


@pytest.mark.parametrize(("path", "form", "field"), [
    ("years", {"year_name": "", "year_start_date": "2026-09-01", "year_end_date": "2027-08-31"},
     "year_name"),
    ("years", {"year_name": "x", "year_start_date": "2026-13-01",
               "year_end_date": "2027-08-31"}, "year_start_date"),
    ("years", {"year_name": "x", "year_start_date": "2026-09-01",
               "year_end_date": "2026-08-01"}, "year_end_date"),
    ("years", {"year_name": "2026-2027", "year_start_date": "2026-09-01",
               "year_end_date": "2027-08-31"}, "year_name"),  # taken by the fixture
    ("terms", {"term_academic_year_id": "YEAR", "term_name": "x", "term_start_date": "2026-09-01",
               "term_end_date": "2027-01-22"}, "term_weekdays"),  # no weekday ticked
    ("terms", {"term_academic_year_id": "YEAR", "term_name": "x", "term_start_date": "2026-08-01",
               "term_end_date": "2027-01-22", "term_weekdays": "0"}, "term_start_date"),
    ("terms", {"term_academic_year_id": "nope", "term_name": "x",
               "term_start_date": "2026-09-01", "term_end_date": "2027-01-22",
               "term_weekdays": "0"}, "term_academic_year_id"),
    ("terms", {"term_academic_year_id": "YEAR", "term_name": "x", "term_start_date": "2026-09-01",
               "term_end_date": "2027-01-22", "term_weekdays": "7"}, "term_weekdays"),
    ("days", {"day_day": "2026-10-01", "day_kind": "party", "day_name": "x"}, "day_kind"),
    ("days", {"day_day": "1 October", "day_kind": "holiday", "day_name": "x"}, "day_day"),
    ("days", {"day_day": "2026-10-01", "day_kind": "holiday", "day_name": ""}, "day_name"),
])
def test_bad_input_is_refused_next_to_its_field_and_writes_nothing(client, school, office, year,
                                                                  path, form, field):
    before = [len(rows(school, m)) for m in (AcademicYear, Term, CalendarDay, AuditEvent)]
    form = {k: str(year) if v == "YEAR" else v for k, v in form.items()}
    response = client.post(f"/t/cal-web/calendar/{path}", data={**form, "csrf_token": token(client)})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert f'data-testid="error-{field}"' in page
    assert f'id="{field}"' in page  # the field itself is on the page, beside its error
    after = [len(rows(school, m)) for m in (AcademicYear, Term, CalendarDay, AuditEvent)]
    assert after == before


def test_a_bad_month_or_removal_is_refused(client, school, office):
    month = client.get("/t/cal-web/calendar?month=2026-13")
    assert month.status_code == 422 and 'data-testid="error-month"' in month.get_data(
        as_text=True)
    csrf_token = token(client)
    bad = client.post("/t/cal-web/calendar/days/tomorrow/delete", data={"csrf_token": csrf_token})
    assert bad.status_code == 422 and 'data-testid="error-remove"' in bad.get_data(as_text=True)
    unmarked = client.post("/t/cal-web/calendar/days/2026-10-02/delete",
                           data={"csrf_token": csrf_token})
    assert unmarked.status_code == 404
    assert client.post("/t/cal-web/calendar/years", data={
        "year_name": "x", "year_start_date": "2026-09-01",
        "year_end_date": "2027-08-31"}).status_code == 400  # no csrf token
    assert rows(school, AcademicYear) == []


# --- the audit log ---------------------------------------------------------------------------


def test_the_trail_is_found_by_entity_and_date_and_exported(client, school, office):
    client.post("/t/cal-web/calendar/years", data={
        "csrf_token": token(client), "year_name": "2026-2027学年",
        "year_start_date": "2026-09-01", "year_end_date": "2027-08-31"})
    today = datetime.now(UTC).date()
    page = client.get(f"/t/cal-web/audit?entity=academic_years&action=create"
                      f"&from={today - timedelta(days=1)}&to={today + timedelta(days=1)}")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and 'data-testid="audit-events"' in text
    assert text.count('data-entity="academic_years"') == 1
    assert OFFICE in text and "<span class=\"field\">Name</span> — → 2026-2027学年" in text
    past = client.get(f"/t/cal-web/audit?entity=academic_years&to={today - timedelta(days=3)}")
    assert 'data-entity="academic_years"' not in past.get_data(as_text=True)

    link = html.unescape(re.search(r'href="([^"]+)" data-testid="export-xlsx"', text).group(1))
    assert link.startswith("/t/cal-web/api/v1/audit/export.xlsx?") and "entity=academic_years" in link
    exported = client.get(link)  # the browser's session, no bearer token
    assert exported.status_code == 200
    assert exported.mimetype.endswith("spreadsheetml.sheet")
    sheet = load_workbook(io.BytesIO(exported.data)).active
    body = list(sheet.iter_rows(values_only=True))[1:]
    assert [(r[1], r[4], r[5]) for r in body] == [(office, "create", "academic_years")]
    assert any(e.action == "export" and e.user_id == office for e in rows(school, AuditEvent))


def test_times_are_the_schools_and_pages_hold_fifty_newest_first(client, school, office):
    # 17:30 UTC on 1 March is 01:30 on 2 March in Beijing: the day the school lived it.
    start = datetime(2026, 3, 1, 17, 30, tzinfo=UTC)
    with tenant_context(school):
        for minutes in range(55):
            db.session.add(AuditEvent(at=start + timedelta(minutes=minutes), source="job",
                                      action="update", entity="paging", entity_id=str(minutes),
                                      before={"n": minutes}, after={"n": minutes + 1}))
        db.session.commit()
    first = client.get("/t/cal-web/audit?entity=paging&from=2026-03-02&to=2026-03-02")
    text = first.get_data(as_text=True)
    assert text.count('data-entity="paging"') == 50
    assert re.search(r'<td class="id">(\d+)</td>', text).group(1) == "54"  # the newest first
    assert "2026-03-02 02:24:00" in text and "<span class=\"field\">n</span> 54 → 55" in text
    assert client.get("/t/cal-web/audit?entity=paging&to=2026-03-01").get_data(
        as_text=True).count('data-entity="paging"') == 0
    following = html.unescape(re.search(r'href="([^"]+)" rel="next"', text).group(1))
    second = client.get(following).get_data(as_text=True)
    assert second.count('data-entity="paging"') == 5 and 'rel="next"' not in second
    assert "2026-03-02 01:30:00" in second


@pytest.mark.parametrize(("query", "field"), [
    ("from=2026-13-01", "from"), ("to=yesterday", "to"), ("user_id=alice", "user_id"),
    ("from=2026-02-01&to=2026-01-01", "to"),
])
def test_a_bad_search_is_refused_by_field(client, school, office, query, field):
    response = client.get(f"/t/cal-web/audit?{query}")
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and f'data-testid="error-{field}"' in page
    assert 'data-testid="audit-events"' not in page


# --- who sees what ---------------------------------------------------------------------------


def test_another_schools_user_sees_nothing_of_this_school(client, app, school, office,
                                                          make_school):
    client.post("/t/cal-web/calendar/days", data={
        "csrf_token": token(client), "day_day": "2026-10-01", "day_kind": "holiday",
        "day_name": "cal-web's holiday"})
    assert len(rows(school, CalendarDay)) == 1
    other = make_school("cal-other")
    _member(other, "office@other.test", "school_admin")
    stranger = app.test_client()
    sign_in(stranger, email="office@other.test")
    own_calendar = stranger.get("/t/cal-other/calendar?month=2026-10").get_data(as_text=True)
    assert "cal-web's holiday" not in own_calendar
    own_trail = stranger.get("/t/cal-other/audit?entity=calendar_days").get_data(as_text=True)
    assert 'data-entity="calendar_days"' not in own_trail
    assert "cal-web's holiday" not in own_trail
    for path in ("/calendar", "/audit", "/api/v1/audit/export.xlsx"):
        assert stranger.get(f"/t/cal-web{path}").status_code == 403, path
    refused = stranger.post("/t/cal-web/calendar/days/2026-10-01/delete",
                            data={"csrf_token": csrf(own_calendar)})
    assert refused.status_code == 403
    assert len(rows(school, CalendarDay)) == 1


def test_teachers_read_the_calendar_but_neither_change_it_nor_read_the_trail(client, app,
                                                                            school, office):
    _member(school, "teacher@calendar.test", "class_teacher")
    teacher = app.test_client()
    sign_in(teacher, email="teacher@calendar.test")
    with teacher.session_transaction() as session:
        session["locale"] = "en"
    page = teacher.get("/t/cal-web/calendar")
    assert page.status_code == 200 and "Add an academic year" not in page.get_data(as_text=True)
    csrf_token = csrf(page.get_data(as_text=True))
    assert teacher.post("/t/cal-web/calendar/years", data={
        "csrf_token": csrf_token, "year_name": "x", "year_start_date": "2026-09-01",
        "year_end_date": "2027-08-31"}).status_code == 403
    assert teacher.get("/t/cal-web/audit").status_code == 403
    assert rows(school, AcademicYear) == []
    home = teacher.get("/t/cal-web/").get_data(as_text=True)
    assert ">Calendar</a>" in home and ">Audit log</a>" not in home
    office_home = client.get("/t/cal-web/").get_data(as_text=True)
    assert ">Calendar</a>" in office_home and ">Audit log</a>" in office_home
