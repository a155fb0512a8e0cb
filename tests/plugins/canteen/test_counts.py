"""Canteen: meal counts reported by class teachers before the cut-off, changed late only by the
canteen office, checked against the roster, guarded by versions, and totalled for the kitchen."""

import io
import re
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import select, update

from core.auth import Principal
from core.extensions import db
from core.rules import RuleBroken
from core.tenancy import tenant_context
from core.testing import signed_in
from plugins.canteen.models import MealCount
from plugins.canteen.services import counts as services

from .support import MONDAY, classroom, school_day_ahead

pytestmark = pytest.mark.houqin_plugins("canteen")
COUNTS = "/api/v1/canteen/counts"


@pytest.fixture
def teacher(school, make_user):
    return make_user(school, "class_teacher", email="head.teacher@test.houqin.test")


def report(client, user, day, eaters, class_id=None, slot="lunch", version=0, kind="class"):
    body = {"day": day.isoformat(), "slot": slot, "eaters": eaters, "version": version,
            "kind": kind, **({"class_id": class_id} if class_id else {})}
    return client.post(COUNTS, json=body, headers=user.headers)


def test_a_teacher_reports_only_the_class_they_head_and_never_beyond_its_roster(
        client, school, teacher, manager):
    mine, _pupils = classroom(school, "1班", head=teacher, students=3)
    other, _ = classroom(school, "2班", students=2)
    day = school_day_ahead(school)
    sheet = client.get(f"{COUNTS}/sheet?day={day}", headers=teacher.headers).get_json()
    assert {(c["class_name"], c["slot"], c["version"]) for c in sheet["cells"]} == {
        ("一年级1班", "breakfast", 0), ("一年级1班", "lunch", 0)}
    assert sheet["closed"] is False and sheet["school_day"] is True

    too_many = report(client, teacher, day, 4, mine)
    assert too_many.status_code == 422 and "3" in too_many.get_json()["errors"]["eaters"][0]
    negative = report(client, teacher, day, -1, mine)
    assert negative.status_code == 422 and "eaters" in negative.get_json()["errors"]
    not_mine = report(client, teacher, day, 1, other)
    assert not_mine.status_code == 403 and "class_id" in not_mine.get_json()["errors"]
    staff = report(client, teacher, day, 5, kind="staff")
    assert staff.status_code == 403 and "kind" in staff.get_json()["errors"]
    dinner = report(client, teacher, day, 1, mine, slot="dinner")  # not served here
    assert dinner.status_code == 422 and "slot" in dinner.get_json()["errors"]

    reported = report(client, teacher, day, 3, mine)
    assert reported.status_code == 201
    assert reported.get_json() | {"id": None, "reported_at": None} == {
        "id": None, "day": day.isoformat(), "slot": "lunch", "kind": "class",
        "class_id": mine, "class_name": "一年级1班", "eaters": 3, "version": 1,
        "reported_by": "class_teacher", "reported_at": None, "late": False, "warnings": []}
    assert report(client, manager, day, 2, other).status_code == 201  # the office: any class
    with tenant_context(school):
        assert sorted(db.session.scalars(select(MealCount.eaters))) == [2, 3]


def test_after_the_cutoff_only_the_canteen_office_changes_a_count(client, school, teacher,
                                                                   manager):
    mine, _ = classroom(school, "1班", head=teacher)
    last_week = datetime.now(UTC).date() - timedelta(days=7)
    closed = report(client, teacher, last_week, 2, mine)
    assert closed.status_code == 403 and "09:00" in closed.get_json()["errors"]["day"][0]
    late = report(client, manager, last_week, 2, mine)
    assert late.status_code == 201 and late.get_json()["late"] is True


def test_the_cutoff_is_the_schools_time_on_the_day(app, school, teacher):
    mine, _ = classroom(school, "1班", head=teacher)
    with app.test_request_context(), tenant_context(school):
        from core.schools import modules

        modules.update_settings("canteen", {"count_cutoff": "08:30"})
        person = Principal(user_id=teacher.id, name="班主任", tenant_id=school.id,
                           school_roles=frozenset({"class_teacher"}), district_roles=frozenset(),
                           permissions=frozenset({services.REPORT}))
        data = {"day": MONDAY, "slot": "lunch", "kind": "class", "eaters": 2, "version": 0,
                "class_id": uuid.UUID(mine)}
        just_before = datetime(2026, 11, 16, 0, 29, 59, tzinfo=UTC)  # 08:29:59 in Shanghai
        count, warnings = services.report_count(data, person, just_before)
        assert (count.version, count.late, warnings) == (1, False, [])
        with pytest.raises(RuleBroken) as refused:
            services.report_count({**data, "version": 1}, person, just_before + timedelta(
                seconds=1))
        assert refused.value.status == 403 and refused.value.field == "day"
        db.session.rollback()


