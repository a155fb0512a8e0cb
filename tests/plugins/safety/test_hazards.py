"""The hazard loop through the API: reported, given an owner and a deadline, fixed, sent back
by a verification that failed, fixed again and closed — on both databases; the refusals that
name their field and write nothing; two verifications at once; late hazards chased and
escalated with the day moved forward, never slept."""

from datetime import date, timedelta

import pytest

from core.extensions import db
from core.tenancy import tenant_context
from core.testing import at_once

from .conftest import API, report, school_day, staff_of

pytestmark = pytest.mark.houqin_plugins("safety")


def _notices(school, key_prefix):
    from core.notifications.models import Notification

    with tenant_context(school):
        return sorted(n.key for n in db.session.query(Notification)
                      if n.key.startswith(key_prefix))


def _steps(client, user, hazard_id):
    answer = client.get(f"{API}/hazards/{hazard_id}", headers=user.headers)
    assert answer.status_code == 200, answer.get_json()
    return answer.get_json()


def test_the_full_hazard_loop(client, school, officer, keeper, director, make_user):
    owner_id = staff_of(school, keeper)
    teacher = make_user(school, "class_teacher", email="teacher@safety.test")
    hazard = report(client, teacher)
    assert (hazard["status"], hazard["level"], hazard["owner"]) == ("reported", "general", None)
    base = f"{API}/hazards/{hazard['id']}"

    # No days set for the level: the deadline is the officer's to give.
    no_deadline = client.put(f"{base}/assignment", headers=officer.headers,
                             json={"owner_id": owner_id})
    assert no_deadline.status_code == 422 and list(no_deadline.get_json()["errors"]) == ["deadline"]
    deadline = (school_day() + timedelta(days=7)).isoformat()
    assigned = client.put(f"{base}/assignment", headers=officer.headers,
                          json={"owner_id": owner_id, "deadline": deadline})
    assert assigned.status_code == 200, assigned.get_json()
    assert (assigned.get_json()["status"], assigned.get_json()["owner"],
            assigned.get_json()["deadline"]) == ("open", "李师傅", deadline)
    assert _notices(school, f"safety:owner:{hazard['id']}") == [f"safety:owner:{hazard['id']}"]

    fixed = client.post(f"{base}/fix", headers=keeper.headers, json={"note": "更换扶手螺栓"})
    assert fixed.status_code == 200 and fixed.get_json()["status"] == "fixed"
    # The fixer may not verify their own fix, even holding the permission to.
    own = client.post(f"{base}/verification", headers=keeper.headers, json={"passed": True})
    assert own.status_code == 403  # an asset keeper does not verify at all
    failed = client.post(f"{base}/verification", headers=officer.headers,
                         json={"passed": False})
    assert failed.status_code == 422 and list(failed.get_json()["errors"]) == ["note"]
    failed = client.post(f"{base}/verification", headers=officer.headers,
                         json={"passed": False, "note": "仍有晃动"})
    assert failed.status_code == 200 and failed.get_json()["status"] == "open"
    again = client.post(f"{base}/fix", headers=keeper.headers, json={"note": "整体更换扶手"})
    assert again.get_json()["status"] == "fixed"
    closed = client.post(f"{base}/verification", headers=director.headers,
                         json={"passed": True, "note": "牢固"})
    assert closed.status_code == 200 and closed.get_json()["status"] == "closed"
    assert closed.get_json()["closed_at"]
    after = client.post(f"{base}/fix", headers=keeper.headers, json={"note": "再修"})
    assert after.status_code == 409

    shown = _steps(client, officer, hazard["id"])
    assert [s["step"] for s in shown["steps"]] == ["reported", "assigned", "fixed", "failed",
                                                   "fixed", "passed"]
    assert [s["by"] for s in shown["steps"]][-1] != [s["by"] for s in shown["steps"]][-2]
    assert all(s["at"] for s in shown["steps"])

    listed = client.get(f"{API}/hazards?status=closed", headers=officer.headers).get_json()
    assert [h["id"] for h in listed] == [hazard["id"]]
    assert client.get(f"{API}/hazards?status=unclosed", headers=officer.headers).get_json() == []


def test_a_fixer_who_manages_hazards_still_cannot_verify_their_own_fix(client, school, officer):
    owner_id = staff_of(school, officer, name="王老师")
    hazard = report(client, officer)
    base = f"{API}/hazards/{hazard['id']}"
    client.put(f"{base}/assignment", headers=officer.headers,
               json={"owner_id": owner_id, "deadline": school_day().isoformat()})
    assert client.post(f"{base}/fix", headers=officer.headers, json={"note": "已修"}).status_code == 200
    own = client.post(f"{base}/verification", headers=officer.headers, json={"passed": True})
    assert own.status_code == 422 and list(own.get_json()["errors"]) == ["passed"]
    assert _steps(client, officer, hazard["id"])["status"] == "fixed"


