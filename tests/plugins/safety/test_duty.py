"""Duty and night watch: the roster filled in turn, the shift's person told once that it
starts, the night's check-ins with a point missed and the heads told the next morning (the
clock moved, never slept), the handover acknowledged once by the next shift; a swap asked,
accepted and approved, the roster unchanged until then; bad input refused by its field; two
heads deciding one swap at once end in one decision and a 409."""

import uuid
from datetime import date, datetime, time, timedelta

import pytest

from core.extensions import db
from core.tenancy import tenant_context
from core.testing import at_once, signed_in

from .conftest import API, staff_of

pytestmark = pytest.mark.houqin_plugins("safety")
HOURS = {"duty_day_starts": "08:00", "duty_day_ends": "17:00",
         "duty_night_starts": "22:00", "duty_night_ends": "06:00"}


@pytest.fixture
def guard(school, make_user):
    return make_user(school, "guard", email="guard@safety.test")


@pytest.fixture
def teacher(school, make_user):
    return make_user(school, "class_teacher", email="teacher@safety.test")


def moment(school, day: date, hour: int, minute: int = 0) -> datetime:
    from core.sdk import school_zone

    with tenant_context(school):
        return datetime.combine(day, time(hour, minute), school_zone())


def today_of(school) -> date:
    """The school's own day (its clock may be a day ahead of the machine's)."""
    from core.sdk import school_today

    with tenant_context(school):
        return school_today()


def ok(answer, status=200):
    assert answer.status_code == status, answer.get_json()
    return answer.get_json()


def run(school, what, *args):
    from plugins.safety.services import duty

    with tenant_context(school):
        found = getattr(duty, what)(*args)
        db.session.commit()
        return found


def notices(school, prefix):
    from core.notifications.models import Notification

    with tenant_context(school):
        return sorted((n.key, n.user_id) for n in db.session.query(Notification)
                      if n.key.startswith(prefix))


def shifts(client, user, first, last):
    return ok(client.get(f"{API}/duty/shifts", headers=user.headers,
                         query_string={"first_day": first.isoformat(),
                                       "last_day": last.isoformat()}))


