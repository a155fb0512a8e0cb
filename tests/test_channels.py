"""Notification channels: a school sends the kinds of notice it chooses to e-mail and to
企业微信/钉钉 group robots, as jobs, with secrets kept out of answers, logs and the audit.

The robots are a local HTTP receiver (tests/channel_receiver.py); nothing reaches the internet.
"""

import base64
import hashlib
import hmac
import logging
import time
import uuid
from urllib.parse import quote

import pytest
from sqlalchemy import select

from core.audit import AuditEvent
from core.extensions import db
from core.jobs.models import JobRun, JobStatus
from core.mail import OutboxMail
from core.notifications import delivery, services
from core.notifications.models import NotificationChannel
from core.notifications.robots import dingtalk_sign
from core.tenancy import tenant_context
from core.testing import run_jobs, signed_in
from tests import channel_receiver

pytestmark = pytest.mark.houqin_plugins("canteen")

WECOM_KEY = "693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa"
DING_TOKEN = "d1n9t0k3nd1n9t0k3nd1n9t0k3n"
DING_SECRET = "SECexample0123456789"
SECRETS = (WECOM_KEY, DING_TOKEN, DING_SECRET)
API = "/api/v1/notification-channels"


@pytest.fixture
def receiver(app, monkeypatch):
    app.config["CHANNEL_LOCAL_HOSTS"] = ["127.0.0.1"]
    monkeypatch.setenv("HOUQIN_LOCALE", "en")  # the jobs' language, for the assertions
    found, server = channel_receiver.start()
    yield found
    server.shutdown()
    server.server_close()


@pytest.fixture
def school(app, make_school):
    return make_school("channels", modules=("canteen",))


@pytest.fixture
def admin(school, make_user):
    return make_user(school, "school_admin")


def add(client, admin, body, status=201):
    answer = client.post(API, json=body, headers=admin.headers)
    assert answer.status_code == status, answer.get_json()
    return answer.get_json()


def robots(client, admin, receiver):
    wecom = add(client, admin, {"kind": "wecom", "title": "厨房群", "notices": ["canteen"],
                                "settings": {"webhook": receiver.robot("wecom", WECOM_KEY)}})
    ding = add(client, admin, {"kind": "dingtalk", "title": "行政群", "notices": ["core"],
                               "settings": {"webhook": receiver.robot("ding", DING_TOKEN),
                                            "secret": DING_SECRET, "keyword": "后勤",
                                            "format": "text"}})
    mail = add(client, admin, {"kind": "email", "title": "Office",
                               "settings": {"to": ["office@school.test"]}})
    return wecom, ding, mail


def test_each_notice_goes_to_the_channels_that_take_its_kind(app, client, school, admin,
                                                            receiver):
    wecom, _ding, mail = robots(client, admin, receiver)
    assert mail["notices"] == ["canteen", "core"]  # every kind, when none is chosen
    with tenant_context(school):
        services.notify("kitchen:1", "canteen.read", "%(count)s samples are missing",
                        {"count": 2}, source="canteen")
        services.notify("office:1", "core.self", "The boiler is serviced on Friday")
        db.session.commit()
        assert len(db.session.scalars(select(JobRun)).all()) == 4  # none sent in the request
    assert receiver.received == []
    run_jobs(app)
    assert [r.body for r in receiver.on("wecom")] == [{"msgtype": "markdown", "markdown": {
        "content": "### Canteen reminders\n2 samples are missing"}}]
    assert [r.body for r in receiver.on("ding")] == [{"msgtype": "text", "text": {
        "content": "后勤 School notices\nThe boiler is serviced on Friday"}}]
    with tenant_context(school):
        sent = sorted(m.body for m in db.session.scalars(select(OutboxMail)))
        assert sent == ["2 samples are missing", "The boiler is serviced on Friday"]
        # The same notice raised again unchanged is not sent again; a changed one is.
        services.notify("kitchen:1", "canteen.read", "%(count)s samples are missing",
                        {"count": 2}, source="canteen")
        db.session.commit()
        run_jobs(app)
        assert len(receiver.on("wecom")) == 1
        services.notify("kitchen:1", "canteen.read", "%(count)s samples are missing",
                        {"count": 3}, source="canteen")
        db.session.commit()
    run_jobs(app)
    assert receiver.on("wecom")[-1].body["markdown"]["content"].endswith("3 samples are missing")
    # A channel switched off receives nothing.
    client.patch(f"{API}/{wecom['id']}", json={"enabled": False}, headers=admin.headers)
    with tenant_context(school):
        services.notify("kitchen:2", "canteen.read", "Hygiene records are missing", {},
                        source="canteen")
        db.session.commit()
    run_jobs(app)
    assert len(receiver.on("wecom")) == 2