def test_bad_reports_and_assignments_name_their_field_and_write_nothing(
        client, school, officer, make_school, settings_of):
    future = (school_day() + timedelta(days=2)).isoformat() + "T08:00:00"
    for body, field in (({"place": "", "description": "x"}, "place"),
                        ({"place": "操场", "description": ""}, "description"),
                        ({"place": "操场", "description": "x", "level": "bad"}, "level"),
                        ({"place": "操场", "description": "x", "found_at": future}, "found_at")):
        answer = client.post(f"{API}/hazards", headers=officer.headers, json=body)
        assert answer.status_code == 422 and field in answer.get_json()["errors"], (body, answer.get_json())
    other = make_school("safety-other", modules=("safety",))
    from core.people.services import create_building

    with tenant_context(other):
        theirs = create_building("别校教学楼")
        db.session.commit()
        theirs_id = str(theirs.id)
    answer = client.post(f"{API}/hazards", headers=officer.headers,
                         json={"place": "操场", "description": "x", "building_id": theirs_id})
    assert answer.status_code == 422 and list(answer.get_json()["errors"]) == ["building_id"]
    assert client.get(f"{API}/hazards", headers=officer.headers).get_json() == []

    hazard = report(client, officer, found_at=(school_day() - timedelta(days=3)).isoformat()
                    + "T09:00:00")
    base = f"{API}/hazards/{hazard['id']}"
    owner_id = staff_of(school, officer, name="赵师傅")
    before = client.put(f"{base}/assignment", headers=officer.headers, json={
        "owner_id": owner_id, "deadline": (school_day() - timedelta(days=4)).isoformat()})
    assert before.status_code == 422 and list(before.get_json()["errors"]) == ["deadline"]
    stranger = client.put(f"{base}/assignment", headers=officer.headers, json={
        "owner_id": "00000000-0000-7000-8000-000000000000"})
    assert stranger.status_code == 422 and list(stranger.get_json()["errors"]) == ["owner_id"]
    assert _steps(client, officer, hazard["id"])["status"] == "reported"
    # With days for the level in the settings, the deadline follows from the day it was found.
    settings_of({"major_days": 5})
    assigned = client.put(f"{base}/assignment", headers=officer.headers,
                          json={"owner_id": owner_id, "level": "major"})
    assert assigned.get_json()["deadline"] == (school_day() + timedelta(days=2)).isoformat()
    assert assigned.get_json()["overdue"] is False


def test_two_verifications_at_once_end_in_one_outcome_and_a_409(app, school, officer, director,
                                                                 keeper):
    client = app.test_client()
    owner_id = staff_of(school, keeper)
    hazard = report(client, officer)
    base = f"{API}/hazards/{hazard['id']}"
    client.put(f"{base}/assignment", headers=officer.headers,
               json={"owner_id": owner_id, "deadline": school_day().isoformat()})
    client.post(f"{base}/fix", headers=keeper.headers, json={"note": "已修"})
    # Whichever comes second finds the hazard closed or sent back (a 409 by its rule), or, on
    # PostgreSQL, read it before the first wrote and finds its version moved (a 409 too).
    answers = at_once([
        lambda: app.test_client().post(f"{base}/verification", headers=officer.headers,
                                       json={"passed": True}),
        lambda: app.test_client().post(f"{base}/verification", headers=director.headers,
                                       json={"passed": False, "note": "没修好"}),
    ])
    assert sorted(a.status_code for a in answers) == [200, 409], [a.get_json() for a in answers]
    shown = _steps(client, officer, hazard["id"])
    verdicts = [s["step"] for s in shown["steps"] if s["step"] in ("passed", "failed")]
    assert len(verdicts) == 1
    assert shown["status"] == {"passed": "closed", "failed": "open"}[verdicts[0]]


def test_late_hazards_are_chased_and_escalated_as_days_pass(client, school, officer, keeper,
                                                            settings_of):
    from plugins.safety.services import hazards

    settings_of({"general_days": 3, "escalate_after_days": 5})
    owner_id = staff_of(school, keeper)
    hazard = report(client, officer)
    client.put(f"{API}/hazards/{hazard['id']}/assignment", headers=officer.headers,
               json={"owner_id": owner_id})
    deadline = date.fromisoformat(_steps(client, officer, hazard["id"])["deadline"])
    assert deadline == school_day() + timedelta(days=3)

    def run(on):
        with tenant_context(school):
            found = hazards.chase_late(on)
            db.session.commit()
            return found

    assert run(deadline) == (0, 0)  # on its deadline it is not late yet
    assert run(deadline + timedelta(days=1)) == (1, 0)
    assert _notices(school, "safety:late:") == [f"safety:late:{hazard['id']}"]
    assert run(deadline + timedelta(days=5)) == (1, 0)  # at the limit, not past it
    assert run(deadline + timedelta(days=6)) == (1, 1)
    assert run(deadline + timedelta(days=7)) == (1, 0)  # escalated once
    steps = [s["step"] for s in _steps(client, officer, hazard["id"])["steps"]]
    assert steps.count("overdue") == 1 and steps.count("escalated") == 1
    assert _steps(client, officer, hazard["id"])["escalated_at"]


def test_a_hazard_nobody_took_up_is_late_too(client, school, officer, settings_of):
    from plugins.safety.services import hazards

    settings_of({"general_days": 2})
    hazard = report(client, officer)
    assert hazard["deadline"] == (school_day() + timedelta(days=2)).isoformat()
    with tenant_context(school):
        assert hazards.chase_late(school_day() + timedelta(days=3)) == (1, 0)
        db.session.commit()
    assert _notices(school, "safety:late:") == [f"safety:late:{hazard['id']}"]


def test_a_grave_hazard_goes_to_the_district_at_once(client, school, officer):
    grave = report(client, officer, level="grave", description="教学楼外墙开裂")
    assert grave["escalated_at"] is not None
    general = report(client, officer)
    assert general["escalated_at"] is None