def test_two_people_changing_one_count_do_not_overwrite_each_other(client, school, teacher,
                                                                   manager):
    mine, _ = classroom(school, "1班", head=teacher, students=30)
    day = school_day_ahead(school)
    first = report(client, teacher, day, 28, mine).get_json()
    changed = client.patch(f"{COUNTS}/{first['id']}", headers=manager.headers,
                           json={"eaters": 27, "version": 1})
    assert changed.status_code == 200 and changed.get_json()["version"] == 2
    stale = client.patch(f"{COUNTS}/{first['id']}", headers=teacher.headers,
                         json={"eaters": 29, "version": 1})
    assert stale.status_code == 409
    assert "27" in stale.get_json()["errors"]["version"][0]
    again = report(client, teacher, day, 29, mine)  # "none reported yet", says the teacher
    assert again.status_code == 409 and "version" in again.get_json()["errors"]
    listed = client.get(f"{COUNTS}?day={day}", headers=manager.headers).get_json()
    assert [(c["eaters"], c["version"]) for c in listed] == [(27, 2)]
    assert report(client, teacher, day, 29, mine, version=2).status_code == 200


def test_the_database_refuses_a_change_made_on_a_version_that_moved_meanwhile(
        app, school, manager):
    """The version is checked in the UPDATE itself, so a change racing another is refused
    even after the service compared versions."""
    mine, _ = classroom(school, "1班")
    office = Principal(user_id=manager.id, name="食堂", tenant_id=school.id,
                       school_roles=frozenset({"canteen_manager"}), district_roles=frozenset(),
                       permissions=frozenset({services.REPORT, services.MANAGE, services.LATE}))
    with app.test_request_context(), tenant_context(school):
        data = {"day": MONDAY, "slot": "lunch", "kind": "class", "eaters": 2, "version": 0,
                "class_id": uuid.UUID(mine)}
        services.report_count(data, office, datetime.now(UTC))
        db.session.commit()
        # Someone else's change lands after our session read the count (version 1).
        db.session.execute(update(MealCount).values(eaters=1, version=2,
                                                    reported_by="别人"),
                           execution_options={"synchronize_session": False})
        with pytest.raises(RuleBroken) as refused:
            services.report_count({**data, "eaters": 3, "version": 1}, office, datetime.now(UTC))
        assert refused.value.status == 409 and "别人" in str(refused.value)
        db.session.rollback()
        assert db.session.scalar(select(MealCount.eaters)) == 2  # nothing of ours was written


def test_the_kitchen_sees_totals_with_staff_apart_and_the_classes_not_reported(
        client, school, manager):
    one, _ = classroom(school, "1班", students=3)
    two, _ = classroom(school, "2班", students=2)
    assert report(client, manager, MONDAY, 3, one).status_code == 201
    assert report(client, manager, MONDAY, 12, kind="staff").status_code == 201
    assert report(client, manager, MONDAY, 2, two, slot="breakfast").status_code == 201
    staff_again = report(client, manager, MONDAY, 13, kind="staff")
    assert staff_again.status_code == 409  # one staff count a meal

    totals = {m["slot"]: m for m in client.get(f"{COUNTS}/totals?day={MONDAY}",
                                               headers=manager.headers).get_json()}
    assert (totals["lunch"]["students"], totals["lunch"]["staff"], totals["lunch"]["total"]) == (
        3, 12, 15)
    assert [c["class_name"] for c in totals["lunch"]["classes"]] == ["一年级1班"]
    assert [c["class_name"] for c in totals["lunch"]["unreported"]] == ["一年级2班"]
    assert totals["breakfast"]["total"] == 2
    missing = client.get(f"{COUNTS}/unreported?day={MONDAY}", headers=manager.headers).get_json()
    assert {(m["class_name"], m["slot"]) for m in missing} == {("一年级1班", "breakfast"),
                                                               ("一年级2班", "lunch")}
    with tenant_context(school):
        assert services.eaters_by_day(MONDAY, MONDAY) == {MONDAY: 17}
        assert services.meals_by_day(MONDAY, MONDAY + timedelta(days=6)) == {
            MONDAY: {"breakfast": 2, "lunch": 15}}

    saturday = MONDAY + timedelta(days=5)
    off = report(client, manager, saturday, 1, one)
    assert off.status_code == 201 and "not a school day" in off.get_json()["warnings"][0]
    assert client.get(f"{COUNTS}/unreported?day={saturday}",
                      headers=manager.headers).get_json() == []

    page = client.get(f"/t/canteen-school/m/canteen/counts/kitchen?day={MONDAY}",
                      headers=manager.headers)
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and 'data-testid="total-lunch">15<' in text
    assert 'data-testid="unreported-lunch"' in text and "一年级2班" in text
    sheet = client.get(f"/api/v1/canteen/exports/counts.xlsx?start={MONDAY}&end={saturday}",
                       headers=manager.headers)
    rows = list(load_workbook(io.BytesIO(sheet.data)).active.values)
    assert rows[0][:4] == ("Day", "Meal", "Class", "Eaters")
    assert sorted((r[1], r[2], r[3]) for r in rows[1:]) == [
        ("Breakfast", "一年级2班", 2), ("Lunch", "Staff", 12), ("Lunch", "一年级1班", 1),
        ("Lunch", "一年级1班", 3)]


