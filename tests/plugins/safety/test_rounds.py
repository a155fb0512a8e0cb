"""Checklists and rounds through the API: the default checklists added; a round half done,
finished later and signed; a failure that becomes a hazard, fixed, sent back, fixed again
and closed — on both databases; a signed round amended, never edited; the refusals that name
their field and write nothing; two people signing at once; rounds due by their schedule."""

from datetime import timedelta

import pytest

from core.extensions import db
from core.tenancy import tenant_context
from core.testing import at_once

from .conftest import API, staff_of

pytestmark = pytest.mark.houqin_plugins("safety")
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def guard(school, make_user):
    return make_user(school, "guard", email="guard@safety.test")


def _school_day(school):
    """The school's today (its own clock, not the machine's)."""
    from core.tenancy import school_today

    with tenant_context(school):
        return school_today()


def _checklist(client, officer, kind="gate"):
    installed = client.post(f"{API}/checklists/defaults", headers=officer.headers)
    assert installed.status_code == 201, installed.get_json()
    return next(c for c in installed.get_json() if c["kind"] == kind)


def _start(client, user, checklist, place="东校门"):
    answer = client.post(f"{API}/rounds", headers=user.headers,
                         json={"checklist_id": checklist["id"], "place": place})
    assert answer.status_code == 201, answer.get_json()
    return answer.get_json()


def _answer(client, user, walked, *answers):
    return client.post(f"{API}/rounds/{walked['id']}/answers", headers=user.headers,
                       json={"answers": list(answers)})


def test_defaults_cite_their_rules_and_are_the_school_s_to_reword(client, school, officer):
    gate = _checklist(client, officer)
    cited = [i for i in gate["items"] if i["source"]]
    assert cited and "中小学幼儿园安全管理办法" in cited[0]["source"]
    assert cited[0]["certainty"] == "secondary"
    fire = next(c for c in client.get(f"{API}/checklists", headers=officer.headers).get_json()
                if c["kind"] == "fire")
    assert all("GB 50444-2008" in i["source"] for i in fire["items"] if i["source"])
    # Added once: a second press adds nothing.
    assert client.post(f"{API}/checklists/defaults", headers=officer.headers).get_json() == []
    revised = client.put(f"{API}/checklists/{gate['id']}", headers=officer.headers,
                         json={"items": [{"text_zh": "校门监控正常", "pass_zh": "画面清晰"}]})
    assert revised.status_code == 200
    assert [i["text_zh"] for i in revised.get_json()["items"]] == ["校门监控正常"]


def test_a_failed_item_becomes_a_hazard_and_follows_it_to_closure(client, school, officer,
                                                                  guard, keeper, director):
    owner_id = staff_of(school, keeper)
    walked = _start(client, guard, _checklist(client, officer))
    count = len(walked["answers"])
    failed = _answer(client, guard, walked,
                     {"position": 1, "result": "fail", "note": "来访登记本缺页"},
                     {"position": 2, "result": "pass"})
    assert failed.status_code == 200, failed.get_json()
    item = failed.get_json()["answers"][0]
    assert item["result"] == "fail" and item["hazard_id"]
    hazard_id = item["hazard_id"]
    hazard = client.get(f"{API}/hazards/{hazard_id}", headers=officer.headers).get_json()
    assert hazard["place"] == "东校门" and "来访登记本缺页" in hazard["description"]
    assert hazard["status"] == "reported"
    assert (hazard["round_id"], hazard["round_item"]) == (walked["id"], 1)
    # The hazard shows which round and item it came from.
    page = client.get(f"/t/safety-school/m/safety/hazards/{hazard_id}", headers=officer.headers)
    assert page.status_code == 200 and f"/rounds/{walked['id']}".encode() in page.data
    # Its photo follows through the hazard's own photo route.
    photo = client.put(f"{API}/hazards/{hazard_id}/photo", headers=guard.headers,
                       data={"photo": (__import__("io").BytesIO(PNG), "gate.png")},
                       content_type="multipart/form-data")
    assert photo.status_code == 200, photo.get_json()

    base = f"{API}/hazards/{hazard_id}"
    assert client.put(f"{base}/assignment", headers=officer.headers, json={
        "owner_id": owner_id, "deadline": (_school_day(school) + timedelta(days=3)).isoformat()
    }).status_code == 200
    assert client.post(f"{base}/fix", headers=keeper.headers,
                       json={"note": "补全登记本"}).status_code == 200
    sent_back = client.post(f"{base}/verification", headers=officer.headers,
                            json={"passed": False, "note": "仍缺签名栏"})
    assert sent_back.status_code == 200 and sent_back.get_json()["status"] == "open"
    assert client.post(f"{base}/fix", headers=keeper.headers,
                       json={"note": "换新登记本"}).status_code == 200
    closed = client.post(f"{base}/verification", headers=director.headers, json={"passed": True})
    assert closed.status_code == 200 and closed.get_json()["status"] == "closed"

    rest = [{"position": n, "result": "pass"} for n in range(3, count + 1)]
    assert _answer(client, guard, walked, *rest).status_code == 200
    signed = client.post(f"{API}/rounds/{walked['id']}/signature", headers=guard.headers)
    assert signed.status_code == 200 and signed.get_json()["done_at"]
    assert signed.get_json()["answers"][0]["hazard_id"] == hazard_id


