"""The people and places pages: every workflow ends in the database, every refused form shows its
error by the field and writes nothing, and no one reaches another school's records."""

import re
from datetime import date

import pytest
from sqlalchemy import select

from core.audit import AuditEvent
from core.extensions import db
from core.identity import services as identity
from core.people import services
from core.people.models import Building, Guardian, Room, SchoolClass, Staff, Student
from core.tenancy import tenant_context
from core.testing import signed_in
from tests.test_web import csrf, sign_in

pytestmark = pytest.mark.houqin_plugins("notes", "tags", "playground")
SLUG = "people-web"
BASE = f"/t/{SLUG}"


@pytest.fixture
def school(app, make_school):
    school = make_school(SLUG)
    user = identity.create_user("office@people.test", "Office", "correct-horse-1")
    with tenant_context(school):
        identity.grant_school_role(user, "school_admin")
    db.session.commit()
    return school


@pytest.fixture
def register(school):
    """Two classes of one grade, a pupil in the first, and the ids the tests need."""
    with tenant_context(school):
        grade = services.create_grade("一年级", 1)
        one = services.create_class(grade.id, "1班", None)
        two = services.create_class(grade.id, "2班", None)
        pupil = services.create_student(pupil_data(one.id, "2026001", "王小明"))
        guardian = services.add_guardian(pupil.id, {"name": "王妈妈", "relation": "mother",
                                                    "phone": "13800138000", "can_pick_up": True})
        member = services.create_staff({"name": "李厨师", "position": "cook",
                                        "phone": "13900139000", "active": True})
        db.session.commit()
        return {"one": one.id, "two": two.id, "pupil": pupil.id, "guardian": guardian.id,
                "staff": member.id}


def pupil_data(class_id, number, name):
    return {"student_no": number, "name": name, "gender": "male", "birth_date": date(2019, 5, 1),
            "class_id": class_id, "boarding": True, "allergies": "花生", "dietary_notes": ""}


@pytest.fixture
def office(client, school):
    """A signed-in school administrator and the form token of the session."""
    sign_in(client, email="office@people.test")
    return csrf(client.get(f"{BASE}/people/students").get_data(as_text=True))


def stored(school, model, row_id):
    db.session.expire_all()
    with tenant_context(school):
        return db.session.scalar(select(model).where(model.id == row_id))


def count(school, model) -> int:
    db.session.expire_all()
    with tenant_context(school):
        return len(db.session.scalars(select(model)).all())


def edit(**changes):
    return {"student_no": "2026001", "name": "王小明", "gender": "male",
            "birth_date": "2019-05-01", "boarding": "on", "allergies": "花生",
            "dietary_notes": "", **changes}


# --- classes -------------------------------------------------------------------------------


def test_a_class_graduates_with_its_students(client, school, register, office):
    page = client.get(f"{BASE}/people/classes").get_data(as_text=True)
    assert f"/people/classes/{register['one']}/graduate" in page and "data-confirm=" in page
    assert "<td>1</td>" in page  # the first class's one pupil, counted
    done = client.post(f"{BASE}/people/classes/{register['one']}/graduate",
                       data={"csrf_token": office})
    assert done.status_code == 302
    assert stored(school, SchoolClass, register["one"]).status == "graduated"
    assert stored(school, Student, register["pupil"]).status == "graduated"
    again = client.post(f"{BASE}/people/classes/{register['one']}/graduate",
                        data={"csrf_token": office})
    assert again.status_code == 409 and 'data-testid="error-graduate"' in again.get_data(
        as_text=True)
    assert stored(school, SchoolClass, register["two"]).status == "active"


def test_writes_through_the_pages_are_audited_as_web(client, school, register, office):
    client.post(f"{BASE}/people/classes/{register['two']}/graduate", data={"csrf_token": office})
    with tenant_context(school):
        events = db.session.scalars(select(AuditEvent).where(
            AuditEvent.entity == "classes", AuditEvent.entity_id == str(register["two"]))).all()
    assert [(e.action, e.source, e.after) for e in events][-1] == (
        "update", "web", {"status": "graduated"})


# --- students ------------------------------------------------------------------------------


