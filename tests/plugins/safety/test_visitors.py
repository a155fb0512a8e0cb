"""The gate: a full day (announced → checked in with one tap → on campus → checked out), an
unannounced visitor registered and checked in, the refusal list's warning (the school's and
the district's) that only a written reason overrides, bad input named by its field with
nothing written, two guards checking out one visitor at once (one 200, one 409), the
end-of-day notice at the school's hour, and the log's export and the list's import."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from core.audit import AuditEvent
from core.extensions import db
from core.tenancy import tenant_context
from core.testing import at_once, signed_in, xlsx_of

from .conftest import API, SLUG, staff_of

pytestmark = pytest.mark.houqin_plugins("safety")
VISITOR = {"name": "王建国", "phone": "13800138000", "organisation": "区教育局",
           "reason": "检查食堂", "companions": 2, "companion_names": "李明、张华",
           "plate": "京A·12345", "id_checked": True}


@pytest.fixture
def guard(school, make_user):
    return make_user(school, "guard", email="guard@safety.test")


@pytest.fixture
def teacher(school, make_user):
    return make_user(school, "class_teacher", email="teacher@safety.test")


def visits(school):
    from plugins.safety.models import Visit

    with tenant_context(school):
        return db.session.scalar(select(func.count()).select_from(Visit))


def test_a_gate_day_from_the_announcement_to_the_check_out(client, school, guard, teacher):
    host = staff_of(school, teacher, name="陈老师")
    today = datetime.now(ZoneInfo("Asia/Shanghai")).date()
    announced = client.post(f"{API}/gate/visits/expected", headers=teacher.headers, json={
        "name": "赵师傅", "kind": "contractor", "organisation": "某某维修公司",
        "reason": "修理锅炉", "host_staff_id": host, "expected_on": today.isoformat(),
        "expected_at": "09:30", "plate": "沪B 54321"})
    assert announced.status_code == 201, announced.get_json()
    visit = announced.get_json()
    assert (visit["host"], visit["plate"], visit["checked_in_at"]) == ("陈老师", "沪B54321", None)
    # A teacher announces, but does not keep the gate.
    assert client.post(f"{API}/gate/visits/{visit['id']}/check-in", headers=teacher.headers,
                       json={}).status_code == 403
    expected = client.get(f"{API}/gate/visits?state=expected", headers=guard.headers).get_json()
    assert [v["name"] for v in expected] == ["赵师傅"]
    # Checked out before it was checked in: refused by its field.
    early = client.post(f"{API}/gate/visits/{visit['id']}/check-out", headers=guard.headers,
                        json={})
    assert early.status_code == 422 and list(early.get_json()["errors"]) == ["checked_in_at"]
    came = client.post(f"{API}/gate/visits/{visit['id']}/check-in", headers=guard.headers,
                       json={"id_checked": True})
    assert came.status_code == 200 and came.get_json()["checked_in_by"]
    assert client.post(f"{API}/gate/visits/{visit['id']}/check-in", headers=guard.headers,
                       json={}).status_code == 409
    walk_in = client.post(f"{API}/gate/visits", headers=guard.headers,
                          json=VISITOR | {"host": "校长办公室"})
    assert walk_in.status_code == 201, walk_in.get_json()
    assert walk_in.get_json()["plate"] == "京A12345"
    inside = client.get(f"{API}/gate/visits?state=inside", headers=guard.headers).get_json()
    assert sorted(v["name"] for v in inside) == ["王建国", "赵师傅"]
    assert client.get(f"{API}/gate/visits?state=expected", headers=guard.headers).get_json() == []
    left = client.post(f"{API}/gate/visits/{visit['id']}/check-out", headers=guard.headers,
                       json={})
    assert left.status_code == 200 and left.get_json()["checked_out_at"]
    inside = client.get(f"{API}/gate/visits?state=inside", headers=guard.headers).get_json()
    assert [v["name"] for v in inside] == ["王建国"]
    day = client.get(f"{API}/gate/visits", headers=guard.headers).get_json()
    assert len(day) == 2
    # The home card counts who is on campus now.
    signed_in(client, guard)
    home = client.get(f"/t/{SLUG}/").get_data(as_text=True)
    assert 'data-testid="safety-on-campus">1<' in home


def test_someone_on_the_refusal_list_is_let_in_only_with_a_reason(client, school, guard,
                                                                   officer):
    entry = client.post(f"{API}/gate/refusals", headers=officer.headers,
                        json={"phone": "138 0013 8000", "reason": "曾在校门口滋事"})
    assert entry.status_code == 201, entry.get_json()
    assert client.post(f"{API}/gate/refusals", headers=guard.headers,
                       json={"name": "某人", "reason": "x"}).status_code == 403
    flagged = client.post(f"{API}/gate/visits", headers=guard.headers, json=VISITOR)
    assert flagged.status_code == 422
    message = flagged.get_json()["errors"]["override_note"][0]
    assert "曾在校门口滋事" in message and visits(school) == 0
    let_in = client.post(f"{API}/gate/visits", headers=guard.headers,
                         json=VISITOR | {"override_note": "校长当面同意"})
    assert let_in.status_code == 201
    assert "曾在校门口滋事" in let_in.get_json()["refusal_match"]
    with tenant_context(school):
        written = db.session.scalars(select(AuditEvent.after).where(
            AuditEvent.entity == "safety_gate_visits")).all()
    assert any((a or {}).get("override_note") == "校长当面同意" for a in written)
    lifted = client.post(f"{API}/gate/refusals/{entry.get_json()['id']}/lifting",
                         headers=officer.headers)
    assert lifted.status_code == 200
    assert client.post(f"{API}/gate/visits", headers=guard.headers,
                       json=VISITOR).status_code == 201


def test_a_district_entry_warns_every_school_of_the_district(client, make_school, make_user):
    near = make_school("gate-near", district="district-a", modules=("safety",))
    other = make_school("gate-other", district="district-a", modules=("safety",))
    far = make_school("gate-far", district="district-b", modules=("safety",))
    # A district admin acts in a school of the district, with a token for it.
    admin = make_user(near, district=near.district_id, role="district_admin")
    head = make_user(near, "safety_officer", email="head@near.test")
    added = client.post("/t/gate-near/api/v1/safety/gate/district-refusals",
                        headers=admin.headers,
                        json={"plate": "粤B88888", "reason": "冒充家长"})
    assert added.status_code == 201, added.get_json()
    # The school's heads do not keep the district's list.
    assert client.post("/t/gate-near/api/v1/safety/gate/district-refusals",
                       headers=head.headers, json={"plate": "x1", "reason": "y"}).status_code == 403
    for school, warned in ((other, 422), (far, 201)):
        guard = make_user(school, "guard", email=f"guard@{school.slug}.test")
        answer = client.post(f"/t/{school.slug}/api/v1/safety/gate/visits",
                             headers=guard.headers,
                             json={"name": "某人", "kind": "delivery", "plate": "粤b 88888"})
        assert answer.status_code == warned, (school.slug, answer.get_json())
    # The matched entry's school alone records that the district's list was read for it; a
    # visitor matching nothing leaves no read in any school's trail.
    guard = make_user(other, "guard", email="second-guard@gate-other.test")
    assert client.post("/t/gate-other/api/v1/safety/gate/visits", headers=guard.headers,
                       json={"name": "无关的人", "kind": "visitor"}).status_code == 201
    assert client.post("/t/gate-other/api/v1/safety/gate/visits", headers=guard.headers, json={
        "name": "某人", "kind": "delivery", "plate": "粤B88888",
        "override_note": "校长在场核实"}).status_code == 201

    def reads(school):
        with tenant_context(school):
            return db.session.scalar(select(func.count()).select_from(AuditEvent).where(
                AuditEvent.action == "district_read",
                AuditEvent.entity == "safety_gate_refusals"))
    assert (reads(near), reads(other)) == (1, 0)
    # The district admin sees the district's entries wherever they act; a school's heads
    # see their own list (the district's meet them at the gate).
    other_admin = make_user(other, district=near.district_id, role="district_admin",
                            email="bureau@other.test")
    listed = client.get("/t/gate-other/api/v1/safety/gate/refusals",
                        headers=other_admin.headers).get_json()
    assert [(e["plate"], e["school"]) for e in listed] == [("粤B88888", near.name)]
    assert client.get("/t/gate-other/api/v1/safety/gate/refusals", headers=make_user(
        other, "school_admin", email="a@other.test").headers).get_json() == []


def test_bad_input_is_refused_by_its_field_and_nothing_is_written(client, school, guard):
    now = datetime.now(UTC)
    cases = [({"name": ""}, "name"), ({"phone": "12345"}, "phone"),
             ({"phone": "1380013800a"}, "phone"), ({"companions": -1}, "companions"),
             ({"kind": "tourist"}, "kind"),
             ({"checked_in_at": (now + timedelta(hours=1)).isoformat()}, "checked_in_at"),
             ({"host_staff_id": "00000000-0000-7000-8000-000000000000"}, "host_staff_id")]
    for change, field in cases:
        answer = client.post(f"{API}/gate/visits", headers=guard.headers, json=VISITOR | change)
        assert answer.status_code == 422, (change, answer.get_json())
        assert field in answer.get_json()["errors"], (change, answer.get_json())
    assert client.post(f"{API}/gate/visits", headers=guard.headers,
                       json={k: v for k, v in VISITOR.items() if k != "name"}).status_code == 422
    assert visits(school) == 0
    came = client.post(f"{API}/gate/visits", headers=guard.headers, json=VISITOR | {
        "checked_in_at": (now - timedelta(hours=1)).isoformat()}).get_json()
    backwards = client.post(f"{API}/gate/visits/{came['id']}/check-out", headers=guard.headers,
                            json={"at": (now - timedelta(hours=2)).isoformat()})
    assert backwards.status_code == 422 and list(backwards.get_json()["errors"]) == ["at"]
    assert client.get(f"{API}/gate/visits?state=inside",
                      headers=guard.headers).get_json()[0]["checked_out_at"] is None
    past = client.post(f"{API}/gate/visits/expected", headers=guard.headers, json={
        "name": "某人", "expected_on": (now - timedelta(days=2)).date().isoformat()})
    assert past.status_code == 422 and list(past.get_json()["errors"]) == ["expected_on"]


def test_two_guards_checking_one_visitor_out_at_once_make_one_check_out(app, school, guard,
                                                                         make_user):
    second = make_user(school, "guard", email="guard2@safety.test")
    client = app.test_client()
    came = client.post(f"{API}/gate/visits", headers=guard.headers, json=VISITOR).get_json()
    url = f"{API}/gate/visits/{came['id']}/check-out"
    answers = at_once([lambda: app.test_client().post(url, headers=guard.headers, json={}),
                       lambda: app.test_client().post(url, headers=second.headers, json={})])
    assert sorted(a.status_code for a in answers) == [200, 409]
    assert client.get(f"{API}/gate/visits?state=inside", headers=guard.headers).get_json() == []


def test_the_gate_hears_who_is_still_inside_at_the_school_s_hour(client, school, guard,
                                                                  settings_of):
    from plugins.safety.jobs import tell_still_inside

    client.post(f"{API}/gate/visits", headers=guard.headers, json=VISITOR)
    evening = datetime(2026, 12, 7, 18, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    with tenant_context(school):
        assert tell_still_inside(evening) == 0  # no hour set: no notice
    settings_of({"gate_report_hour": 18})
    with tenant_context(school):
        assert tell_still_inside(evening.replace(hour=17)) == 0
        assert tell_still_inside(evening) == 1
        db.session.commit()
    notices = client.get(f"/t/{SLUG}/api/v1/notifications", headers=guard.headers).get_json()
    texts = [n["text"] for n in (notices.get("items", notices) if isinstance(notices, dict)
                                 else notices)]
    assert any("王建国" in t for t in texts), texts


def test_the_log_exports_by_day_and_the_refusal_list_imports(client, school, guard, officer):
    from plugins.safety.models import GateRefusal

    client.post(f"{API}/gate/visits", headers=guard.headers, json=VISITOR)
    day = datetime.now(ZoneInfo("Asia/Shanghai")).date().isoformat()
    signed_in(client, officer)
    sheet = client.get(f"/t/{SLUG}/m/safety/registers/visits.xlsx?from={day}&to={day}")
    assert sheet.status_code == 200, sheet.get_data(as_text=True)[:300]
    assert sheet.mimetype.endswith("sheet")
    year = client.get(f"/t/{SLUG}/m/safety/registers/visits.xlsx?from=2024-01-01&to={day}")
    assert year.status_code == 400  # at most a year
    upload = xlsx_of([("刘某", "13900139000", "", "曾冒领学生", "2099-01-01"),
                      ("", "", "", "没有身份", None), ("陈某", "123", "", "电话错", None)],
                     ("姓名", "电话", "车牌", "原因", "截止日期"))
    from core.sdk import import_sheet

    with tenant_context(school):
        result = import_sheet("safety.gate_refusals", "r.xlsx", upload, dry_run=False)
        db.session.commit()
        names = list(db.session.scalars(select(GateRefusal.name)))
    assert names == ["刘某"], result
    assert sorted((e["row"], e["column"]) for e in result["errors"]) == [(3, "姓名"), (4, "电话")]


def test_the_guard_s_page_registers_warns_and_checks_out(client, school, guard, officer):
    client.post(f"{API}/gate/refusals", headers=officer.headers,
                json={"name": "钱某", "reason": "曾冒领学生"})
    token = signed_in(client, guard)
    page = client.get(f"/t/{SLUG}/m/safety/gate")
    assert page.status_code == 200 and 'data-testid="gate-register"' in page.get_data(as_text=True)
    form = {"csrf_token": token, "kind": "delivery", "name": "钱某", "phone": "13900139000",
            "companions": "", "organisation": "快递"}
    warned = client.post(f"/t/{SLUG}/m/safety/gate/visits", data=form)
    html = warned.get_data(as_text=True)
    assert warned.status_code == 422 and "曾冒领学生" in html and 'id="override_note"' in html
    bad = client.post(f"/t/{SLUG}/m/safety/gate/visits", data=form | {"companions": "两"})
    assert bad.status_code == 422 and 'data-testid="error-companions"' in bad.get_data(as_text=True)
    let_in = client.post(f"/t/{SLUG}/m/safety/gate/visits",
                         data=form | {"override_note": "校长同意"})
    assert let_in.status_code == 302
    inside = client.get(f"/t/{SLUG}/m/safety/gate").get_data(as_text=True)
    assert "钱某" in inside.split('data-testid="gate-inside"')[1]
    visit = client.get(f"{API}/gate/visits?state=inside", headers=guard.headers).get_json()[0]
    out = client.post(f"/t/{SLUG}/m/safety/gate/visits/{visit['id']}/check-out",
                      data={"csrf_token": token})
    assert out.status_code == 302
    again = client.post(f"/t/{SLUG}/m/safety/gate/visits/{visit['id']}/check-out",
                        data={"csrf_token": token})
    assert again.status_code == 409
    log = client.get(f"/t/{SLUG}/m/safety/gate/log").get_data(as_text=True)
    assert "钱某" in log


def test_district_staff_read_the_log_read_only_and_the_read_is_audited(client, school, guard,
                                                                       make_user):
    client.post(f"{API}/gate/visits", headers=guard.headers, json=VISITOR)
    inspector = make_user(school, district=school.district_id, role="district_inspector",
                          email="inspector@district.test")
    read = client.get(f"{API}/gate/visits", headers=inspector.headers)
    assert read.status_code == 200 and [v["name"] for v in read.get_json()] == ["王建国"]
    assert client.post(f"{API}/gate/visits", headers=inspector.headers,
                       json=VISITOR).status_code == 403
    assert client.post(f"{API}/gate/visits/expected", headers=inspector.headers, json={
        "name": "某人", "expected_on": "2099-01-01"}).status_code == 403
    with tenant_context(school):
        # (the other district read: the guard's registration matching the district's list)
        assert "/api/v1/safety/gate/visits" in db.session.scalars(select(
            AuditEvent.entity_id).where(AuditEvent.action == "district_read")).all()


def test_staff_announce_and_heads_keep_the_list_through_the_pages(client, school, teacher,
                                                                 officer):
    token = signed_in(client, teacher)
    base = f"/t/{SLUG}/m/safety/gate"
    assert client.get(f"{base}/expected").status_code == 200
    day = datetime.now(ZoneInfo("Asia/Shanghai")).date()
    form = {"csrf_token": token, "kind": "visitor", "name": "孙先生", "companions": "1",
            "expected_on": day.isoformat(), "expected_at": "", "host_staff_id": ""}
    refused = client.post(f"{base}/expected", data=form | {"phone": "1234"})
    assert refused.status_code == 422 and 'data-testid="error-phone"' in refused.get_data(
        as_text=True)
    assert client.post(f"{base}/expected", data=form).status_code == 302
    listed = client.get(f"{base}/expected").get_data(as_text=True)
    assert "孙先生" in listed.split('data-testid="expected-today"')[1]
    calendar = client.get(f"/t/{SLUG}/calendar").get_data(as_text=True)
    cell = calendar.split(f'data-date="{day.isoformat()}"')[1].split("</td>")[0]
    assert "孙先生" in cell
    assert client.get(f"{base}/refusals").status_code == 403  # a teacher keeps no gate
    token = signed_in(client, officer)
    entry = {"csrf_token": token, "name": "", "phone": "", "plate": "", "reason": "滋事",
             "until": ""}
    empty = client.post(f"{base}/refusals", data=entry)
    assert empty.status_code == 422 and 'data-testid="error-name"' in empty.get_data(as_text=True)
    assert client.post(f"{base}/refusals", data=entry | {"plate": "京A 1"}).status_code == 302
    page = client.get(f"{base}/refusals").get_data(as_text=True)
    assert "京A1" in page and 'data-testid="refusal-2"' not in page  # no district form