def test_a_night_from_the_roster_to_the_acknowledged_handover(client, school, officer, guard,
                                                              teacher, settings_of):
    settings_of(HOURS)
    guard_id, teacher_id = staff_of(school, guard, "王保安"), staff_of(school, teacher, "李老师")
    gate = ok(client.post(f"{API}/duty/points", headers=officer.headers, json={"name": "东门"}), 201)
    ok(client.post(f"{API}/duty/points", headers=officer.headers, json={"name": "配电房"}), 201)
    first = today_of(school) - timedelta(days=3)
    # The holiday watch: the guard the first night, the teacher the next, and round again.
    assert ok(client.post(f"{API}/duty/fill", headers=officer.headers, json={
        "first_day": first.isoformat(), "last_day": (first + timedelta(days=2)).isoformat(),
        "post": "night", "staff_ids": [guard_id, teacher_id]}))["added"] == 3
    roster = shifts(client, officer, first, first + timedelta(days=2))
    assert [r["staff_id"] for r in roster] == [guard_id, teacher_id, guard_id]
    night = roster[0]
    assert datetime.fromisoformat(night["starts_at"]) == moment(school, first, 22)
    assert datetime.fromisoformat(night["ends_at"]) == moment(school, first + timedelta(days=1), 6)

    # The hourly run within an hour and a half of ten tells the guard, once however often
    # the job runs.
    assert run(school, "remind_starting", moment(school, first, 20, 15)) == 0
    assert run(school, "remind_starting", moment(school, first, 20, 45)) == 1
    assert run(school, "remind_starting", moment(school, first, 21, 50)) == 0
    assert notices(school, "safety:duty-starts:") == [(f"safety:duty-starts:{night['id']}",
                                                      guard.id)]

    # The guard checks the gate at eleven; the power room is never checked.
    check = ok(client.post(f"{API}/duty/checks", headers=guard.headers, json={
        "point_id": gate["id"], "at": moment(school, first, 23).isoformat()}), 201)
    assert check["shift_id"] == night["id"]
    for who, at in ((guard, moment(school, first, 12)), (teacher, moment(school, first, 23))):
        refused = client.post(f"{API}/duty/checks", headers=who.headers, json={
            "point_id": gate["id"], "at": at.isoformat()})
        assert refused.status_code == 422 and list(refused.get_json()["errors"]) == ["at"]

    # The next morning the heads learn of the missed point, once.
    assert run(school, "tell_missed", moment(school, first + timedelta(days=1), 5)) == 0
    assert run(school, "tell_missed", moment(school, first + timedelta(days=1), 7, 15)) >= 1
    assert run(school, "tell_missed", moment(school, first + timedelta(days=1), 7, 30)) == 0
    told = notices(school, "safety:patrol-missed:")
    assert told and told[0][0] == f"safety:patrol-missed:{first + timedelta(days=1)}"
    page = client.get(f"/t/{school.slug}/m/safety/duty/shifts/{night['id']}",
                      headers=officer.headers)
    assert "missed-配电房" in page.get_data(as_text=True)
    assert "checked-东门" in page.get_data(as_text=True)

    # The handover: written by the guard, acknowledged once by the teacher on the next night.
    handover = ok(client.post(f"{API}/duty/shifts/{night['id']}/handover",
                              headers=guard.headers,
                              json={"happened": "23点东门有人徘徊", "watch": "东门监控"}), 201)
    again = client.post(f"{API}/duty/shifts/{night['id']}/handover", headers=guard.headers,
                        json={"happened": "又写一次"})
    assert again.status_code == 409
    waiting = client.get(f"/t/{school.slug}/m/safety/duty", headers=officer.headers)
    assert 'data-testid="unacknowledged"' in waiting.get_data(as_text=True)
    base = f"{API}/duty/handovers/{handover['id']}/acknowledgement"
    assert client.post(base, headers=guard.headers).status_code == 403
    assert client.post(base, headers=teacher.headers).get_json()["acknowledged_by"]
    assert client.post(base, headers=teacher.headers).status_code == 409
    home = client.get(f"/t/{school.slug}/m/safety/duty", headers=officer.headers)
    assert 'data-testid="unacknowledged"' not in home.get_data(as_text=True)


def test_a_swap_changes_the_roster_only_when_approved(client, school, officer, guard, teacher,
                                                       settings_of):
    guard_id, teacher_id = staff_of(school, guard, "王保安"), staff_of(school, teacher, "李老师")
    one, two = today_of(school) + timedelta(days=1), today_of(school) + timedelta(days=2)
    mine = ok(client.post(f"{API}/duty/shifts", headers=officer.headers, json={
        "day": one.isoformat(), "post": "night", "staff_id": guard_id}), 201)
    theirs = ok(client.post(f"{API}/duty/shifts", headers=officer.headers, json={
        "day": two.isoformat(), "post": "night", "staff_id": teacher_id}), 201)
    assert mine["starts_at"] is None  # no hours set: a whole-day duty
    asked = {"shift_id": mine["id"], "other_shift_id": theirs["id"], "reason": "家中有事"}
    assert client.post(f"{API}/duty/swaps", headers=teacher.headers, json=asked).status_code == 403
    swap = ok(client.post(f"{API}/duty/swaps", headers=guard.headers, json=asked), 201)
    assert notices(school, "safety:swap:") == [(f"safety:swap:{swap['id']}", teacher.id)]
    answer = f"{API}/duty/swaps/{swap['id']}/answer"
    assert client.post(answer, headers=guard.headers, json={"yes": True}).status_code == 403
    assert ok(client.post(answer, headers=teacher.headers, json={"yes": True}))["status"] == \
        "accepted"
    assert client.post(answer, headers=teacher.headers, json={"yes": True}).status_code == 409
    assert [r["staff_id"] for r in shifts(client, officer, one, two)] == [guard_id, teacher_id]
    # The head sees it waiting for approval on the duty page.
    signed_in(client, officer)
    page = client.get(f"/t/{school.slug}/m/safety/duty")
    assert page.status_code == 200 and "家中有事" in page.get_data(as_text=True)
    decision = f"{API}/duty/swaps/{swap['id']}/decision"
    assert client.post(decision, headers=guard.headers, json={"yes": True}).status_code == 403
    assert ok(client.post(decision, headers=officer.headers, json={"yes": True}))["status"] == \
        "approved"
    assert [r["staff_id"] for r in shifts(client, officer, one, two)] == [teacher_id, guard_id]


