"""Kitchen staff health: the kitchen's workers from the staff register, their health
certificates with expiry warnings, and the morning check that sends a worker home."""

import io
import uuid
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from core.extensions import db
from core.people import services as people
from core.schools import modules
from core.tenancy import tenant_context
from core.testing import signed_in
from plugins.canteen.models import HealthCertificate, MorningCheck
from plugins.canteen.services import health

from .support import MONDAY, school_today

pytestmark = pytest.mark.houqin_plugins("canteen")

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 40
ZONE = ZoneInfo("Asia/Shanghai")


def at(day: date, hour: int = 7, minute: int = 0) -> str:
    """A moment of the school's morning, as the API takes it."""
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=ZONE).isoformat()


def staff(school, name: str, position: str = "厨师", active: bool = True) -> str:
    with tenant_context(school):
        member = people.create_staff({"name": name, "position": position, "phone": None,
                                      "active": active})
        db.session.commit()
        return str(member.id)


def worker(client, manager, school, name: str, started: date = date(2026, 9, 1)) -> str:
    response = client.post("/api/v1/canteen/kitchen-workers", headers=manager.headers, json={
        "staff_id": staff(school, name), "started_on": started.isoformat()})
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


def certificate(client, manager, worker_id: str, issued: date, until: date, **extra):
    return client.post("/api/v1/canteen/health-certificates", headers=manager.headers, json={
        "worker_id": worker_id, "number": "JK-2026-001", "issued_on": issued.isoformat(),
        "valid_until": until.isoformat(), "issued_by": "区疾病预防控制中心", **extra})


def check(client, manager, worker_id: str, temperature="36.5", day: date = MONDAY, **extra):
    return client.post("/api/v1/canteen/morning-checks", headers=manager.headers, json={
        "day": day.isoformat(), "worker_id": worker_id, "temperature": temperature,
        "checked_by": "张老师", "checked_at": at(day), **extra})


def test_kitchen_workers_come_from_the_staff_register(client, manager, school):
    wang = worker(client, manager, school, "王师傅")
    listed = client.get("/api/v1/canteen/kitchen-workers", headers=manager.headers).get_json()
    assert [(w["name"], w["position"]) for w in listed] == [("王师傅", "厨师")]
    again = client.post("/api/v1/canteen/kitchen-workers", headers=manager.headers, json={
        "staff_id": listed[0]["staff_id"], "started_on": "2026-09-01"})
    assert again.status_code == 409 and "staff_id" in again.get_json()["errors"]
    gone = client.post("/api/v1/canteen/kitchen-workers", headers=manager.headers, json={
        "staff_id": staff(school, "李阿姨", active=False), "started_on": "2026-09-01"})
    assert gone.status_code == 422 and "staff_id" in gone.get_json()["errors"]
    ended = client.patch(f"/api/v1/canteen/kitchen-workers/{wang}", headers=manager.headers,
                         json={"ended_on": "2026-08-01"})
    assert ended.status_code == 422 and "ended_on" in ended.get_json()["errors"]
    ended = client.patch(f"/api/v1/canteen/kitchen-workers/{wang}", headers=manager.headers,
                         json={"ended_on": "2026-11-13"})
    assert ended.status_code == 200
    with tenant_context(school):
        assert [w.name for w in health.workers_on(date(2026, 11, 13))] == ["王师傅"]
        assert health.workers_on(MONDAY) == []


