"""People and places: the registers, their rules, and their API."""

from datetime import date

import pytest

from core.extensions import db
from core.people import services
from core.rules import RuleBroken
from core.tenancy import tenant_context

pytestmark = pytest.mark.houqin_plugins("notes")


@pytest.fixture
def school(app, make_school):
    return make_school("people-school")


@pytest.fixture
def classes(school):
    with tenant_context(school):
        grade = services.create_grade("一年级", 1)
        one = services.create_class(grade.id, "1班", None)
        two = services.create_class(grade.id, "2班", None)
        db.session.commit()
        return grade.id, one.id, two.id


def student(class_id, number="2026001", **extra):
    return {"student_no": number, "name": "王小明", "gender": "male",
            "birth_date": date(2019, 5, 1), "class_id": class_id, "boarding": False,
            "allergies": "花生", "dietary_notes": "", **extra}


def test_student_numbers_are_unique_within_a_school_not_across(school, classes, make_school):
    with tenant_context(school):
        services.create_student(student(classes[1]))
        with pytest.raises(RuleBroken, match="taken") as caught:
            services.create_student(student(classes[2]))
        assert caught.value.field == "student_no"
        db.session.rollback()
    other = make_school("other-people")
    with tenant_context(other):
        grade = services.create_grade("一年级", 1)
        elsewhere = services.create_class(grade.id, "1班", None)
        assert services.create_student(student(elsewhere.id)).student_no == "2026001"


def test_moving_and_graduating(school, classes):
    _, one, two = classes
    with tenant_context(school):
        pupil = services.create_student(student(one))
        services.move_student(pupil.id, two)
        assert pupil.class_id == two
        assert services.graduate_class(two) == 1
        assert pupil.status == "graduated"
        with pytest.raises(RuleBroken, match="graduated already"):
            services.graduate_class(two)
        with pytest.raises(RuleBroken, match="only enrolled students move"):
            services.move_student(pupil.id, one)
        newcomer = services.create_student(student(one, "2026002"))
        with pytest.raises(RuleBroken, match="has graduated") as caught:
            services.move_student(newcomer.id, two)
        assert caught.value.field == "class_id"


def test_search_by_name_or_number_with_wildcards_taken_literally(school, classes):
    with tenant_context(school):
        services.create_student(student(classes[1], "2026001", name="王小明"))
        services.create_student(student(classes[1], "2026002", name="李%华"))
        found = lambda q: [s.name for s in db.session.scalars(services.search_students(q))]  # noqa: E731
        assert found("小明") == ["王小明"]
        assert found("2026") == ["王小明", "李%华"]
        assert found("%") == ["李%华"]
        assert found("001") == []  # numbers match from the start


def test_a_room_is_used_by_a_class_or_an_office(school, classes):
    with tenant_context(school):
        building = services.create_building("教学楼")
        services.create_room({"building_id": building.id, "name": "101", "class_id": classes[1],
                              "office": None})
        with pytest.raises(RuleBroken, match="not both"):
            services.create_room({"building_id": building.id, "name": "102",
                                  "class_id": classes[1], "office": "总务处"})
        with pytest.raises(RuleBroken, match="already has a room"):
            services.create_room({"building_id": building.id, "name": "101", "class_id": None,
                                  "office": "总务处"})


# --- through the API ---------------------------------------------------------------------


@pytest.fixture
def admin(school, make_user):
    return make_user(school, "school_admin")


def test_registers_through_the_api(client, admin, classes):
    h = admin.headers
    created = client.post("/api/v1/people/students", json={
        "student_no": "2026001", "name": "王小明", "gender": "male", "birth_date": "2019-05-01",
        "class_id": str(classes[1]), "allergies": "花生"}, headers=h)
    assert created.status_code == 201, created.get_json()
    pupil = created.get_json()
    guardian = client.post(f"/api/v1/people/students/{pupil['id']}/guardians", json={
        "name": "王大明", "relation": "father", "phone": "13800138000"}, headers=h)
    assert guardian.status_code == 201 and guardian.get_json()["can_pick_up"] is True
    changed = client.patch(f"/api/v1/people/guardians/{guardian.get_json()['id']}",
                           json={"can_pick_up": False}, headers=h)
    assert changed.get_json()["can_pick_up"] is False
    moved = client.post(f"/api/v1/people/students/{pupil['id']}/move",
                        json={"class_id": str(classes[2])}, headers=h)
    assert moved.get_json()["class_id"] == str(classes[2])
    listed = client.get(f"/api/v1/people/students?class_id={classes[2]}&q=小明", headers=h)
    assert [s["student_no"] for s in listed.get_json()] == ["2026001"]
    graduated = client.post(f"/api/v1/people/classes/{classes[2]}/graduate", headers=h)
    assert graduated.get_json() == {"graduated": 1}
    again = client.get(f"/api/v1/people/students/{pupil['id']}", headers=h).get_json()
    assert again["status"] == "graduated"