def test_the_dingtalk_signature_is_the_documented_one(app, client, school, admin, receiver):
    # A vector computed apart from the code under test (openssl dgst -sha256 -hmac ... | base64).
    assert dingtalk_sign(DING_SECRET, 1700000000000) == \
        "figG6qqCA%2FlRh0hsGCW2zNtNV5znkAFut5BI0zKhqnQ%3D"
    _wecom, ding, _mail = robots(client, admin, receiver)
    before = int(time.time() * 1000)
    assert client.post(f"{API}/{ding['id']}/test", headers=admin.headers).status_code == 202
    run_jobs(app)
    [got] = receiver.on("ding")
    assert got.query["access_token"] == DING_TOKEN
    stamp = int(got.query["timestamp"])
    assert before <= stamp <= int(time.time() * 1000)
    expected = base64.b64encode(hmac.new(DING_SECRET.encode(), f"{stamp}\n{DING_SECRET}".encode(),
                                         hashlib.sha256).digest()).decode()
    assert got.query["sign"] == expected  # parse_qs undid the URL encoding
    assert quote(expected, safe="") == dingtalk_sign(DING_SECRET, stamp)
    assert got.body["text"]["content"].startswith("后勤 Houqin test message")


def test_a_refused_send_is_retried_then_listed_as_failed_with_its_reason(
        app, client, school, admin, receiver, caplog):
    wecom, _ding, _mail = robots(client, admin, receiver)
    receiver.answers = [93000]  # refused once, then sent
    with tenant_context(school):
        services.notify("kitchen:1", "canteen.read", "Samples", {}, source="canteen")
        db.session.commit()
    run_jobs(app)
    with tenant_context(school):
        [run] = [r for r in db.session.scalars(select(JobRun)) if r.args[0] == wecom["id"]]
        assert (run.status, run.attempts) == (JobStatus.FINISHED, 2)
        assert "errcode 93000" in run.error
    assert len(receiver.on("wecom")) == 2
    receiver.always = 310000
    caplog.set_level(logging.DEBUG)
    job = client.post(f"{API}/{wecom['id']}/test", headers=admin.headers).get_json()["job_id"]
    run_jobs(app)
    failed = client.get("/api/v1/jobs?status=failed", headers=admin.headers).get_json()
    assert [j["id"] for j in failed] == [job]
    assert failed[0]["attempts"] == 4
    assert failed[0]["message"] == ("ChannelFailed: WeCom refused the message: errcode 310000"
                                    " (keywords not in content).")
    with tenant_context(school):
        error = db.session.scalar(select(JobRun.error).where(JobRun.id == uuid.UUID(job)))
    for secret in SECRETS:
        assert secret not in error
        assert secret not in caplog.text


def test_an_unreachable_robot_fails_with_its_address_redacted(app, client, school, admin,
                                                             receiver, caplog):
    wecom = add(client, admin, {"kind": "wecom", "title": "Gone", "settings": {
        "webhook": f"http://127.0.0.1:9/wecom?key={WECOM_KEY}"}})
    caplog.set_level(logging.DEBUG)
    job = client.post(f"{API}/{wecom['id']}/test", headers=admin.headers).get_json()["job_id"]
    run_jobs(app)
    one = client.get(f"/api/v1/jobs/{job}", headers=admin.headers).get_json()
    assert one["status"] == "failed"
    assert "could not be reached at http://127.0.0.1:9/wecom?key=…5aaa" in one["message"]
    assert WECOM_KEY not in str(one) and WECOM_KEY not in caplog.text


def test_secrets_are_never_shown_logged_or_audited(app, client, school, admin, receiver,
                                                    caplog):
    caplog.set_level(logging.DEBUG)
    _wecom, ding, _mail = robots(client, admin, receiver)
    assert ding["settings"]["webhook"] == f"{receiver.url}/ding?access_token=…0k3n"
    assert ding["settings"]["secret"] == "…6789"
    listed = client.get(API, headers=admin.headers)
    # A change that leaves the secrets out (or sends them back masked) keeps them.
    changed = client.patch(f"{API}/{ding['id']}", json={"title": "行政", "settings": {
        "webhook": ding["settings"]["webhook"], "keyword": "通知"}}, headers=admin.headers)
    assert changed.status_code == 200, changed.get_json()
    with tenant_context(school):
        stored = db.session.scalar(select(NotificationChannel).where(
            NotificationChannel.id == uuid.UUID(ding["id"]))).settings
        assert (stored["webhook"], stored["secret"], stored["keyword"]) == (
            receiver.robot("ding", DING_TOKEN), DING_SECRET, "通知")
        audited = " ".join(f"{e.before} {e.after}" for e in db.session.scalars(
            select(AuditEvent).where(AuditEvent.entity == "notification_channels")))
        assert "[redacted]" in audited
    signed_in(client, admin)
    page = client.get("/t/channels/notification-channels")
    edit = client.get(f"/t/channels/notification-channels/{ding['id']}")
    assert edit.status_code == 200 and "…6789" in edit.get_data(as_text=True)
    for text in (listed.get_data(as_text=True), changed.get_data(as_text=True),
                 page.get_data(as_text=True), edit.get_data(as_text=True), audited, caplog.text):
        for secret in SECRETS:
            assert secret not in text