def test_bad_input_is_refused_by_its_field(client, school, officer, guard, settings_of):
    guard_id = staff_of(school, guard, "王保安")
    day = today_of(school)
    base = {"day": day.isoformat(), "post": "staff", "staff_id": guard_id}
    for change, field, status in (
            ({"starts_at": moment(school, day, 17).isoformat(),
              "ends_at": moment(school, day, 8).isoformat()}, "ends_at", 422),
            ({"starts_at": moment(school, day, 8).isoformat()}, "ends_at", 422),
            ({"staff_id": str(uuid.uuid4())}, "staff_id", 422),
            ({"post": "janitor"}, "post", 422)):
        refused = client.post(f"{API}/duty/shifts", headers=officer.headers,
                              json={**base, **change})
        assert refused.status_code == status and list(refused.get_json()["errors"]) == [field]
    assert shifts(client, officer, day, day) == []
    ok(client.post(f"{API}/duty/shifts", headers=officer.headers, json=base), 201)
    twice = client.post(f"{API}/duty/shifts", headers=officer.headers, json=base)
    assert twice.status_code == 409 and list(twice.get_json()["errors"]) == ["staff_id"]
    # Only heads draw up the roster.
    assert client.post(f"{API}/duty/shifts", headers=guard.headers, json=base).status_code == 403
    fill = client.post(f"{API}/duty/fill", headers=officer.headers, json={
        "first_day": day.isoformat(), "last_day": (day - timedelta(days=1)).isoformat(),
        "post": "night", "staff_ids": [guard_id]})
    assert fill.status_code == 422 and list(fill.get_json()["errors"]) == ["last_day"]
    # The month grid names the cell of a name not on the staff, and writes nothing.
    grid = client.post(f"/t/{school.slug}/m/safety/duty/roster?month={day:%Y-%m}",
                       headers=officer.headers,
                       data={f"{day.isoformat()}:night": "王保安、张三"})
    assert grid.status_code == 422
    assert f"error-{day.isoformat()}:night" in grid.get_data(as_text=True)
    assert [r["post"] for r in shifts(client, officer, day, day)] == ["staff"]


def test_a_swap_accepted_or_decided_twice_at_once_ends_in_one_outcome_and_a_409(
        app, client, school, officer, director, guard, teacher):
    guard_id, teacher_id = staff_of(school, guard, "王保安"), staff_of(school, teacher, "李老师")
    one, two = today_of(school) + timedelta(days=1), today_of(school) + timedelta(days=2)
    mine = ok(client.post(f"{API}/duty/shifts", headers=officer.headers, json={
        "day": one.isoformat(), "post": "leader", "staff_id": guard_id}), 201)
    theirs = ok(client.post(f"{API}/duty/shifts", headers=officer.headers, json={
        "day": two.isoformat(), "post": "leader", "staff_id": teacher_id}), 201)
    swap = ok(client.post(f"{API}/duty/swaps", headers=guard.headers, json={
        "shift_id": mine["id"], "other_shift_id": theirs["id"]}), 201)
    answer = f"{API}/duty/swaps/{swap['id']}/answer"
    accepted = at_once([  # the same acceptance sent from two devices at once
        lambda: app.test_client().post(answer, headers=teacher.headers, json={"yes": True}),
        lambda: app.test_client().post(answer, headers=teacher.headers, json={"yes": True}),
    ])
    assert sorted(a.status_code for a in accepted) == [200, 409]
    decision = f"{API}/duty/swaps/{swap['id']}/decision"
    answers = at_once([
        lambda: app.test_client().post(decision, headers=officer.headers, json={"yes": True}),
        lambda: app.test_client().post(decision, headers=director.headers, json={"yes": False}),
    ])
    assert sorted(a.status_code for a in answers) == [200, 409], [a.get_json() for a in answers]
    won = next(a.get_json() for a in answers if a.status_code == 200)["status"]
    expected = [teacher_id, guard_id] if won == "approved" else [guard_id, teacher_id]
    assert [r["staff_id"] for r in shifts(client, officer, one, two)] == expected