def test_a_round_saved_half_done_is_finished_later_then_only_amended(client, school, officer,
                                                                     guard):
    walked = _start(client, guard, _checklist(client, officer, "classroom"), "三年级一班")
    assert _answer(client, guard, walked, {"position": 1, "result": "pass"}).status_code == 200
    early = client.post(f"{API}/rounds/{walked['id']}/signature", headers=guard.headers)
    assert early.status_code == 422 and list(early.get_json()["errors"]) == ["answers"]
    kept = client.get(f"{API}/rounds/{walked['id']}", headers=guard.headers).get_json()
    assert [a["result"] for a in kept["answers"]][:2] == ["pass", None]
    rest = [{"position": a["position"], "result": "na"} for a in kept["answers"][1:]]
    assert _answer(client, guard, walked, *rest).status_code == 200
    signed = client.post(f"{API}/rounds/{walked['id']}/signature", headers=guard.headers)
    assert signed.status_code == 200 and signed.get_json()["signed_by"]

    late = _answer(client, guard, walked, {"position": 1, "result": "fail", "note": "x"})
    assert late.status_code == 409
    no_reason = client.post(f"{API}/rounds/{walked['id']}/amendments", headers=guard.headers,
                            json={"position": 2, "result": "fail", "note": "插座松动",
                                  "reason": ""})
    assert no_reason.status_code == 422 and "reason" in no_reason.get_json()["errors"]
    amended = client.post(f"{API}/rounds/{walked['id']}/amendments", headers=guard.headers,
                          json={"position": 2, "result": "fail", "note": "插座松动",
                                "reason": "误选为不适用"})
    assert amended.status_code == 201, amended.get_json()
    assert amended.get_json()["hazard_id"]
    shown = client.get(f"{API}/rounds/{walked['id']}", headers=guard.headers).get_json()
    assert shown["answers"][1]["result"] == "na"  # the signed answer stays as signed
    assert [m["reason"] for m in shown["amendments"]] == ["误选为不适用"]
    from core.audit import AuditEvent

    with tenant_context(school):
        assert db.session.query(AuditEvent).filter(
            AuditEvent.entity == "safety_round_amendments").count() == 1


def test_bad_answers_are_refused_naming_the_field_and_write_nothing(client, school, officer,
                                                                    guard):
    walked = _start(client, guard, _checklist(client, officer))
    twice = _answer(client, guard, walked, {"position": 1, "result": "pass"},
                    {"position": 1, "result": "fail", "note": "x"})
    assert twice.status_code == 422 and list(twice.get_json()["errors"]) == ["answers"]
    no_note = _answer(client, guard, walked, {"position": 2, "result": "pass"},
                      {"position": 1, "result": "fail"})
    assert no_note.status_code == 422 and list(no_note.get_json()["errors"]) == ["note_1"]
    kept = client.get(f"{API}/rounds/{walked['id']}", headers=guard.headers).get_json()
    assert all(a["result"] is None for a in kept["answers"])
    assert _answer(client, guard, walked, {"position": 1, "result": "pass"}).status_code == 200
    again = _answer(client, guard, walked, {"position": 1, "result": "na"})
    assert again.status_code == 409 and list(again.get_json()["errors"]) == ["answers"]
    # A photo that is not an image, through the page's form.
    page = client.post(f"/t/safety-school/m/safety/rounds/{walked['id']}", headers=guard.headers,
                       data={"result_2": "fail", "note_2": "摄像头不亮",
                             "photo_2": (__import__("io").BytesIO(b"not an image"), "x.png")},
                       content_type="multipart/form-data")
    # core's file store answers 415 (the field named), as for a hazard's photo
    assert page.status_code == 415 and b"error-photo_2" in page.data
    kept = client.get(f"{API}/rounds/{walked['id']}", headers=guard.headers).get_json()
    assert kept["answers"][1]["result"] is None
    # A note longer than its column, through the page's form: refused by its field.
    long = client.post(f"/t/safety-school/m/safety/rounds/{walked['id']}", headers=guard.headers,
                       data={"result_2": "fail", "note_2": "松" * 501})
    assert long.status_code == 422 and b"error-note_2" in long.data