@pytest.mark.parametrize("body, field", [
    ({"kind": "wecom", "title": "x", "settings": {
        "webhook": "http://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k"}}, "settings.webhook"),
    ({"kind": "wecom", "title": "x", "settings": {
        "webhook": "https://intranet.school.test/send?key=k"}}, "settings.webhook"),
    ({"kind": "dingtalk", "title": "x", "settings": {
        "webhook": "https://oapi.dingtalk.com/robot/send?access_token=t", "secret": "nosec"}},
     "settings.secret"),
    ({"kind": "wecom", "title": "x", "settings": {}}, "settings.webhook"),
    ({"kind": "email", "title": "x", "settings": {"to": ["not an address"]}}, "settings.to"),
    ({"kind": "fax", "title": "x", "settings": {}}, "kind"),
    ({"kind": "email", "title": "", "settings": {"to": ["a@b.test"]}}, "title"),
    ({"kind": "email", "title": "x", "notices": ["gossip"], "settings": {"to": ["a@b.test"]}},
     "notices"),
])
def test_bad_input_is_refused_naming_the_field(app, client, school, admin, body, field):
    answer = client.post(API, json=body, headers=admin.headers)
    assert answer.status_code == 422
    assert field in answer.get_json()["errors"], answer.get_json()
    with tenant_context(school):
        assert db.session.scalars(select(NotificationChannel)).all() == []


def test_plain_http_is_refused_for_loopback_unless_the_deployment_allows_it(app, client,
                                                                          school, admin):
    body = {"kind": "wecom", "title": "x", "settings": {
        "webhook": "http://127.0.0.1:8080/wecom?key=k"}}
    assert client.post(API, json=body, headers=admin.headers).status_code == 422
    app.config["CHANNEL_LOCAL_HOSTS"] = ["127.0.0.1"]
    assert client.post(API, json=body, headers=admin.headers).status_code == 201
    ok = {"kind": "wecom", "title": "y", "settings": {
        "webhook": "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k"}}
    assert client.post(API, json=ok, headers=admin.headers).status_code == 201


def test_only_the_schools_own_admin_sees_or_changes_its_channels(
        app, client, school, admin, receiver, make_school, make_user):
    wecom, _ding, _mail = robots(client, admin, receiver)
    teacher = make_user(school, "class_teacher")
    assert client.get(API, headers=teacher.headers).status_code == 403
    other = make_user(make_school("elsewhere"), "school_admin")
    assert client.get(API, headers=other.headers).get_json() == []
    for method, path, body in [("GET", "", None), ("PATCH", "", {"title": "mine"}),
                               ("DELETE", "", None), ("POST", "/test", None)]:
        answer = client.open(f"{API}/{wecom['id']}{path}", method=method, json=body,
                             headers=other.headers)
        assert answer.status_code == 404
    with tenant_context(school):
        assert delivery.channel(uuid.UUID(wecom["id"])).title == "厨房群"
        assert db.session.scalars(select(JobRun)).all() == []


def test_the_page_adds_a_robot_keeps_its_secret_and_sends_a_test(app, client, school, admin,
                                                                 receiver):
    csrf = signed_in(client, admin)
    base = "/t/channels/notification-channels"
    refused = client.post(f"{base}/new/dingtalk", data={
        "csrf_token": csrf, "title": "行政群", "enabled": "on", "notices": "canteen",
        "settings.webhook": "https://example.test/robot/send?access_token=x",
        "settings.format": "markdown"})
    assert refused.status_code == 422
    assert 'data-testid="error-settings.webhook"' in refused.get_data(as_text=True)
    made = client.post(f"{base}/new/dingtalk", data={
        "csrf_token": csrf, "title": "行政群", "enabled": "on", "notices": "canteen",
        "settings.webhook": receiver.robot("ding", DING_TOKEN),
        "settings.secret": DING_SECRET, "settings.format": "markdown"})
    assert made.status_code == 302, made.get_data(as_text=True)
    with tenant_context(school):
        found = db.session.scalar(select(NotificationChannel))
    assert (found.notices, found.enabled) == (["canteen"], True)
    edited = client.post(f"{base}/{found.id}", data={
        "csrf_token": csrf, "title": "行政", "notices": ["canteen", "core"],
        "settings.webhook": "", "settings.secret": "", "settings.keyword": "后勤",
        "settings.format": "text"})
    assert edited.status_code == 302
    db.session.expire_all()
    with tenant_context(school):
        found = db.session.scalar(select(NotificationChannel))
        assert found.settings["secret"] == DING_SECRET
        assert found.settings["webhook"] == receiver.robot("ding", DING_TOKEN)
        assert (found.title, found.enabled, found.notices) == ("行政", False, ["canteen", "core"])
    tested = client.post(f"{base}/{found.id}/test", data={"csrf_token": csrf})
    assert tested.status_code == 302
    run_jobs(app)
    assert receiver.on("ding")[0].body["text"]["content"].startswith("后勤 ")
    shown = client.get(tested.headers["Location"]).get_data(as_text=True)
    assert 'data-testid="test-status"' in shown
    removed = client.post(f"{base}/{found.id}/remove", data={"csrf_token": csrf})
    assert removed.status_code == 302
    with tenant_context(school):
        assert db.session.scalars(select(NotificationChannel)).all() == []