def test_a_graduated_class_reports_nothing(client, school, manager):
    from core.people import services as people

    gone, _ = classroom(school, "9班")
    with tenant_context(school):
        people.graduate_class(uuid.UUID(gone))
        db.session.commit()
    refused = report(client, manager, MONDAY, 0, gone)
    assert refused.status_code == 422 and "class_id" in refused.get_json()["errors"]


def test_the_totals_name_the_classes_counted_that_are_not_expected(client, school, manager):
    from core.people import services as people

    stays, _ = classroom(school, "1班")
    gone, _ = classroom(school, "9班")
    saturday = MONDAY + timedelta(days=5)
    assert report(client, manager, MONDAY, 3, gone).status_code == 201
    assert report(client, manager, saturday, 2, stays).status_code == 201
    with tenant_context(school):
        people.graduate_class(uuid.UUID(gone))
        db.session.commit()
        lunch = next(m for m in services.totals(MONDAY) if m.slot == "lunch")
        assert [(c.title, count.eaters) for c, count in lunch.classes] == [("一年级9班", 3)]
        assert [c.title for c in lunch.unreported] == ["一年级1班"]
        lunch = next(m for m in services.totals(saturday) if m.slot == "lunch")  # none expected
        assert [(c.title, count.eaters) for c, count in lunch.classes] == [("一年级1班", 2)]
        assert lunch.unreported == []


def test_a_teacher_reports_on_the_phone_page_and_sees_the_newer_value_after_a_clash(
        app, client, school, teacher, manager):
    mine, _ = classroom(school, "1班", head=teacher, students=3)
    day = school_day_ahead(school)
    token = signed_in(client, teacher)
    page = client.get(f"/t/canteen-school/m/canteen/counts?day={day}")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "一年级1班" in text and "09:00" in text
    form = {"csrf_token": token, "day": day.isoformat(), "slot": "lunch", "kind": "class",
            "class_id": mine, "version": "0"}
    cell = f"{mine}/lunch"
    too_many = client.post(f"/t/canteen-school/m/canteen/counts?day={day}",
                           data={**form, "eaters": "5"})
    assert too_many.status_code == 422
    assert f'data-testid="error-{cell}"' in too_many.get_data(as_text=True)
    done = client.post(f"/t/canteen-school/m/canteen/counts?day={day}", data={**form,
                                                                             "eaters": "3"})
    assert done.status_code == 302
    count_id = client.get(f"{COUNTS}?day={day}", headers=manager.headers).get_json()[0]["id"]
    client.patch(f"{COUNTS}/{count_id}", headers=manager.headers,
                 json={"eaters": 1, "version": 1})
    clash = client.post(f"/t/canteen-school/m/canteen/counts?day={day}",
                        data={**form, "eaters": "2", "version": "1"})
    text = clash.get_data(as_text=True)
    assert clash.status_code == 409 and f'data-testid="error-{cell}"' in text
    assert f'value="1" data-testid="eaters-{cell}"' in text  # the value that won

    nobody = app.test_client()
    signed_in(nobody, manager)
    staff_cell = nobody.get(f"/t/canteen-school/m/canteen/counts?day={day}")
    assert 'data-testid="eaters-staff/lunch"' in staff_cell.get_data(as_text=True)


def test_two_first_reports_of_one_meal_make_one_count(app, school, manager, monkeypatch):
    """Both saw no count and both report: the unique meal index keeps the second out."""
    mine, _ = classroom(school, "1班")
    office = Principal(user_id=manager.id, name="食堂", tenant_id=school.id,
                       school_roles=frozenset({"canteen_manager"}), district_roles=frozenset(),
                       permissions=frozenset({services.REPORT, services.MANAGE, services.LATE}))
    data = {"day": MONDAY, "slot": "lunch", "kind": "class", "eaters": 2, "version": 0,
            "class_id": uuid.UUID(mine)}
    with app.test_request_context(), tenant_context(school):
        services.report_count({**data, "eaters": 1}, office, datetime.now(UTC))
        db.session.commit()
        looked = []
        real_find = services._find

        def blind_first(*meal):  # the second reporter read before the first one saved
            looked.append(meal)
            return None if len(looked) == 1 else real_find(*meal)

        monkeypatch.setattr(services, "_find", blind_first)
        with pytest.raises(RuleBroken) as refused:
            services.report_count(data, office, datetime.now(UTC))
        assert refused.value.status == 409 and refused.value.field == "version"
        db.session.rollback()
        assert db.session.scalars(select(MealCount.eaters)).all() == [1]


def test_the_cut_off_of_a_day_before_standard_time_is_a_valid_date_time(client, manager):
    # Shanghai kept local mean time (+08:05:43) until 1901; RFC 3339 has no seconds in offsets.
    sheet = client.get(f"{COUNTS}/sheet?day=1900-03-01", headers=manager.headers)
    assert sheet.status_code == 200
    closes_at = sheet.get_json()["closes_at"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d([+-]\d\d:\d\d|Z)", closes_at), closes_at
    assert datetime.fromisoformat(closes_at) == datetime(1900, 3, 1, 0, 54, 17, tzinfo=UTC)