def test_two_people_signing_at_once_make_one_signature_and_a_409(app, school, officer, guard,
                                                                 director):
    client = app.test_client()
    walked = _start(client, guard, _checklist(client, officer, "playground"), "操场")
    _answer(client, guard, walked, *({"position": a["position"], "result": "pass"}
                                     for a in walked["answers"]))
    answers = at_once([
        lambda: app.test_client().post(f"{API}/rounds/{walked['id']}/signature",
                                       headers=guard.headers),
        lambda: app.test_client().post(f"{API}/rounds/{walked['id']}/signature",
                                       headers=director.headers),
    ])
    assert sorted(a.status_code for a in answers) == [200, 409], [a.get_json() for a in answers]


def test_scheduled_rounds_fall_due_show_on_the_calendar_and_remind(client, school, officer,
                                                                   guard):
    from plugins.safety import jobs

    guard_staff = staff_of(school, guard, name="王保安")
    on = _school_day(school)
    gate = _checklist(client, officer)
    planned = client.post(f"{API}/round-schedules", headers=officer.headers, json={
        "checklist_id": gate["id"], "place": "东校门", "frequency": "daily",
        "start_on": on.isoformat(), "assignee_id": guard_staff})
    assert planned.status_code == 201, planned.get_json()
    due = client.get(f"{API}/rounds/due", headers=guard.headers).get_json()
    assert [(d["place"], d["done"]) for d in due] == [("东校门", False)]
    with tenant_context(school):
        jobs.remind_rounds()
        db.session.commit()
        from core.notifications.models import Notification

        notice = db.session.query(Notification).filter(
            Notification.key.like("safety:round-due:%")).one()
        assert notice.user_id == guard.id
    started = client.post(f"{API}/rounds", headers=guard.headers, json={
        "schedule_id": planned.get_json()["id"], "due_on": on.isoformat()})
    assert started.status_code == 201
    again = client.post(f"{API}/rounds", headers=guard.headers, json={
        "schedule_id": planned.get_json()["id"], "due_on": on.isoformat()})
    assert again.status_code == 409
    from plugins.safety.calendar import round_entries

    with tenant_context(school):
        entries = round_entries(on, on + timedelta(days=2))
        assert len(entries) == 3 and entries[0].endpoint == "safety_pages.round"


def test_a_place_s_qr_code_leads_to_its_round(client, school, officer, guard):
    gate = _checklist(client, officer)
    qr = client.get(f"/t/safety-school/m/safety/rounds/qr?checklist_id={gate['id']}&place=东校门",
                    headers=officer.headers)
    assert qr.status_code == 200 and b"<svg" in qr.data
    here = client.get(f"/t/safety-school/m/safety/rounds/here?checklist_id={gate['id']}"
                      "&place=东校门", headers=guard.headers)
    assert here.status_code == 200 and b"start-here" in here.data
    walked = _start(client, guard, gate)
    here = client.get(f"/t/safety-school/m/safety/rounds/here?checklist_id={gate['id']}"
                      "&place=东校门", headers=guard.headers)
    assert here.status_code == 302 and walked["id"] in here.headers["Location"]