def test_the_student_list_links_filters_by_class_and_pages(client, school, register, office):
    with tenant_context(school):
        for n in range(55):
            services.create_student(pupil_data(register["two"], f"2027{n:03d}", f"学生{n:02d}"))
        db.session.commit()
    page = client.get(f"{BASE}/people/students?class_id={register['one']}").get_data(as_text=True)
    assert f'href="{BASE}/people/students/{register["pupil"]}"' in page
    assert "学生00" not in page and 'rel="next"' not in page
    first = client.get(f"{BASE}/people/students?class_id={register['two']}").get_data(as_text=True)
    assert len(re.findall(r">学生\d\d<", first)) == 50 and 'rel="next"' in first and 'rel="prev"' not in first
    second = client.get(f"{BASE}/people/students?class_id={register['two']}&page=2")
    text = second.get_data(as_text=True)
    assert "学生54" in text and "学生00" not in text and 'rel="prev"' in text
    assert f"class_id={register['two']}" in text  # the filter survives paging
    bad = client.get(f"{BASE}/people/students?class_id=nonsense")
    assert bad.status_code == 422 and 'data-testid="error-filter"' in bad.get_data(as_text=True)


def test_a_student_is_shown_and_edited(client, school, register, office):
    url = f"{BASE}/people/students/{register['pupil']}"
    page = client.get(url).get_data(as_text=True)
    assert "王小明" in page and "花生" in page and "王妈妈" in page and "一年级1班" in page
    form = {**edit(name="王晓明", dietary_notes="不吃辣"), "csrf_token": office}
    del form["boarding"]  # an unticked box is not sent at all
    done = client.post(url, data=form)
    assert done.status_code == 302 and done.location.endswith(url)
    pupil = stored(school, Student, register["pupil"])
    assert (pupil.name, pupil.dietary_notes, pupil.boarding) == ("王晓明", "不吃辣", False)


def test_a_refused_student_edit_shows_the_field_and_writes_nothing(client, school, register,
                                                                   office):
    with tenant_context(school):
        services.create_student(pupil_data(register["one"], "2026002", "李华"))
        db.session.commit()
    url = f"{BASE}/people/students/{register['pupil']}"
    future = client.post(url, data={**edit(name="改了", birth_date="2099-01-01"),
                                    "csrf_token": office})
    text = future.get_data(as_text=True)
    assert future.status_code == 422 and 'data-testid="error-birth_date"' in text
    assert 'value="改了"' in text  # what was typed is kept
    taken = client.post(url, data={**edit(name="改了", student_no="2026002"), "csrf_token": office})
    assert taken.status_code == 422 and 'data-testid="error-student_no"' in taken.get_data(
        as_text=True)
    pupil = stored(school, Student, register["pupil"])
    assert (pupil.name, pupil.student_no) == ("王小明", "2026001")


def test_a_student_moves_to_another_active_class(client, school, register, office):
    url = f"{BASE}/people/students/{register['pupil']}/move"
    empty = client.post(url, data={"class_id": "", "csrf_token": office})
    assert empty.status_code == 422 and 'data-testid="error-class_id"' in empty.get_data(
        as_text=True)
    with tenant_context(school):
        grade = db.session.scalar(select(SchoolClass.grade_id))
        old = services.create_class(grade, "9班", None).id
        services.graduate_class(old)
        db.session.commit()
    graduated = client.post(url, data={"class_id": str(old), "csrf_token": office})
    assert graduated.status_code == 422 and "该班级已毕业" in graduated.get_data(as_text=True)
    assert stored(school, Student, register["pupil"]).class_id == register["one"]
    moved = client.post(url, data={"class_id": str(register["two"]), "csrf_token": office})
    assert moved.status_code == 302
    assert stored(school, Student, register["pupil"]).class_id == register["two"]


# --- guardians -----------------------------------------------------------------------------


def test_guardians_are_added_allowed_and_removed(client, school, register, office):
    url = f"{BASE}/people/students/{register['pupil']}/guardians"
    bad = client.post(url, data={"guardian_name": "王爸爸", "guardian_relation": "father",
                                 "guardian_phone": "12345", "csrf_token": office})
    text = bad.get_data(as_text=True)
    assert bad.status_code == 422 and 'data-testid="error-guardian_phone"' in text
    assert 'data-testid="error-name"' not in text  # the student's own form is untouched
    assert count(school, Guardian) == 1
    added = client.post(url, data={"guardian_name": "王爸爸", "guardian_relation": "father",
                                   "guardian_phone": "13700137000", "csrf_token": office})
    assert added.status_code == 302
    with tenant_context(school):
        father = db.session.scalar(select(Guardian).where(Guardian.name == "王爸爸"))
        assert (father.relation, father.can_pick_up) == ("father", False)  # box left unticked
    allowed = client.post(f"{BASE}/people/guardians/{father.id}",
                          data={"can_pick_up": "true", "csrf_token": office})
    assert allowed.status_code == 302 and stored(school, Guardian, father.id).can_pick_up
    removed = client.post(f"{BASE}/people/guardians/{register['guardian']}/delete",
                          data={"csrf_token": office})
    assert removed.status_code == 302 and removed.location.endswith(
        f"/people/students/{register['pupil']}")
    assert stored(school, Guardian, register["guardian"]) is None