def test_the_pages_show_the_roster_and_print_the_points(client, school, officer, guard,
                                                        settings_of):
    settings_of(HOURS)
    staff_of(school, guard, "王保安")
    pages = f"/t/{school.slug}/m/safety"
    day = today_of(school)
    saved = client.post(f"{pages}/duty/roster?month={day:%Y-%m}", headers=officer.headers,
                        data={f"{day.isoformat()}:night": "王保安",
                              f"{day.isoformat()}:leader": ""})
    assert saved.status_code == 302, saved.get_data(as_text=True)
    [night] = shifts(client, officer, day, day)
    assert night["post"] == "night" and night["starts_at"]
    grid = client.get(f"{pages}/duty/roster?month={day:%Y-%m}", headers=officer.headers)
    assert 'value="王保安"' in grid.get_data(as_text=True)
    today_page = client.get(f"{pages}/duty", headers=guard.headers).get_data(as_text=True)
    assert "王保安" in today_page.split("on-duty")[1][:300], today_page
    home = client.get(f"/t/{school.slug}/", headers=officer.headers).get_data(as_text=True)
    assert "safety-on-duty" in home and "王保安" in home
    added = client.post(f"{pages}/duty/points", headers=officer.headers, data={"name": "东门"})
    assert added.status_code == 302
    listing = client.get(f"{pages}/duty/points", headers=guard.headers).get_data(as_text=True)
    assert "东门" in listing
    point_id = ok(client.get(f"{API}/duty/points", headers=guard.headers))[0]["id"]
    qr = client.get(f"{pages}/duty/points/{point_id}/qr.svg", headers=guard.headers)
    assert qr.status_code == 200 and qr.mimetype == "image/svg+xml" and b"<svg" in qr.data
    signed_in(client, officer)
    page = client.get(f"/t/{school.slug}/calendar?month={day:%Y-%m}").get_data(as_text=True)
    cell = page.split(f'data-date="{day.isoformat()}"')[1].split("</td>")[0]
    assert "王保安" in cell and "/m/safety/duty/roster" in cell


def test_the_roster_goes_out_and_comes_back_as_xlsx(client, school, officer, guard,
                                                    settings_of):
    import io

    from openpyxl import load_workbook

    from core.sdk import import_sheet
    from core.testing import xlsx_of

    settings_of(HOURS)
    staff_of(school, guard, "王保安")
    day = today_of(school)
    headers = ["日期", "岗位", "姓名"]
    sheet = xlsx_of([[day.isoformat(), "夜间值守", "王保安"], [day.isoformat(), "值班领导", "张三"],
                     [day.isoformat(), "门卫", "王保安"]], headers)
    with tenant_context(school):
        report = import_sheet("safety.duty", "roster.xlsx", sheet, dry_run=False)
        db.session.commit()
    assert report["created"] == 1
    assert sorted((e["row"], e["column"]) for e in report["errors"]) == [(3, "姓名"), (4, "岗位")]
    signed_in(client, officer)
    exported = client.get(f"/t/{school.slug}/m/safety/registers/duty.xlsx",
                          query_string={"from": day.isoformat(), "to": day.isoformat()})
    assert exported.status_code == 200, exported.get_data(as_text=True)[:300]
    rows = list(load_workbook(io.BytesIO(exported.data)).active.values)
    assert rows[0] == ("日期", "岗位", "姓名", "时间")
    assert rows[1][1:] == ("夜间值守", "王保安", "22:00–06:00")