def test_the_checklist_page_rewords_adds_and_removes_items(client, school, officer):
    gate = _checklist(client, officer)
    page = f"/t/safety-school/m/safety/checklists/{gate['id']}"
    assert client.get(page, headers=officer.headers).status_code == 200
    first = gate["items"][0]
    saved = client.post(page, headers=officer.headers, data={
        "title": "东校门", "text_zh_i1": "来访登记", "pass_zh_i1": first["pass_zh"],
        **{f"remove_i{i['position']}": "1" for i in gate["items"][1:]},
        "text_zh_n0": "夜间照明", "pass_zh_n0": "灯亮"})
    assert saved.status_code == 302, saved.data
    shown = client.get(f"{API}/checklists/{gate['id']}", headers=officer.headers).get_json()
    assert shown["title"] == "东校门"
    assert [(i["text_zh"], bool(i["source"])) for i in shown["items"]] == [
        ("来访登记", True), ("夜间照明", False)]
    empty = client.post(page, headers=officer.headers, data={
        **{f"remove_i{i['position']}": "1" for i in shown["items"]}})
    assert empty.status_code == 422 and b"error-items" in empty.data


def test_a_district_s_checklist_reaches_its_schools_and_stops_following_once_edited(
        app, client, school, officer, make_school, make_user):
    from core.identity import services as identity
    from core.identity.models import User

    other = make_school("safety-other", modules=("safety",))
    other_head = make_user(other, "safety_officer", email="head@other.test")
    admin = make_user(school, "safety_officer", email="district@safety.test")
    with tenant_context(school):
        identity.grant_district_role(db.session.get(User, admin.id), school.district_id,
                                     "district_admin")
        db.session.commit()
    refused = client.post(f"{API}/district-checklists", headers=officer.headers, json={
        "kind": "laboratory", "title": "区实验室检查表", "items": [{"text_zh": "危化品上锁"}]})
    assert refused.status_code == 403  # a school's head does not publish for the district
    published = client.post(f"{API}/district-checklists", headers=admin.headers, json={
        "kind": "laboratory", "title": "区实验室检查表", "items": [{"text_zh": "危化品上锁"}]})
    assert published.status_code == 201, published.get_json()
    district_id = published.get_json()["id"]

    other_api = "/t/safety-other/api/v1/safety"
    received = client.post(f"{other_api}/checklists/district", headers=other_head.headers)
    assert received.status_code == 200, received.get_json()
    copy = next(c for c in received.get_json() if c["district_checklist_id"] == district_id)
    assert [i["text_zh"] for i in copy["items"]] == ["危化品上锁"] and copy["diverged_at"] is None

    # The district rewords it: the copy follows on the school's next morning run.
    assert client.put(f"{API}/district-checklists/{district_id}", headers=admin.headers, json={
        "items": [{"text_zh": "危化品双人双锁"}]}).status_code == 200
    from plugins.safety import jobs

    with tenant_context(other):
        jobs.chase_late(None)
        db.session.commit()
    shown = client.get(f"{other_api}/checklists/{copy['id']}", headers=other_head.headers)
    assert [i["text_zh"] for i in shown.get_json()["items"]] == ["危化品双人双锁"]

    # The school edits its copy: it is its own from then on, and says so.
    client.put(f"{other_api}/checklists/{copy['id']}", headers=other_head.headers,
               json={"items": [{"text_zh": "危化品双人双锁"}, {"text_zh": "通风橱正常"}]})
    client.put(f"{API}/district-checklists/{district_id}", headers=admin.headers, json={
        "items": [{"text_zh": "危化品专柜"}]})
    after = client.post(f"{other_api}/checklists/district", headers=other_head.headers)
    mine = next(c for c in after.get_json() if c["id"] == copy["id"])
    assert [i["text_zh"] for i in mine["items"]] == ["危化品双人双锁", "通风橱正常"]
    assert mine["diverged_at"] is not None
    page = client.get("/t/safety-other/m/safety/checklists", headers=other_head.headers)
    assert b"district-copy-laboratory" in page.data


def test_one_item_answered_from_two_phones_at_once_is_answered_once(app, school, officer, guard,
                                                                  director):
    client = app.test_client()
    walked = _start(client, guard, _checklist(client, officer), "西校门")
    answers = at_once([
        lambda: app.test_client().post(f"{API}/rounds/{walked['id']}/answers",
                                       headers=guard.headers, json={"answers": [
                                           {"position": 1, "result": "fail", "note": "甲"}]}),
        lambda: app.test_client().post(f"{API}/rounds/{walked['id']}/answers",
                                       headers=director.headers, json={"answers": [
                                           {"position": 1, "result": "fail", "note": "乙"}]}),
    ])
    assert sorted(a.status_code for a in answers) == [200, 409], [a.get_json() for a in answers]
    from plugins.safety.models import Hazard

    with tenant_context(school):
        assert db.session.query(Hazard).count() == 1