def test_a_guardians_account_is_linked_on_adding_changed_and_unlinked(client, school, register,
                                                                      office):
    parent = identity.create_user("Parent@People.test", "Parent")
    identity.create_user("stranger@people.test", "Stranger")  # an account, but not here
    with tenant_context(school):
        identity.grant_school_role(parent, "guardian")
    db.session.commit()
    url = f"{BASE}/people/students/{register['pupil']}/guardians"
    form = {"guardian_name": "王爸爸", "guardian_relation": "father",
            "guardian_phone": "13700137000", "csrf_token": office}
    refused = client.post(url, data={**form, "guardian_login": "stranger@people.test"})
    assert refused.status_code == 422
    assert 'data-testid="error-guardian_login"' in refused.get_data(as_text=True)
    assert count(school, Guardian) == 1
    assert client.post(url, data={**form, "guardian_login": "parent@people.test"}
                       ).status_code == 302
    with tenant_context(school):
        father = db.session.scalar(select(Guardian).where(Guardian.name == "王爸爸"))
    assert father.user_id == parent.id
    page = client.get(f"{BASE}/people/students/{register['pupil']}").get_data(as_text=True)
    assert '<td data-testid="guardian-login">parent@people.test</td>' in page
    # The mother's row links her account too; someone with no role here is refused.
    mother = f"{BASE}/people/guardians/{register['guardian']}"
    wrong = client.post(mother, data={"login": "stranger@people.test", "csrf_token": office})
    assert wrong.status_code == 422 and 'data-testid="error-guardians"' in wrong.get_data(
        as_text=True)
    assert stored(school, Guardian, register["guardian"]).user_id is None
    assert client.post(mother, data={"login": "parent@people.test", "csrf_token": office}
                       ).status_code == 302
    assert stored(school, Guardian, register["guardian"]).user_id == parent.id
    assert stored(school, Guardian, register["guardian"]).can_pick_up is True  # untouched
    assert client.post(mother, data={"login": " ", "csrf_token": office}).status_code == 302
    assert stored(school, Guardian, register["guardian"]).user_id is None


def test_a_refused_pick_up_change_writes_nothing(client, school, register, office):
    refused = client.post(f"{BASE}/people/guardians/{register['guardian']}",
                          data={"can_pick_up": "perhaps", "csrf_token": office})
    assert refused.status_code == 422 and 'data-testid="error-guardians"' in refused.get_data(
        as_text=True)
    assert stored(school, Guardian, register["guardian"]).can_pick_up is True


# --- staff ---------------------------------------------------------------------------------


def test_staff_are_added_searched_and_edited(client, school, register, office):
    bad = client.post(f"{BASE}/people/staff", data={"name": "张老师", "position": "",
                                                    "phone": "555", "csrf_token": office})
    text = bad.get_data(as_text=True)
    assert bad.status_code == 422
    assert 'data-testid="error-position"' in text and 'data-testid="error-phone"' in text
    assert count(school, Staff) == 1
    added = client.post(f"{BASE}/people/staff", data={"name": "张老师", "position": "teacher",
                                                      "phone": "", "active": "on",
                                                      "csrf_token": office})
    assert added.status_code == 302
    with tenant_context(school):
        teacher = db.session.scalar(select(Staff).where(Staff.name == "张老师"))
        assert (teacher.phone, teacher.active) == (None, True)
    by_phone = client.get(f"{BASE}/people/staff?q=1390").get_data(as_text=True)
    assert "李厨师" in by_phone and "张老师" not in by_phone
    url = f"{BASE}/people/staff/{register['staff']}"
    assert 'value="李厨师"' in client.get(url).get_data(as_text=True)
    refused = client.post(url, data={"name": "", "position": "cook", "csrf_token": office})
    assert refused.status_code == 422 and 'data-testid="error-name"' in refused.get_data(
        as_text=True)
    assert stored(school, Staff, register["staff"]).name == "李厨师"
    changed = client.post(url, data={"name": "李师傅", "position": "head cook",
                                     "phone": "13900139001", "csrf_token": office})
    assert changed.status_code == 302
    cook = stored(school, Staff, register["staff"])
    assert (cook.name, cook.position, cook.phone, cook.active) == (
        "李师傅", "head cook", "13900139001", False)


