"""The guard on duty, on a 375 px phone in Chinese: scans a patrol point's code (opens its
check-in page), checks in, finds the point ticked on the shift's page, and writes the
handover — and no page scrolls sideways."""

import pytest
from playwright.sync_api import expect

from core.extensions import db
from core.identity import services
from core.people.models import Staff
from core.sdk import school_today
from core.tenancy import tenant_context
from tests.browser.conftest import screenshot

pytestmark = pytest.mark.houqin_plugins("safety")
PASSWORD = "correct-horse-1"


@pytest.fixture
def watch(app, make_school):
    """A guard on duty today (the school set no hours: the whole day) and the gate to check."""
    from plugins.safety.services import duty

    school = make_school("duty-phone", modules=("safety",))
    with tenant_context(school):
        user = services.create_user("guard@duty.test", "guard", PASSWORD)
        services.grant_school_role(user, "guard")
        staff = Staff(name="王保安", position="保安", user_id=user.id)
        db.session.add(staff)
        db.session.flush()
        shift = duty.add_shift({"day": school_today(), "post": "night", "staff_id": staff.id})
        point = duty.add_point({"name": "东门"})
        db.session.commit()
        return {"shift": str(shift.id), "point": str(point.id)}


def _no_sideways(page, what):
    assert page.evaluate("[window.innerWidth, document.documentElement.scrollWidth]"
                         ) == [375, 375], f"{what} scrolls sideways on a phone"


def test_the_guard_checks_in_and_hands_over_on_a_phone(chromium, live_server, watch):
    context = chromium.new_context(viewport={"width": 375, "height": 812}, is_mobile=True,
                                   locale="zh-CN")
    phone = context.new_page()
    phone.set_default_timeout(10_000)
    phone.goto(f"{live_server}/login")
    phone.fill("#email", "guard@duty.test")
    phone.fill("#password", PASSWORD)
    phone.click("button[type=submit]")
    expect(phone.locator("[data-testid=safety-on-duty]")).to_contain_text("王保安")

    base = f"{live_server}/t/duty-phone/m/safety/duty"
    phone.goto(f"{base}/points/{watch['point']}")  # where the printed code leads
    _no_sideways(phone, "the check-in page")
    phone.click("form[data-testid=check-in] button[type=submit]")
    expect(phone.locator("[data-testid=checked-in]")).to_be_visible()

    phone.goto(base)
    _no_sideways(phone, "the duty page")
    phone.locator("[data-testid=my-shifts] a").first.click()
    expect(phone.locator("[data-testid=checked-东门]")).to_be_visible()
    phone.click("form[data-testid=handover-form] button[type=submit]")
    expect(phone.locator("[data-testid=error-happened]")).to_be_visible()
    phone.fill("#happened", "23点东门有人徘徊，已劝离")
    phone.fill("#watch", "留意东门监控")
    phone.click("form[data-testid=handover-form] button[type=submit]")
    expect(phone.locator("[data-testid=handover]")).to_contain_text("留意东门监控")
    _no_sideways(phone, "the shift page")
    screenshot(phone, "safety-duty-phone")
    context.close()