def test_certificates_are_checked_and_warned_before_they_expire(client, manager, school):
    wang, li, _zhao = (worker(client, manager, school, n) for n in ("王师傅", "李阿姨", "赵师傅"))
    today = school_today()
    future = certificate(client, manager, wang, today + timedelta(days=2), today + timedelta(days=300))
    assert future.status_code == 422 and "issued_on" in future.get_json()["errors"]
    backwards = certificate(client, manager, wang, date(2026, 3, 1), date(2026, 2, 1))
    assert backwards.status_code == 422 and "valid_until" in backwards.get_json()["errors"]
    too_long = certificate(client, manager, wang, date(2026, 3, 1), date(2027, 3, 2))
    assert too_long.status_code == 422 and "12" in too_long.get_json()["errors"]["valid_until"][0]
    assert certificate(client, manager, wang, today - timedelta(days=10),
                       today + timedelta(days=200)).status_code == 201
    soon = certificate(client, manager, li, today - timedelta(days=350), today + timedelta(days=5))
    assert soon.status_code == 201
    states = {s["name"]: s for s in client.get("/api/v1/canteen/health-certificates?within_days=30",
                                               headers=manager.headers).get_json()}
    assert {n: s["state"] for n, s in states.items()} == {
        "王师傅": "valid", "李阿姨": "expiring", "赵师傅": "missing"}
    assert states["李阿姨"]["days_left"] == 5
    with tenant_context(school):
        assert [s.worker.name for s in health.expiring_health_certificates(today, 7)] == ["李阿姨"]
        assert [s.worker.name for s in health.expiring_health_certificates(today, 4)] == []
        assert [w.name for w in health.workers_without_certificate(today)] == ["赵师傅"]
    # renewed: the old certificate no longer warns
    certificate(client, manager, li, today, today + timedelta(days=364))
    with tenant_context(school):
        assert health.expiring_health_certificates(today, 30) == []
    # a wrong certificate is voided, not deleted: the worker is then without one
    voided = client.post(f"/api/v1/canteen/health-certificates/{soon.get_json()['id']}/void",
                         headers=manager.headers, json={"reason": "录错了", "voided_by": "张老师"})
    assert voided.status_code == 200 and voided.get_json()["void_reason"] == "录错了"
    twice = client.post(f"/api/v1/canteen/health-certificates/{soon.get_json()['id']}/void",
                        headers=manager.headers, json={"reason": "再次", "voided_by": "张老师"})
    assert twice.status_code == 409
    with tenant_context(school):
        assert db.session.scalar(select(db.func.count(HealthCertificate.id))) == 3
        assert [w.name for w in health.workers_without_certificate(today)] == ["赵师傅"]
    history = client.get(f"/api/v1/canteen/kitchen-workers/{li}/health-certificates",
                         headers=manager.headers).get_json()
    assert [c["void_reason"] for c in history] == [None, "录错了"]


def test_a_worker_without_a_valid_certificate_shows_their_last_one_not_voided(
        client, manager, school):
    wang, li = (worker(client, manager, school, n) for n in ("王师傅", "李阿姨"))
    today = school_today()
    for issued, until in ((800, 440), (400, 40), (420, 60)):  # two years of history, lapsed
        assert certificate(client, manager, wang, today - timedelta(days=issued),
                           today - timedelta(days=until)).status_code == 201
    for who in (wang, li):  # each one's newest, voided: it does not count
        newest = certificate(client, manager, who, today - timedelta(days=30),
                             today + timedelta(days=300)).get_json()["id"]
        assert client.post(f"/api/v1/canteen/health-certificates/{newest}/void",
                           headers=manager.headers, json={"reason": "录错了", "voided_by": "张老师"}
                           ).status_code == 200
    with tenant_context(school):
        states = {s.worker.name: s for s in health.certificate_states(today, 30)}
        assert {n: s.state for n, s in states.items()} == {"王师傅": "expired", "李阿姨": "missing"}
        assert states["王师傅"].certificate.valid_until == today - timedelta(days=40)
        assert states["李阿姨"].certificate is None


def test_a_certificate_scan_is_an_image_or_a_pdf(client, manager, school):
    wang = worker(client, manager, school, "王师傅")
    created = certificate(client, manager, wang, date(2026, 3, 1), date(2027, 2, 28)).get_json()
    url = f"/api/v1/canteen/health-certificates/{created['id']}/scan"
    assert client.get(url, headers=manager.headers).status_code == 404  # none yet
    missing = client.put(url, headers=manager.headers, data={})
    assert missing.status_code == 422 and "scan" in missing.get_json()["errors"]
    text = client.put(url, headers=manager.headers,
                      data={"scan": (io.BytesIO(b"hello"), "scan.png")})
    assert text.status_code == 415 and "scan" in text.get_json()["errors"]
    uploaded = client.put(url, headers=manager.headers, data={"scan": (io.BytesIO(PNG), "健康证.png")})
    assert uploaded.status_code == 200 and uploaded.get_json()["scan_id"]
    served = client.get(url, headers=manager.headers)
    assert served.status_code == 200 and served.data == PNG and served.mimetype == "image/png"


