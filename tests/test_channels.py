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
from core.notifications import delivery, sealing, services
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


def signed_in_in_english(client, user) -> str:
    """Signed in with English chosen on this browser, as the assertions read the pages."""
    csrf = signed_in(client, user)
    with client.session_transaction() as session:
        session["locale"] = "en"
    return csrf


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
    wecom = add(client, admin, {"kind": "wecom", "title": "厨房群",
                                "notices": ["canteen.food_safety"],
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
    assert mail["notices"] == ["canteen.certificates", "canteen.counts",
                               "canteen.food_safety", "canteen.stock", "core"]  # every kind
    with tenant_context(school):
        services.notify("kitchen:1", "canteen.read", "%(count)s samples are missing",
                        {"count": 2}, source="canteen", kind="canteen.food_safety")
        # Stock past its date is another kind: not for the kitchen's group.
        services.notify("store:1", "canteen.read", "Rice is past its date", {},
                        source="canteen", kind="canteen.stock")
        services.notify("office:1", "core.self", "The boiler is serviced on Friday")
        db.session.commit()
        assert len(db.session.scalars(select(JobRun)).all()) == 5  # none sent in the request
    assert receiver.received == []
    run_jobs(app)
    assert [r.body for r in receiver.on("wecom")] == [{"msgtype": "markdown", "markdown": {
        "content": "### Canteen food-safety warnings (samples, hygiene)\n"
                   "2 samples are missing"}}]
    assert [r.body for r in receiver.on("ding")] == [{"msgtype": "text", "text": {
        "content": "后勤 School notices\nThe boiler is serviced on Friday"}}]
    with tenant_context(school):
        sent = sorted(m.body for m in db.session.scalars(select(OutboxMail)))
        assert sent == ["2 samples are missing", "Rice is past its date",
                        "The boiler is serviced on Friday"]
        # The same notice raised again unchanged is not sent again; a changed one is.
        services.notify("kitchen:1", "canteen.read", "%(count)s samples are missing",
                        {"count": 2}, source="canteen", kind="canteen.food_safety")
        db.session.commit()
        run_jobs(app)
        assert len(receiver.on("wecom")) == 1
        services.notify("kitchen:1", "canteen.read", "%(count)s samples are missing",
                        {"count": 3}, source="canteen", kind="canteen.food_safety")
        db.session.commit()
    run_jobs(app)
    assert receiver.on("wecom")[-1].body["markdown"]["content"].endswith("3 samples are missing")
    # A channel switched off receives nothing.
    answer = client.patch(f"{API}/{wecom['id']}", json={"enabled": False,
                                                        "version": wecom["version"]},
                          headers=admin.headers)
    assert answer.status_code == 200, answer.get_json()
    with tenant_context(school):
        services.notify("kitchen:2", "canteen.read", "Hygiene records are missing", {},
                        source="canteen", kind="canteen.food_safety")
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
        services.notify("kitchen:1", "canteen.read", "Samples", {}, source="canteen",
                        kind="canteen.food_safety")
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


def stored(school, channel_id) -> NotificationChannel:
    db.session.expire_all()
    with tenant_context(school):
        return db.session.scalar(select(NotificationChannel).where(
            NotificationChannel.id == uuid.UUID(channel_id)))


def test_secrets_are_sealed_write_only_and_never_logged_or_audited(
        app, client, school, admin, receiver, caplog):
    caplog.set_level(logging.DEBUG)
    _wecom, ding, _mail = robots(client, admin, receiver)
    assert ding["settings"] == {"keyword": "后勤", "format": "text"}
    assert ding["secrets"] == {"webhook": "set", "secret": "set"}
    found = stored(school, ding["id"])
    # At rest: neither in the plain settings nor readable in the sealed column.
    assert set(found.settings) == {"keyword", "format"}
    sealed = found.secrets
    assert sealed.startswith("v1.")
    for secret in SECRETS:
        assert secret not in sealed
    listed = client.get(API, headers=admin.headers)
    # A change that leaves the secrets out (or sends them empty) keeps them.
    changed = client.patch(f"{API}/{ding['id']}", json={
        "title": "行政", "version": ding["version"],
        "settings": {"webhook": "", "keyword": "通知"}}, headers=admin.headers)
    assert changed.status_code == 200, changed.get_json()
    assert changed.get_json()["secrets"] == {"webhook": "set", "secret": "set"}
    assert stored(school, ding["id"]).secrets == sealed  # not sealed anew for nothing
    with tenant_context(school):
        audited = " ".join(f"{e.before} {e.after}" for e in db.session.scalars(
            select(AuditEvent).where(AuditEvent.entity == "notification_channels")))
        assert "[redacted]" in audited
    assert client.post(f"{API}/{ding['id']}/test", headers=admin.headers).status_code == 202
    run_jobs(app)
    [got] = receiver.on("ding")
    assert got.query["access_token"] == DING_TOKEN and got.query["sign"]
    assert got.body["text"]["content"].startswith("通知 ")
    signed_in_in_english(client, admin)
    page = client.get("/t/channels/notification-channels")
    edit = client.get(f"/t/channels/notification-channels/{ding['id']}")
    assert edit.status_code == 200
    assert "Set. Leave empty to keep it." in edit.get_data(as_text=True)
    for text in (listed.get_data(as_text=True), changed.get_data(as_text=True),
                 page.get_data(as_text=True), edit.get_data(as_text=True), audited, caplog.text):
        for secret in SECRETS:
            assert secret not in text
        assert "…0k3n" not in text  # not even its last characters


def test_a_dingtalk_signing_secret_can_be_cleared(app, client, school, admin, receiver):
    _wecom, ding, _mail = robots(client, admin, receiver)
    # null clears an optional secret; a required one cannot be cleared.
    refused = client.patch(f"{API}/{ding['id']}", json={
        "version": ding["version"], "settings": {"webhook": None}}, headers=admin.headers)
    assert refused.status_code == 422
    assert "settings.webhook" in refused.get_json()["errors"]
    cleared = client.patch(f"{API}/{ding['id']}", json={
        "version": ding["version"], "settings": {"secret": None}}, headers=admin.headers)
    assert cleared.status_code == 200, cleared.get_json()
    assert cleared.get_json()["secrets"] == {"webhook": "set", "secret": "not set"}
    client.post(f"{API}/{ding['id']}/test", headers=admin.headers)
    run_jobs(app)
    [got] = receiver.on("ding")
    assert "sign" not in got.query and got.query["access_token"] == DING_TOKEN
    # On the page: its "clear" box.
    again = client.patch(f"{API}/{ding['id']}", json={
        "version": cleared.get_json()["version"], "settings": {"secret": DING_SECRET}},
        headers=admin.headers).get_json()
    assert again["secrets"]["secret"] == "set"
    csrf = signed_in_in_english(client, admin)
    base = f"/t/channels/notification-channels/{ding['id']}"
    assert 'data-testid="clear-secret"' in client.get(base).get_data(as_text=True)
    posted = client.post(base, data={
        "csrf_token": csrf, "version": str(again["version"]), "title": "行政群",
        "enabled": "on", "notices": "core", "settings.webhook": "", "settings.secret": "",
        "settings.keyword": "", "settings.format": "text", "clear": "secret"})
    assert posted.status_code == 302, posted.get_data(as_text=True)
    assert stored(school, ding["id"]).secrets is not None
    assert client.get(f"{API}/{ding['id']}", headers=admin.headers).get_json()["secrets"] == {
        "webhook": "set", "secret": "not set"}


def test_a_stale_edit_is_refused_with_409_on_the_api_and_the_page(app, client, school, admin,
                                                                 receiver):
    _wecom, ding, _mail = robots(client, admin, receiver)
    path = f"{API}/{ding['id']}"
    unversioned = client.patch(path, json={"title": "x"}, headers=admin.headers)
    assert unversioned.status_code == 422 and "version" in unversioned.get_json()["errors"]
    first = client.patch(path, json={"title": "甲", "version": ding["version"]},
                         headers=admin.headers)
    assert first.status_code == 200 and first.get_json()["version"] == ding["version"] + 1
    stale = client.patch(path, json={"title": "乙", "version": ding["version"]},
                         headers=admin.headers)
    assert stale.status_code == 409
    assert "version" in stale.get_json()["errors"]
    assert stored(school, ding["id"]).title == "甲"
    # The page read before the first change is refused too, with a way back.
    csrf = signed_in_in_english(client, admin)
    page = client.post(f"/t/channels/notification-channels/{ding['id']}", data={
        "csrf_token": csrf, "version": str(ding["version"]), "title": "丙", "enabled": "on",
        "notices": "core", "settings.format": "text"})
    assert page.status_code == 409
    shown = page.get_data(as_text=True)
    assert 'data-testid="error-version"' in shown
    assert "Someone else changed this channel meanwhile" in shown
    assert stored(school, ding["id"]).title == "甲"


def test_a_changed_secret_key_asks_for_the_secret_again_and_a_fallback_keeps_it(
        app, client, school, admin, receiver):
    wecom, _ding, _mail = robots(client, admin, receiver)
    old_key = app.config["SECRET_KEY"]
    app.config["SECRET_KEY"] = "a-new-key-after-a-leak"
    shown = client.get(f"{API}/{wecom['id']}", headers=admin.headers)
    assert shown.status_code == 200
    assert shown.get_json()["secrets"] == {"webhook": "re-enter"}
    csrf = signed_in_in_english(client, admin)
    page = client.get(f"/t/channels/notification-channels/{wecom['id']}")
    assert page.status_code == 200 and 'data-testid="needs-secrets"' in page.get_data(
        as_text=True)
    listed = client.get("/t/channels/notification-channels").get_data(as_text=True)
    assert f'data-testid="needs-secrets-{wecom["id"]}"' in listed
    job = client.post(f"{API}/{wecom['id']}/test", headers=admin.headers).get_json()["job_id"]
    run_jobs(app)
    one = client.get(f"/api/v1/jobs/{job}", headers=admin.headers).get_json()
    assert one["status"] == "failed"
    assert "secret must be re-entered" in one["message"]
    assert receiver.on("wecom") == []
    # With the old key as a fallback, the secret is read, and sealed again with the new key.
    app.config["SECRET_KEY_FALLBACKS"] = [old_key]
    assert client.get(f"{API}/{wecom['id']}", headers=admin.headers).get_json()[
        "secrets"] == {"webhook": "set"}
    client.post(f"{API}/{wecom['id']}/test", headers=admin.headers)
    run_jobs(app)
    assert len(receiver.on("wecom")) == 1
    app.config["SECRET_KEY_FALLBACKS"] = []
    assert client.get(f"{API}/{wecom['id']}", headers=admin.headers).get_json()[
        "secrets"] == {"webhook": "set"}
    # Re-entering the secret on the page mends a channel the key no longer opens.
    app.config["SECRET_KEY"] = "yet-another-key"
    csrf = signed_in_in_english(client, admin)  # the old session was signed with the old key
    fresh = client.get(f"{API}/{wecom['id']}", headers=admin.headers).get_json()
    assert fresh["secrets"] == {"webhook": "re-enter"}
    posted = client.post(f"/t/channels/notification-channels/{wecom['id']}", data={
        "csrf_token": csrf, "version": str(fresh["version"]), "title": "厨房群",
        "enabled": "on", "notices": "canteen.food_safety",
        "settings.webhook": receiver.robot("wecom", WECOM_KEY), "settings.format": "text"})
    assert posted.status_code == 302, posted.get_data(as_text=True)
    assert client.get(f"{API}/{wecom['id']}", headers=admin.headers).get_json()[
        "secrets"] == {"webhook": "set"}


def test_e_mail_goes_to_the_holders_of_the_notices_permission(app, client, school, admin,
                                                              make_user):
    from core.identity import services as identity

    manager = make_user(school, "canteen_manager", email="manager@school.test", token=False)
    teacher = make_user(school, "class_teacher", email="teacher@school.test", token=False)
    cook = identity.create_user(None, "王师傅", phone="13800138000")
    with tenant_context(school):
        identity.grant_school_role(cook, "canteen_manager")
    db.session.commit()
    mail = add(client, admin, {"kind": "email", "title": "Kitchen people",
                               "notices": ["canteen.food_safety"],
                               "settings": {"readers": True, "to": ["office@school.test"]}})
    assert mail["settings"] == {"readers": True, "to": ["office@school.test"]}
    with tenant_context(school):
        services.notify("kitchen:1", "canteen.samples.write", "Samples are missing", {},
                        source="canteen", kind="canteen.food_safety")
        db.session.commit()
    run_jobs(app)
    with tenant_context(school):
        to = sorted(m.to for m in db.session.scalars(select(OutboxMail)))
        [run] = db.session.scalars(select(JobRun)).all()
    # The canteen manager and the school admin hold the permission; the class teacher not.
    assert to == sorted(["manager@school.test", "office@school.test", admin.email])
    assert teacher.email == "teacher@school.test" and teacher.email not in to
    assert run.status == JobStatus.FINISHED
    assert "1 person without an e-mail address was skipped" in str(run.result)
    # A notice for one person reaches only them.
    with tenant_context(school):
        services.notify("kitchen:2", "canteen.samples.write", "Yours", {}, source="canteen",
                        kind="canteen.food_safety", user_id=manager.id)
        db.session.commit()
    run_jobs(app)
    with tenant_context(school):
        yours = sorted(m.to for m in db.session.scalars(
            select(OutboxMail).where(OutboxMail.body == "Yours")))
    assert yours == ["manager@school.test", "office@school.test"]


def test_a_channel_kept_from_before_a_module_split_its_kinds_takes_them_all(
        app, client, school, admin, receiver):
    wecom = add(client, admin, {"kind": "wecom", "title": "厨房群", "notices": ["core"],
                                "settings": {"webhook": receiver.robot("wecom", WECOM_KEY)}})
    with tenant_context(school):
        found = db.session.scalar(select(NotificationChannel))
        found.notices = ["canteen"]  # as stored when the canteen had one kind
        db.session.commit()
    shown = client.get(f"{API}/{wecom['id']}", headers=admin.headers).get_json()
    assert shown["notices"] == ["canteen.certificates", "canteen.counts",
                                "canteen.food_safety", "canteen.stock"]
    with tenant_context(school):
        services.notify("store:1", "canteen.read", "Rice is past its date", {},
                        source="canteen", kind="canteen.stock")
        db.session.commit()
    run_jobs(app)
    assert len(receiver.on("wecom")) == 1
    kinds = client.get(f"{API}/notice-kinds", headers=admin.headers).get_json()
    assert {k["name"] for k in kinds} == {"core", "canteen.food_safety", "canteen.stock",
                                          "canteen.certificates", "canteen.counts"}


def test_a_plugins_notice_kinds_are_named_after_it(app):
    from types import SimpleNamespace

    from core.notifications.channels import NoticeKind, collect

    hooks = SimpleNamespace(houqin_notification_channels=lambda: [[]],
                            houqin_notice_kinds=lambda: [[NoticeKind("fees.overdue", "x")]])
    host = SimpleNamespace(names=["canteen"], hooks_of=lambda name: hooks)
    with pytest.raises(ValueError, match="must be named 'canteen'"):
        collect(SimpleNamespace(extensions={}), host)


def test_removing_a_channel_is_audited_without_its_secrets(app, client, school, admin,
                                                          receiver):
    _wecom, ding, _mail = robots(client, admin, receiver)
    assert client.delete(f"{API}/{ding['id']}", headers=admin.headers).status_code == 204
    with tenant_context(school):
        [event] = db.session.scalars(select(AuditEvent).where(
            AuditEvent.entity == "notification_channels", AuditEvent.action == "delete",
            AuditEvent.entity_id == ding["id"])).all()
        assert event.before["title"] == "行政群" and event.before["secrets"] == "[redacted]"
        for secret in SECRETS:
            assert secret not in str(event.before)


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
    ({"kind": "email", "title": "x", "settings": {"to": []}}, "settings.to"),
    ({"kind": "email", "title": "x", "settings": {"readers": "often"}}, "settings.readers"),
    ({"kind": "fax", "title": "x", "settings": {}}, "kind"),
    ({"kind": "email", "title": "", "settings": {"to": ["a@b.test"]}}, "title"),
    ({"kind": "email", "title": "x", "notices": ["gossip"], "settings": {"to": ["a@b.test"]}},
     "notices"),
    ({"kind": "email", "title": "x", "notices": ["canteen"], "settings": {"to": ["a@b.test"]}},
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
    for method, path, body in [("GET", "", None), ("PATCH", "", {"title": "mine",
                                                                  "version": 1}),
                               ("DELETE", "", None), ("POST", "/test", None)]:
        answer = client.open(f"{API}/{wecom['id']}{path}", method=method, json=body,
                             headers=other.headers)
        assert answer.status_code == 404
    with tenant_context(school):
        assert delivery.channel(uuid.UUID(wecom["id"])).title == "厨房群"
        assert db.session.scalars(select(JobRun)).all() == []


def test_the_page_adds_a_robot_keeps_its_secret_and_sends_a_test(app, client, school, admin,
                                                                 receiver):
    csrf = signed_in_in_english(client, admin)
    base = "/t/channels/notification-channels"
    refused = client.post(f"{base}/new/dingtalk", data={
        "csrf_token": csrf, "title": "行政群", "enabled": "on", "notices": "canteen.food_safety",
        "settings.webhook": "https://example.test/robot/send?access_token=x",
        "settings.format": "markdown"})
    assert refused.status_code == 422
    assert 'data-testid="error-settings.webhook"' in refused.get_data(as_text=True)
    made = client.post(f"{base}/new/dingtalk", data={
        "csrf_token": csrf, "title": "行政群", "enabled": "on", "notices": "canteen.food_safety",
        "settings.webhook": receiver.robot("ding", DING_TOKEN),
        "settings.secret": DING_SECRET, "settings.format": "markdown"})
    assert made.status_code == 302, made.get_data(as_text=True)
    with tenant_context(school):
        found = db.session.scalar(select(NotificationChannel))
    assert (found.notices, found.enabled) == (["canteen.food_safety"], True)
    edited = client.post(f"{base}/{found.id}", data={
        "csrf_token": csrf, "version": str(found.version), "title": "行政",
        "notices": ["canteen.food_safety", "core"],
        "settings.webhook": "", "settings.secret": "", "settings.keyword": "后勤",
        "settings.format": "text"})
    assert edited.status_code == 302
    db.session.expire_all()
    with tenant_context(school):
        found = db.session.scalar(select(NotificationChannel))
        assert sealing.unseal(found.secrets) == {
            "secret": DING_SECRET, "webhook": receiver.robot("ding", DING_TOKEN)}
        assert (found.title, found.enabled, found.notices) == (
            "行政", False, ["canteen.food_safety", "core"])
    tested = client.post(f"{base}/{found.id}/test", data={"csrf_token": csrf})
    assert tested.status_code == 302
    run_jobs(app)
    assert receiver.on("ding")[0].body["text"]["content"].startswith("后勤 ")
    shown = client.get(tested.headers["Location"]).get_data(as_text=True)
    assert 'data-testid="test-status"' in shown
    page = client.get(f"{base}/{found.id}").get_data(as_text=True)
    assert "data-confirm=\"Remove the channel 行政?" in page  # asked before it goes
    removed = client.post(f"{base}/{found.id}/remove", data={"csrf_token": csrf})
    assert removed.status_code == 302
    with tenant_context(school):
        assert db.session.scalars(select(NotificationChannel)).all() == []


def test_sealed_secrets_open_only_with_the_key_untouched(app):
    with app.app_context():
        sealed = sealing.seal({"webhook": "https://oapi.dingtalk.com/robot/send?access_token=t"})
        assert sealing.unseal(sealed) == {
            "webhook": "https://oapi.dingtalk.com/robot/send?access_token=t"}
        assert sealing.seal({"a": "b"}) != sealing.seal({"a": "b"})  # a fresh nonce each time
        body = sealed[len(sealing.PREFIX):]
        flipped = sealing.PREFIX + ("A" if body[5] != "A" else "B").join(
            [body[:5], body[6:]])
        for broken in (flipped, sealed[:-4], "v1.!!", "plain text"):
            with pytest.raises(sealing.Unreadable):
                sealing.unseal(broken)
        app.config["SECRET_KEY"] = "another"
        with pytest.raises(sealing.Unreadable):
            sealing.unseal(sealed)
