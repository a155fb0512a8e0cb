"""A school administrator invites a member of staff in the browser; the new person opens the
one-time link on their phone, chooses a password and signs in to the school."""

import pytest
from playwright.sync_api import expect

from core.extensions import db
from core.identity import services
from core.tenancy import tenant_context
from tests.browser.conftest import screenshot

pytestmark = pytest.mark.houqin_plugins("notes")
PASSWORD = "correct-horse-1"


@pytest.fixture
def school(app, make_school):
    school = make_school("invite-school")
    head = services.create_user("head@invite.test", "Head", PASSWORD)
    with tenant_context(school):
        services.grant_school_role(head, "school_admin")
    db.session.commit()
    return school


def test_inviting_a_cook_who_then_signs_in(chromium, live_server, page, school):
    page.goto(f"{live_server}/login")
    page.fill("#email", "head@invite.test")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server}/t/invite-school/")
    page.click("a[href$='/accounts']")
    page.fill("[data-testid=invite] #name", "李厨师")
    page.fill("[data-testid=invite] #email", "cook@invite.test")
    page.check("[data-testid=invite] input[value=canteen_manager]")
    page.click("[data-testid=invite] button[type=submit]")
    link = page.input_value("[data-testid=link]")
    assert "/account/link/" in link
    expect(page.locator("[data-testid='account-cook@invite.test']")).to_have_count(1)
    screenshot(page, "accounts-invited")
    page.set_viewport_size({"width": 375, "height": 812})
    page.goto(f"{live_server}/t/invite-school/accounts")
    # On a phone the list scrolls within its card; the page itself never sideways.
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    screenshot(page, "accounts-phone")

    context = page.context.browser.new_context(viewport={"width": 375, "height": 812},
                                               is_mobile=True, locale="zh-CN")
    phone = context.new_page()
    phone.goto(link)
    assert "cook@invite.test" in phone.inner_text("main")
    phone.fill("#password", "my-own-password")
    phone.fill("#confirm", "my-own-password")
    phone.click("button[type=submit]")
    phone.wait_for_url(f"{live_server}/t/invite-school/login?reset=1")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
    phone.fill("#email", "cook@invite.test")
    phone.fill("#password", "my-own-password")
    phone.click("button[type=submit]")
    phone.wait_for_url(f"{live_server}/t/invite-school/")
    assert "Invite-School" in phone.inner_text("body")
    screenshot(phone, "accounts-invitee-home")
    # The link worked once: opening it again says so, plainly.
    response = phone.goto(link)
    assert response.status == 410
    expect(phone.locator("[data-testid=link-problem]")).to_have_count(1)
    context.close()


def test_on_a_phone_the_admin_invites_a_guard_by_mobile_number(chromium, live_server, page,
                                                               school):
    """No e-mail: the admin, on a 375 px phone, invites by number and is told to pass the
    link on by hand; the guard chooses a password and signs in with the number."""
    page.set_viewport_size({"width": 375, "height": 812})
    page.goto(f"{live_server}/login")
    page.fill("#email", "head@invite.test")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server}/t/invite-school/")
    page.goto(f"{live_server}/t/invite-school/accounts")
    page.fill("[data-testid=invite] #name", "张门卫")
    page.fill("[data-testid=invite] #email", "+86 139-0013-9000")
    page.check("[data-testid=invite] input[value=guard]")
    page.click("[data-testid=invite] button[type=submit]")
    expect(page.locator("[data-testid=no-sms]")).to_have_count(1)
    assert "13900139000" in page.inner_text("[data-testid=no-sms]")
    link = page.input_value("[data-testid=link]")
    assert page.locator("[data-testid='account-13900139000']").count() == 1
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    screenshot(page, "accounts-phone-invite")

    context = page.context.browser.new_context(viewport={"width": 375, "height": 812},
                                               is_mobile=True, locale="zh-CN")
    guard = context.new_page()
    guard.goto(link)
    assert "13900139000" in guard.inner_text("main")
    guard.fill("#password", "my-own-password")
    guard.fill("#confirm", "my-own-password")
    guard.click("button[type=submit]")
    guard.wait_for_url(f"{live_server}/t/invite-school/login?reset=1")
    guard.fill("#email", "139 0013 9000")
    guard.fill("#password", "my-own-password")
    guard.click("button[type=submit]")
    guard.wait_for_url(f"{live_server}/t/invite-school/")
    assert guard.evaluate("document.documentElement.scrollWidth") <= 375
    screenshot(guard, "accounts-guard-home")
    context.close()