def test_the_morning_check_passes_or_sends_the_worker_home(client, manager, school):
    names = ("王师傅", "李阿姨", "赵师傅", "钱师傅", "孙师傅", "周师傅")
    ids = dict(zip(names, (worker(client, manager, school, n) for n in names), strict=True))
    assert check(client, manager, ids["王师傅"], "36.5").get_json()["passed"] is True
    fever = check(client, manager, ids["李阿姨"], "37.3").get_json()  # at the threshold fails
    assert (fever["passed"], fever["failed_because"], fever["fever_from"]) == (
        False, ["temperature"], "37.3")
    ill = check(client, manager, ids["赵师傅"], "36.6", symptoms=["diarrhoea"]).get_json()
    assert (ill["passed"], ill["failed_because"]) == (False, ["diarrhoea"])
    assert check(client, manager, ids["钱师傅"], "36.4", hand_wound="open"
                 ).get_json()["failed_because"] == ["open_hand_wound"]
    assert check(client, manager, ids["孙师傅"], "36.4", hand_wound="covered"
                 ).get_json()["passed"] is True
    day = client.get(f"/api/v1/canteen/morning-checks?day={MONDAY}",
                     headers=manager.headers).get_json()
    by_id = {v: k for k, v in ids.items()}
    assert sorted(by_id[i] for i in day["on_duty"]) == ["孙师傅", "王师傅"]
    assert sorted(by_id[i] for i in day["off_work"]) == ["李阿姨", "赵师傅", "钱师傅"]
    assert [by_id[i] for i in day["missing"]] == ["周师傅"]
    assert len(day["without_certificate"]) == 6
    with tenant_context(school):
        assert sorted(w.name for w in health.off_work(MONDAY)) == ["李阿姨", "赵师傅", "钱师傅"]
    second = check(client, manager, ids["王师傅"], "36.7")
    assert second.status_code == 409 and "worker_id" in second.get_json()["errors"]


def test_the_day_lists_a_worker_checked_then_gone_but_warns_only_of_those_expected(
        client, manager, school):
    wang, li = (worker(client, manager, school, n) for n in ("王师傅", "李阿姨"))
    for who in (wang, li):
        assert certificate(client, manager, who, MONDAY - timedelta(days=300),
                           MONDAY + timedelta(days=10)).status_code == 201
        assert check(client, manager, who).status_code == 201
    with tenant_context(school):
        health.update_worker(uuid.UUID(li), {"ended_on": MONDAY - timedelta(days=1)})
        db.session.commit()
        checks = health.day_checks(MONDAY)
        assert [(w.worker.name, w.expected) for w in checks.workers] == [
            ("王师傅", True), ("李阿姨", False)]
        assert [s.worker.name for s in checks.expiring_certificates(30)] == ["王师傅"]
        assert checks.expiring_certificates(30) == health.expiring_health_certificates(MONDAY, 30)
        assert checks.expiring_certificates(9) == []


@pytest.mark.parametrize(("body", "field"), [
    ({"temperature": "43.1"}, "temperature"), ({"temperature": "33.9"}, "temperature"),
    ({"temperature": "abc"}, "temperature"), ({"symptoms": ["headache"]}, "symptoms"),
    ({"symptoms": ["other"]}, "other_symptom"), ({"hand_wound": "bleeding"}, "hand_wound"),
    ({"checked_at": at(MONDAY - timedelta(days=1))}, "checked_at"),
    ({"checked_by": ""}, "checked_by")])
def test_a_bad_morning_check_is_refused_by_field(client, manager, school, body, field):
    wang = worker(client, manager, school, "王师傅")
    refused = check(client, manager, wang, **body)
    assert refused.status_code == 422 and field in refused.get_json()["errors"], refused.get_json()
    with tenant_context(school):
        assert db.session.scalars(select(MorningCheck)).all() == []