# --- places --------------------------------------------------------------------------------


def test_buildings_and_rooms_are_added(client, school, register, office):
    empty = client.post(f"{BASE}/places/buildings", data={"building_name": "",
                                                          "csrf_token": office})
    assert empty.status_code == 422 and 'data-testid="error-building_name"' in empty.get_data(
        as_text=True)
    assert client.post(f"{BASE}/places/buildings", data={"building_name": "教学楼",
                                                         "csrf_token": office}).status_code == 302
    twice = client.post(f"{BASE}/places/buildings", data={"building_name": "教学楼",
                                                          "csrf_token": office})
    assert twice.status_code == 422 and "已存在" in twice.get_data(as_text=True)
    with tenant_context(school):
        building = db.session.scalar(select(Building.id))
    room = {"room_building_id": str(building), "room_name": "101",
            "room_class_id": str(register["one"]), "csrf_token": office}
    both = client.post(f"{BASE}/places/rooms", data={**room, "room_office": "校长室"})
    assert both.status_code == 422 and 'data-testid="error-room_office"' in both.get_data(
        as_text=True)
    assert count(school, Room) == 0
    assert client.post(f"{BASE}/places/rooms", data={**room, "room_office": ""}).status_code == 302
    office_room = {**room, "room_name": "201", "room_class_id": "", "room_office": "校长室"}
    assert client.post(f"{BASE}/places/rooms", data=office_room).status_code == 302
    with tenant_context(school):
        rooms = {r.name: (r.class_id, r.office) for r in db.session.scalars(select(Room))}
    assert rooms == {"101": (register["one"], None), "201": (None, "校长室")}
    table = client.get(f"{BASE}/places").get_data(as_text=True)
    assert "一年级1班" in table and "校长室" in table and 'data-testid="rooms"' in table


def test_the_school_home_offers_staff_and_places(client, school, office):
    home = client.get(f"{BASE}/").get_data(as_text=True)
    assert f'href="{BASE}/people/staff"' in home and f'href="{BASE}/places"' in home


# --- who may do what -----------------------------------------------------------------------


def writes(register):
    return [f"/people/classes/{register['one']}/graduate",
            f"/people/students/{register['pupil']}",
            f"/people/students/{register['pupil']}/move",
            f"/people/students/{register['pupil']}/guardians",
            f"/people/guardians/{register['guardian']}",
            f"/people/guardians/{register['guardian']}/delete",
            "/people/staff", f"/people/staff/{register['staff']}",
            "/places/buildings", "/places/rooms"]


def test_another_schools_user_finds_nothing_here(app, school, register, make_school):
    other = make_school("people-elsewhere")
    user = identity.create_user("admin@elsewhere.test", "Elsewhere", "correct-horse-1")
    with tenant_context(other):
        identity.grant_school_role(user, "school_admin")
    db.session.commit()
    intruder = app.test_client()
    sign_in(intruder, email="admin@elsewhere.test")
    home = "/t/people-elsewhere"
    token = csrf(intruder.get(f"{home}/people/students").get_data(as_text=True))
    for path in (f"/people/students/{register['pupil']}", f"/people/staff/{register['staff']}"):
        assert intruder.get(home + path).status_code == 404
        assert intruder.get(BASE + path).status_code == 403
    for path in [p for p in writes(register) if p.count("/") > 2]:  # naming a record here
        response = intruder.post(home + path, data={"csrf_token": token, "class_id": "x"})
        assert response.status_code == 404, path
        assert intruder.post(BASE + path, data={"csrf_token": token}).status_code == 403
    assert stored(school, Guardian, register["guardian"]) is not None
    assert stored(school, SchoolClass, register["one"]).status == "active"


def test_a_viewer_reads_but_may_not_write(app, school, register, make_user):
    teacher = make_user(school, "class_teacher", token=False)
    viewer = app.test_client()
    signed_in(viewer, teacher)
    for path in (f"/people/students/{register['pupil']}", f"/people/staff/{register['staff']}",
                 "/people/staff", "/places", "/people/classes"):
        page = viewer.get(BASE + path)
        assert page.status_code == 200, path
        assert 'class="card form"' not in page.get_data(as_text=True)  # no form to write with
    for path in writes(register):
        assert viewer.post(BASE + path, data={"csrf_token": "test-csrf-token"}).status_code == 403, path
    assert count(school, Guardian) == 1
