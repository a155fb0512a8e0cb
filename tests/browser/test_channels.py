"""A school admin, on a 375 px phone, adds a 钉钉 group robot, sends it a test message,
clears its signing secret, meets someone else's change, and removes it after confirming."""

import pytest
from playwright.sync_api import expect

from core.extensions import db
from core.identity import services
from core.notifications import delivery
from core.notifications.models import NotificationChannel
from core.tenancy import tenant_context
from core.testing import run_jobs
from tests import channel_receiver
from tests.browser.conftest import screenshot

pytestmark = pytest.mark.houqin_plugins("canteen")
SLUG = "channels-phone"
TOKEN = "phonetoken0123456789"


@pytest.fixture
def school(app, make_school):
    school = make_school(SLUG, modules=("canteen",))
    user = services.create_user("admin@channels.test", "Admin", "correct-horse-1")
    with tenant_context(school):
        services.grant_school_role(user, "school_admin")
    db.session.commit()
    return school


@pytest.fixture
def receiver(app):
    app.config["CHANNEL_LOCAL_HOSTS"] = ["127.0.0.1"]
    found, server = channel_receiver.start()
    yield found
    server.shutdown()
    server.server_close()


def test_a_robot_is_set_up_and_tested_on_a_phone(app, live_server, school, receiver, page):
    page.set_viewport_size({"width": 375, "height": 812})
    page.goto(f"{live_server}/login")
    page.fill("#email", "admin@channels.test")
    page.fill("#password", "correct-horse-1")
    page.click("button[type=submit]")
    page.goto(f"{live_server}/t/{SLUG}/notification-channels")
    page.click("[data-testid=add-dingtalk]")
    page.fill("#title", "行政群")
    page.fill("[name='settings.webhook']", "http://intranet.test/robot/send?access_token=x")
    page.click("[data-testid=save]")
    expect(page.locator("[data-testid='error-settings.webhook']")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    page.fill("[name='settings.webhook']", receiver.robot("ding", TOKEN))
    page.fill("[name='settings.secret']", "SECphone0123456789")
    page.click("[data-testid=save]")
    page.wait_for_selector("[data-testid=saved]")
    assert TOKEN not in page.content()  # never shown back: only whether it is set
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    screenshot(page, "channel-phone")
    page.click("[data-testid=send-test]")
    page.wait_for_selector("[data-testid=test-status]")
    run_jobs(app)
    page.reload()
    assert page.locator("[data-testid=test-status]").get_attribute("class").split()[-1] == "ok"
    assert receiver.on("ding")[0].query["access_token"] == TOKEN
    with tenant_context(school):
        assert db.session.scalar(db.select(NotificationChannel.title)) == "行政群"

    # The signing secret is cleared with its own box; the webhook stays set.
    expect(page.locator("[data-testid=clear-secret]")).to_be_visible()
    page.check("[data-testid=clear-secret]")
    page.click("[data-testid=save]")
    expect(page.locator("[data-testid=saved]")).to_be_visible()
    expect(page.locator("[data-testid=clear-secret]")).to_have_count(0)  # nothing to clear
    with tenant_context(school):
        found = db.session.scalar(db.select(NotificationChannel))
        assert delivery.secret_states(found) == {"webhook": "set", "secret": "not set"}

    # Someone else saves the channel while this page is open: this save is refused, clearly.
    with tenant_context(school):
        found = db.session.scalar(db.select(NotificationChannel))
        delivery.change(found.id, {"title": "行政办公室", "version": found.version})
        db.session.commit()
    page.fill("#title", "我的名字")
    page.click("[data-testid=save]")
    expect(page.locator("[data-testid=error-version]")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    page.click("[data-testid=error-version] a")
    expect(page.locator("#title")).to_have_value("行政办公室")

    # Removing asks first: declined, the channel stays; confirmed, it goes.
    page.once("dialog", lambda dialog: dialog.dismiss())
    page.click("[data-testid=remove]")
    expect(page.locator("[data-testid=remove]")).to_be_visible()
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("[data-testid=remove]")
    expect(page.locator("[data-testid=removed]")).to_be_visible()
    with tenant_context(school):
        assert db.session.scalars(db.select(NotificationChannel)).all() == []