@pytest.mark.parametrize(("body", "field"), [
    ({"student_no": "2026 001"}, "student_no"),
    ({"name": ""}, "name"),
    ({"gender": "x"}, "gender"),
    ({"birth_date": "2099-01-01"}, "birth_date"),
    ({"birth_date": "1950-01-01"}, "birth_date"),
    ({"class_id": "01a1fdc9-1e46-7b79-bb56-d00841883e8c"}, "class_id"),
    ({"allergies": "x" * 501}, "allergies"),
])
def test_bad_students_are_refused_by_field_and_nothing_is_written(client, admin, classes, body,
                                                                  field):
    good = {"student_no": "2026001", "name": "王小明", "gender": "male",
            "birth_date": "2019-05-01", "class_id": str(classes[1])}
    response = client.post("/api/v1/people/students", json={**good, **body},
                           headers=admin.headers)
    assert response.status_code == 422 and field in response.get_json()["errors"]
    assert client.get("/api/v1/people/students", headers=admin.headers).get_json() == []


def test_bad_phone_and_relation_name_their_field(client, admin, classes):
    pupil = client.post("/api/v1/people/students", json={
        "student_no": "1", "name": "x", "gender": "female", "birth_date": "2019-05-01",
        "class_id": str(classes[1])}, headers=admin.headers).get_json()
    response = client.post(f"/api/v1/people/students/{pupil['id']}/guardians", json={
        "name": "x", "relation": "uncle", "phone": "12345"}, headers=admin.headers)
    assert set(response.get_json()["errors"]) == {"relation", "phone"}


def test_teachers_read_and_guardians_see_nothing_here(client, school, make_user, classes):
    teacher = make_user(school, "class_teacher")
    guardian = make_user(school, "guardian")
    assert client.get("/api/v1/people/students", headers=teacher.headers).status_code == 200
    assert client.post("/api/v1/people/grades", json={"name": "x", "level": 1},
                       headers=teacher.headers).status_code == 403
    assert client.get("/api/v1/people/students", headers=guardian.headers).status_code == 403


def test_a_staff_member_is_linked_to_an_account_of_this_school_only(client, admin, school,
                                                                    make_school, make_user):
    cook = make_user(school, "canteen_manager", email="cook@people.test")
    outsider = make_user(make_school("people-elsewhere"), "canteen_manager",
                         email="outsider@people.test")
    created = client.post("/api/v1/people/staff", headers=admin.headers, json={
        "name": "李师傅", "position": "厨师", "login": "Cook@People.test"})
    assert created.status_code == 201 and created.get_json()["user_id"] == cook.id
    staff_id = created.get_json()["id"]
    refused = client.patch(f"/api/v1/people/staff/{staff_id}", headers=admin.headers,
                           json={"login": "outsider@people.test"})
    assert refused.status_code == 422 and "login" in refused.get_json()["errors"]
    assert outsider.id != cook.id
    unlinked = client.patch(f"/api/v1/people/staff/{staff_id}", headers=admin.headers,
                            json={"login": None})
    assert unlinked.status_code == 200 and unlinked.get_json()["user_id"] is None


def test_the_staff_list_comes_a_page_at_a_time_and_searched(client, admin, school):
    import json

    with tenant_context(school):
        for n in range(60):
            services.create_staff({"name": f"教师{n:02d}", "position": "教师",
                                   "phone": f"1390000{n:04d}"})
        services.create_staff({"name": "李师傅", "position": "厨师", "phone": "13800000001"})
        db.session.commit()
    first = client.get("/api/v1/people/staff", headers=admin.headers)
    assert first.status_code == 200 and len(first.get_json()) == 50
    assert json.loads(first.headers["X-Pagination"])["total"] == 61
    rest = client.get("/api/v1/people/staff?page=2", headers=admin.headers).get_json()
    assert len(rest) == 11 and {s["name"] for s in rest}.isdisjoint(
        s["name"] for s in first.get_json())
    cook = client.get("/api/v1/people/staff?q=师傅", headers=admin.headers).get_json()
    assert [s["name"] for s in cook] == ["李师傅"]
    by_phone = client.get("/api/v1/people/staff?q=138", headers=admin.headers).get_json()
    assert [s["name"] for s in by_phone] == ["李师傅"]
    too_long = client.get(f"/api/v1/people/staff?q={'x' * 51}", headers=admin.headers)
    assert too_long.status_code == 422 and "q" in too_long.get_json()["errors"]
