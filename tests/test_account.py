"""Forgotten passwords (a link by mail, or the outbox without SMTP) and password changes."""

import re

import pytest
from click.testing import CliRunner

from core.cli import cli
from core.extensions import db
from core.identity import services
from core.mail import OutboxMail, outbox
from tests.test_web import csrf, sign_in

pytestmark = pytest.mark.houqin_plugins("notes")


@pytest.fixture
def account(app):
    user = services.create_user("teacher@web.test", "Teacher", "correct-horse-1")
    db.session.commit()
    return user.id


def ask_for_link(client, email="teacher@web.test"):
    token = csrf(client.get("/password/forgot").get_data(as_text=True))
    return client.post("/password/forgot", data={"email": email, "csrf_token": token})


def link_in(message: OutboxMail) -> str:
    return re.search(r"http://localhost(/password/reset/\S+)", message.body).group(1)


def test_a_forgotten_password_is_reset_by_the_mailed_link_once(client, account):
    assert "已发出" in ask_for_link(client).get_data(as_text=True)
    assert "已发出" in ask_for_link(client, "nobody@web.test").get_data(as_text=True)
    mails = outbox()
    assert [m.to for m in mails] == ["teacher@web.test"]  # nothing for an unknown address
    ask_for_link(client)
    assert len(outbox()) == 1  # no second mail within two minutes
    link = link_in(mails[0])
    page = client.get(link).get_data(as_text=True)
    short = client.post(link, data={"password": "short", "confirm": "short",
                                    "csrf_token": csrf(page)})
    assert short.status_code == 422 and "至少 10 个字符" in short.get_data(as_text=True)
    differ = client.post(link, data={"password": "a-new-password", "confirm": "another-one!",
                                     "csrf_token": csrf(page)})
    assert differ.status_code == 422 and "不一致" in differ.get_data(as_text=True)
    done = client.post(link, data={"password": "a-new-password", "confirm": "a-new-password",
                                   "csrf_token": csrf(page)})
    assert done.status_code == 302 and "reset=1" in done.location
    assert sign_in(client, password="a-new-password").status_code == 302
    assert client.get(link).status_code == 400  # used: the password it was made for is gone


def test_an_expired_link_is_refused(client, app, account):
    ask_for_link(client)
    app.config["PASSWORD_RESET_SECONDS"] = -1
    response = client.get(link_in(outbox()[0]))
    assert response.status_code == 400 and "已过期" in response.get_data(as_text=True)
    assert client.get("/password/reset/forged-token").status_code == 400


def test_changing_the_password_needs_the_current_one(client, account):
    sign_in(client)
    page = client.get("/password/change").get_data(as_text=True)
    wrong = client.post("/password/change", data={
        "current": "not-it", "password": "a-new-password", "confirm": "a-new-password",
        "csrf_token": csrf(page)})
    assert wrong.status_code == 422 and "当前密码不正确" in wrong.get_data(as_text=True)
    right = client.post("/password/change", data={
        "current": "correct-horse-1", "password": "a-new-password", "confirm": "a-new-password",
        "csrf_token": csrf(page)})
    assert right.status_code == 200 and "密码已修改" in right.get_data(as_text=True)
    assert sign_in(app_client := client.application.test_client()).status_code == 422
    assert sign_in(app_client, password="a-new-password").status_code == 302


def test_without_smtp_the_outbox_is_read_on_the_command_line(client, account):
    ask_for_link(client)
    result = CliRunner().invoke(cli, ["mail", "outbox"])
    assert "to teacher@web.test (kept (no SMTP))" in result.output
    assert "/password/reset/" in result.output


def test_an_unreachable_smtp_server_keeps_the_mail_and_the_page_works(client, app, account):
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=1)  # nothing listens there
    assert ask_for_link(client).status_code == 200
    message = outbox()[0]
    assert message.sent_at is None and "Error" in message.error


def forged_request_for_link(client, host, email="teacher@web.test"):
    token = csrf(client.get("/password/forgot").get_data(as_text=True))
    return client.post("/password/forgot", headers={"Host": host},
                       data={"email": email, "csrf_token": token})


def test_a_reset_link_never_takes_its_host_from_the_request(client, app, account):
    # No base address configured: a host the deployment does not answer to is refused the
    # same way whether or not the address has an account, and no mail goes out.
    for email in ("teacher@web.test", "nobody@web.test"):
        refused = forged_request_for_link(client, "evil.example", email)
        assert refused.status_code == 400 and "HOUQIN_BASE_URL" in refused.get_data(as_text=True)
    assert outbox() == []
    app.config["BASE_URL"] = "https://houqin.example.cn/"
    assert forged_request_for_link(client, "evil.example").status_code == 200
    [mail] = outbox()
    assert "evil.example" not in mail.body
    assert re.search(r"https://houqin\.example\.cn/password/reset/\S+", mail.body)