def test_only_kitchen_workers_of_that_day_are_checked(client, manager, school):
    late = worker(client, manager, school, "王师傅", started=MONDAY + timedelta(days=1))
    refused = check(client, manager, late)
    assert refused.status_code == 422 and "worker_id" in refused.get_json()["errors"]
    unknown = check(client, manager, "0190a000-0000-7000-8000-000000000000")
    assert unknown.status_code == 422 and "worker_id" in unknown.get_json()["errors"]


def test_an_amendment_corrects_a_check_and_keeps_what_it_said(client, manager, school):
    wang = worker(client, manager, school, "王师傅")
    wrong = check(client, manager, wang, "38.6").get_json()
    assert wrong["passed"] is False
    no_reason = client.post(f"/api/v1/canteen/morning-checks/{wrong['id']}/amend",
                            headers=manager.headers, json={"temperature": "36.8",
                                                           "amended_by": "张老师"})
    assert no_reason.status_code == 422 and "reason" in no_reason.get_json()["errors"]
    amended = client.post(f"/api/v1/canteen/morning-checks/{wrong['id']}/amend",
                          headers=manager.headers, json={
                              "temperature": "36.8", "reason": "把36.8录成了38.6",
                              "amended_by": "张老师"})
    assert amended.status_code == 200
    body = amended.get_json()
    assert (body["passed"], body["temperature"]) == (True, "36.8")
    [history] = body["amendments"]
    assert history["before"]["temperature"] == "38.6" and history["before"]["passed"] is False
    assert history["reason"] == "把36.8录成了38.6" and history["amended_by"] == "张老师"
    day = client.get(f"/api/v1/canteen/morning-checks?day={MONDAY}",
                     headers=manager.headers).get_json()
    assert day["on_duty"] == [wang] and day["off_work"] == []


def test_the_fever_threshold_is_a_school_setting(client, manager, school):
    with tenant_context(school):
        modules.update_settings("canteen", {"fever_from": "37.5"})
        db.session.commit()
        with pytest.raises(modules.ModuleError, match="fails from this temperature") as caught:
            modules.update_settings("canteen", {"fever_from": "41"})
        assert "fever_from" in caught.value.messages  # the form marks the field by its key
        db.session.rollback()
    wang = worker(client, manager, school, "王师傅")
    assert check(client, manager, wang, "37.4").get_json()["passed"] is True


def test_the_morning_check_page_takes_quick_entries(client, manager, school):
    wang, li = worker(client, manager, school, "王师傅"), worker(client, manager, school, "李阿姨")
    token = signed_in(client, manager)
    home = client.get("/t/canteen-school/").get_data(as_text=True)
    assert "/m/canteen/morning-checks" in home and "/m/canteen/hygiene" in home
    page = client.get("/t/canteen-school/m/canteen/morning-checks")
    assert page.status_code == 200 and f'id="w{wang}_temperature"' in page.get_data(as_text=True)
    refused = client.post("/t/canteen-school/m/canteen/morning-checks", data={
        "csrf_token": token, "worker_id": wang, f"w{wang}_temperature": "48"})
    assert refused.status_code == 422
    assert f'data-testid="error-w{wang}_temperature"' in refused.get_data(as_text=True)
    assert client.post("/t/canteen-school/m/canteen/morning-checks", data={
        "csrf_token": token, "worker_id": wang, f"w{wang}_temperature": "36.4"}).status_code == 302
    assert client.post("/t/canteen-school/m/canteen/morning-checks", data={
        "csrf_token": token, "worker_id": li, f"w{li}_temperature": "36.4",
        f"w{li}_symptoms": ["vomiting"], f"w{li}_hand_wound": "none"}).status_code == 302
    text = client.get("/t/canteen-school/m/canteen/morning-checks").get_data(as_text=True)
    assert 'data-status="on_duty"' in text and 'data-status="off_work"' in text
    with tenant_context(school):
        today = datetime.now(ZONE).date()
        checks = health.day_checks(today)
        assert [w.worker.name for w in checks.off_work] == ["李阿姨"]
        assert checks.off_work[0].check.checked_by == "canteen_manager"


