"""The guard at the gate on a 375 px phone, in Chinese: a visit a teacher announced checked
in with one tap, a walk-in registered (the missing name refused by its field first) and both
checked out — and the gate page never scrolls sideways."""

import pytest
from playwright.sync_api import expect

from core.extensions import db
from core.identity import services
from core.tenancy import tenant_context
from tests.browser.conftest import screenshot

pytestmark = pytest.mark.houqin_plugins("safety")
PASSWORD = "correct-horse-1"


@pytest.fixture
def gate(app, make_school):
    from plugins.safety.services import visitors

    school = make_school("gate-phone", modules=("safety",))
    with tenant_context(school):
        user = services.create_user("guard@gate.test", "guard", PASSWORD)
        services.grant_school_role(user, "guard")
        visitors.expect({"kind": "delivery", "name": "顺丰快递员", "organisation": "顺丰",
                         "expected_on": visitors.today(), "host": "总务处"})
        db.session.commit()
    return school


def _no_sideways(page, what):
    assert page.evaluate("[window.innerWidth, document.documentElement.scrollWidth]"
                         ) == [375, 375], f"{what} scrolls sideways on a phone"


def test_the_guard_checks_visitors_in_and_out_on_a_phone(chromium, live_server, gate):
    context = chromium.new_context(viewport={"width": 375, "height": 812}, is_mobile=True,
                                   locale="zh-CN")
    phone = context.new_page()
    phone.set_default_timeout(10_000)
    phone.goto(f"{live_server}/login")
    phone.fill("#email", "guard@gate.test")
    phone.fill("#password", PASSWORD)
    phone.click("button[type=submit]")
    phone.locator("[data-testid=safety-widget]").wait_for()
    phone.goto(f"{live_server}/t/gate-phone/m/safety/gate")
    _no_sideways(phone, "the gate page")
    expected = phone.locator("[data-testid=gate-expected] li", has_text="顺丰快递员")
    expected.locator("button[type=submit]").click()
    expect(phone.locator("[data-testid=gate-inside]")).to_contain_text("顺丰快递员")
    expect(phone.locator("[data-testid=gate-expected]")).not_to_contain_text("顺丰快递员")

    phone.fill("#phone", "13800138000")
    phone.click("form[data-testid=gate-register] button[type=submit]")
    expect(phone.locator("[data-testid=error-name]").first).to_be_visible()
    phone.fill("#name", "王建国")
    phone.fill("#organisation", "区教育局")
    phone.fill("#reason", "检查食堂")
    phone.fill("#host", "校长室")
    phone.fill("#companions", "2")
    phone.fill("#plate", "京A12345")
    phone.check("input[name=id_checked]")
    phone.click("form[data-testid=gate-register] button[type=submit]")
    expect(phone.locator("[data-testid=gate-inside]")).to_contain_text("王建国")
    expect(phone.locator("[data-testid=gate-inside-count]")).to_contain_text("2")
    _no_sideways(phone, "the gate page with people inside")
    screenshot(phone, "safety-gate-phone")

    for name in ("王建国", "顺丰快递员"):
        phone.locator("[data-testid=gate-inside] li", has_text=name).locator(
            "button[type=submit]").click()
        expect(phone.locator("[data-testid=gate-inside]")).not_to_contain_text(name)
    expect(phone.locator("[data-testid=gate-inside-count]")).to_contain_text("0")
    context.close()
