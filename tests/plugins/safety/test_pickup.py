"""Pick-up: a child goes home only with a guardian the school lets pick up or a permit's
holder on the day; an unauthorised person is refused naming the field, nothing written, and
turned away with an alert to the class teacher; one handover a day; permits only from the
child's own class teacher, within their days; the children still waiting."""

import io
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from core.extensions import db
from core.tenancy import tenant_context
from core.testing import at_once, signed_in
from tests.plugins.canteen.support import classroom

from .conftest import school_day

pytestmark = pytest.mark.houqin_plugins("safety")
API = "/t/safety-kinder/api/v1/safety"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def kinder(app, make_school):
    return make_school("safety-kinder", type="kindergarten", modules=("safety",))


@pytest.fixture
def teacher(kinder, make_user):
    return make_user(kinder, "class_teacher", email="teacher@kinder.test")


@pytest.fixture
def guard(kinder, make_user):
    return make_user(kinder, "guard", email="guard@kinder.test")


@pytest.fixture
def child(kinder, teacher):
    """A child of the teacher's class with two guardians: the mother may pick up, the uncle
    may not."""
    from core.people import services as people

    _class_id, children = classroom(kinder, "小一班", head=teacher, students=2)
    with tenant_context(kinder):
        mother = people.add_guardian(uuid.UUID(children[0]), {
            "name": "王妈妈", "relation": "mother", "phone": "13800000001", "can_pick_up": True})
        uncle = people.add_guardian(uuid.UUID(children[0]), {
            "name": "王舅舅", "relation": "other", "phone": "13800000002", "can_pick_up": False})
        db.session.commit()
        return {"id": children[0], "other": children[1], "mother": str(mother.id),
                "uncle": str(uncle.id)}


def pickups(kinder):
    from plugins.safety.models import Pickup

    with tenant_context(kinder):
        return db.session.scalar(select(func.count()).select_from(Pickup))


def test_an_unauthorised_person_is_refused_and_the_teacher_alerted(client, kinder, guard,
                                                                    teacher, child):
    listed = client.get(f"{API}/pickups/authorised/{child['id']}", headers=guard.headers)
    assert [p["name"] for p in listed.get_json()] == ["王妈妈"]
    uncle = client.post(f"{API}/pickups", headers=guard.headers,
                        json={"student_id": child["id"], "guardian_id": child["uncle"]})
    assert uncle.status_code == 422 and list(uncle.get_json()["errors"]) == ["guardian_id"]
    other_child = client.post(f"{API}/pickups", headers=guard.headers,
                              json={"student_id": child["other"], "guardian_id": child["mother"]})
    assert other_child.status_code == 422  # the mother of one child is no one to another
    assert pickups(kinder) == 0
    turned = client.post(f"{API}/pickups/refusals", headers=guard.headers,
                         json={"student_id": child["id"], "person": "王舅舅", "note": "自称舅舅"})
    assert turned.status_code == 201
    alerts = client.get("/t/safety-kinder/api/v1/notifications", headers=teacher.headers)
    assert any("王舅舅" in n["text"] for n in alerts.get_json()), alerts.get_json()

    handed = client.post(f"{API}/pickups", headers=guard.headers,
                         json={"student_id": child["id"], "guardian_id": child["mother"]})
    assert handed.status_code == 201 and handed.get_json()["person"] == "王妈妈"
    again = client.post(f"{API}/pickups", headers=guard.headers,
                        json={"student_id": child["id"], "guardian_id": child["mother"]})
    assert again.status_code == 409 and list(again.get_json()["errors"]) == ["student_id"]
    waiting = client.get(f"{API}/pickups/today?waiting=true", headers=guard.headers).get_json()
    assert [c["student_id"] for c in waiting] == [child["other"]]


def test_two_guards_handing_one_child_over_at_once_make_one_handover(app, kinder, guard,
                                                                     make_user, child):
    second = make_user(kinder, "guard", email="guard2@kinder.test")
    body = {"student_id": child["id"], "guardian_id": child["mother"]}
    answers = at_once([lambda: app.test_client().post(f"{API}/pickups", headers=guard.headers,
                                                      json=body),
                       lambda: app.test_client().post(f"{API}/pickups", headers=second.headers,
                                                      json=body)])
    assert sorted(a.status_code for a in answers) == [201, 409]
    assert pickups(kinder) == 1


def test_a_permit_lets_someone_else_take_the_child_on_its_days(client, kinder, guard, teacher,
                                                               make_user, child):
    today = school_day()
    body = {"student_id": child["id"], "name": "李阿姨", "relation": "邻居",
            "valid_from": today.isoformat(), "valid_until": (today + timedelta(days=2)).isoformat()}
    other_teacher = make_user(kinder, "class_teacher", email="other@kinder.test")
    assert client.post(f"{API}/pickups/permits", headers=other_teacher.headers,
                       json=body).status_code == 403
    backwards = client.post(f"{API}/pickups/permits", headers=teacher.headers,
                            json=body | {"valid_until": (today - timedelta(days=1)).isoformat()})
    assert backwards.status_code == 422 and list(backwards.get_json()["errors"]) == ["valid_until"]
    permit = client.post(f"{API}/pickups/permits", headers=teacher.headers, json=body)
    assert permit.status_code == 201, permit.get_json()
    listed = client.get(f"{API}/pickups/authorised/{child['id']}", headers=guard.headers).get_json()
    assert [(p["kind"], p["name"]) for p in listed] == [("guardian", "王妈妈"), ("permit", "李阿姨")]
    revoked = client.post(f"{API}/pickups/permits/{permit.get_json()['id']}/revocation",
                          headers=teacher.headers)
    assert revoked.status_code == 200
    refused = client.post(f"{API}/pickups", headers=guard.headers, json={
        "student_id": child["id"], "permit_id": permit.get_json()["id"]})
    assert refused.status_code == 422 and list(refused.get_json()["errors"]) == ["permit_id"]


def test_the_gate_page_hands_over_and_turns_away(app, kinder, guard, teacher, child):
    gate = app.test_client()
    token = signed_in(gate, guard)
    page = gate.get("/t/safety-kinder/m/safety/pickup").get_data(as_text=True)
    assert "王妈妈" in page and "王舅舅" not in page
    stranger = gate.post("/t/safety-kinder/m/safety/pickup/handover", data={
        "csrf_token": token, "student_id": child["id"], "person": f"guardian:{child['uncle']}"})
    assert stranger.status_code == 422 and 'data-testid="error-person"' in stranger.get_data(
        as_text=True)
    assert pickups(kinder) == 0
    assert gate.post("/t/safety-kinder/m/safety/pickup/handover", data={
        "csrf_token": token, "student_id": child["id"], "person": f"guardian:{child['mother']}",
    }).status_code == 302
    page = gate.get("/t/safety-kinder/m/safety/pickup").get_data(as_text=True)
    assert 'data-testid="picked-up"' in page and "王妈妈" in page
    door = app.test_client()
    teacher_token = signed_in(door, teacher)
    granted = door.post("/t/safety-kinder/m/safety/pickup/permits", data={
        "csrf_token": teacher_token, "permit_student_id": child["other"],
        "permit_name": "张爷爷", "permit_relation": "祖父", "permit_phone": "",
        "permit_valid_from": school_day().isoformat(),
        "permit_valid_until": school_day().isoformat(),
        "permit_photo": (io.BytesIO(PNG), "face.png")}, content_type="multipart/form-data")
    assert granted.status_code == 302
    page = door.get("/t/safety-kinder/m/safety/pickup").get_data(as_text=True)
    assert "张爷爷" in page and "/m/safety/pickup/permits/" in page