def test_the_kitchen_staff_page_adds_workers_and_certificates(client, manager, school):
    staff_id = staff(school, "王师傅")
    token = signed_in(client, manager)
    added = client.post("/t/canteen-school/m/canteen/kitchen-staff", data={
        "csrf_token": token, "worker_staff_id": staff_id, "worker_started_on": "2026-09-01"})
    assert added.status_code == 302
    worker_id = client.get("/api/v1/canteen/kitchen-workers",
                           headers=manager.headers).get_json()[0]["id"]
    bad = client.post("/t/canteen-school/m/canteen/health-certificates", data={
        "csrf_token": token, "certificate_worker_id": worker_id, "certificate_number": "JK-1",
        "certificate_issued_on": "2026-03-01", "certificate_valid_until": "2028-03-01",
        "certificate_issued_by": "区疾控中心"})
    assert bad.status_code == 422
    assert 'data-testid="error-certificate_valid_until"' in bad.get_data(as_text=True)
    good = client.post("/t/canteen-school/m/canteen/health-certificates", data={
        "csrf_token": token, "certificate_worker_id": worker_id, "certificate_number": "JK-1",
        "certificate_issued_on": "2026-03-01", "certificate_valid_until": "2027-02-28",
        "certificate_issued_by": "区疾控中心",
        "certificate_scan": (io.BytesIO(PNG), "scan.png")}, content_type="multipart/form-data")
    assert good.status_code == 302
    text = client.get("/t/canteen-school/m/canteen/kitchen-staff").get_data(as_text=True)
    assert "JK-1" in text and "/scan" in text and "王师傅" in text
    with tenant_context(school):
        [kept] = db.session.scalars(select(HealthCertificate)).all()
        assert kept.scan_id is not None
    assert client.get(f"/t/canteen-school/m/canteen/health-certificates/{kept.id}/scan"
                      ).data == PNG


def test_the_registers_export_checks_and_certificates(client, manager, school):
    wang = worker(client, manager, school, "王师傅")
    certificate(client, manager, wang, date(2026, 3, 1), date(2027, 2, 28))
    check(client, manager, wang, "37.9", symptoms=["sore_throat_with_fever"])
    checks = client.get("/api/v1/canteen/exports/morning_checks.xlsx?start=2026-11-01"
                        "&end=2026-11-30", headers=manager.headers)
    rows = list(load_workbook(io.BytesIO(checks.data)).active.values)
    assert rows[0][:3] == ("Day", "Full name", "Temperature (°C)")
    assert rows[1][1:4] == ("王师傅", 37.9, "Sore throat with fever")
    assert rows[1][6] == "off work"
    certificates = client.get("/api/v1/canteen/exports/health_certificates.xlsx?start=2026-11-01"
                              "&end=2026-11-30", headers=manager.headers)
    rows = list(load_workbook(io.BytesIO(certificates.data)).active.values)
    assert rows[1][:2] == ("王师傅", "JK-2026-001")


def test_who_may_read_and_who_may_record(client, manager, school, make_user):
    wang = worker(client, manager, school, "王师傅")
    nurse, teacher = make_user(school, "nurse"), make_user(school, "class_teacher")
    inspector = make_user(school, "district_inspector", district=school.district_id)
    assert check(client, nurse, wang).status_code == 201
    assert client.get(f"/api/v1/canteen/morning-checks?day={MONDAY}",
                      headers=teacher.headers).status_code == 403
    readable = client.get(f"/api/v1/canteen/morning-checks?day={MONDAY}",
                          headers=inspector.headers)
    assert readable.status_code == 200 and readable.get_json()["on_duty"] == [wang]
    assert record_refused(client, inspector) == 403


def record_refused(client, user) -> int:
    return client.post("/api/v1/canteen/disinfections", headers=user.headers, json={
        "day": MONDAY.isoformat(), "slot": "lunch", "method": "boiling", "temperature": "100",
        "minutes": 10, "done_by": "x"}).status_code
