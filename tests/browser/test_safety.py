"""A teacher reports a hazard on a 375 px phone with a photo, in Chinese, from the home page's
card; the safety officer gives it an owner and a deadline; the owner records the fix on their
phone; the officer verifies it — and no page scrolls sideways."""

from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from core.extensions import db
from core.identity import services
from core.people.models import Staff
from core.tenancy import tenant_context
from tests.browser.conftest import screenshot

pytestmark = pytest.mark.houqin_plugins("safety")
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PASSWORD = "correct-horse-1"


@pytest.fixture
def grounds(app, make_school):
    school = make_school("safety-phone", modules=("safety",))
    people = {}
    with tenant_context(school):
        for email, role in (("teacher@safety.test", "class_teacher"),
                            ("officer@safety.test", "safety_officer"),
                            ("keeper@safety.test", "asset_keeper")):
            user = services.create_user(email, role, PASSWORD)
            services.grant_school_role(user, role)
            people[role] = user
        db.session.add(Staff(name="李师傅", position="维修工", user_id=people["asset_keeper"].id))
        db.session.commit()
    return school


def _phone(chromium, live_server, email):
    context = chromium.new_context(viewport={"width": 375, "height": 812}, is_mobile=True,
                                   locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.goto(f"{live_server}/login")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    return context, page


def _no_sideways(page, what):
    assert page.evaluate("[window.innerWidth, document.documentElement.scrollWidth]"
                         ) == [375, 375], f"{what} scrolls sideways on a phone"


def test_a_hazard_from_a_phone_to_closure(chromium, live_server, grounds):
    context, phone = _phone(chromium, live_server, "teacher@safety.test")
    phone.locator("[data-testid=safety-widget]").wait_for()
    phone.goto(f"{live_server}/t/safety-phone/m/safety/hazards/new")
    phone.fill("#place", "教学楼三楼东侧楼梯")
    phone.click("form[data-testid=report-hazard] button[type=submit]")
    expect(phone.locator("[data-testid=error-description]")).to_be_visible()
    _no_sideways(phone, "the report form")
    phone.fill("#description", "扶手松动")
    phone.set_input_files("#photo", files=[{"name": "stairs.png", "mimeType": "image/png",
                                            "buffer": PNG}])
    phone.click("form[data-testid=report-hazard] button[type=submit]")
    expect(phone.locator("[data-testid=hazard-status]")).to_contain_text("待指派")
    expect(phone.locator("[data-testid=hazard] img")).to_be_visible()
    screenshot(phone, "safety-report-phone")
    hazard_url = phone.url
    context.close()

    context, officer = _phone(chromium, live_server, "officer@safety.test")
    officer.goto(hazard_url)
    officer.select_option("#owner_id", label="李师傅 · 维修工")
    officer.fill("#deadline", (date.today() + timedelta(days=3)).isoformat())
    officer.click("form[data-testid=assign] button[type=submit]")
    expect(officer.locator("[data-testid=hazard-status]")).to_contain_text("整改中")
    _no_sideways(officer, "the hazard page")

    keeper_context, keeper = _phone(chromium, live_server, "keeper@safety.test")
    keeper.goto(hazard_url)
    keeper.fill("#fix-note", "更换扶手螺栓")
    keeper.set_input_files("#fix-photo", files=[{"name": "after.png", "mimeType": "image/png",
                                                 "buffer": PNG}])
    keeper.click("form[data-testid=fix] button[type=submit]")
    expect(keeper.locator("[data-testid=hazard-status]")).to_contain_text("待验收")
    keeper_context.close()

    officer.reload()
    officer.check("input[name=passed][value=true]")
    officer.click("form[data-testid=verify] button[type=submit]")
    expect(officer.locator("[data-testid=hazard-status]")).to_contain_text("已销号")
    expect(officer.locator("[data-testid=hazard-steps] li")).to_have_count(4)
    screenshot(officer, "safety-closed-phone")
    officer.goto(f"{live_server}/t/safety-phone/m/safety/hazards")
    expect(officer.locator("[data-testid=hazards] tbody tr")).to_have_count(1)
    _no_sideways(officer, "the hazard register")
    context.close()


def test_the_guard_hands_a_child_over_and_turns_a_stranger_away_on_a_phone(
        chromium, live_server, app, make_school):
    import uuid

    from core.people import services as people
    from tests.plugins.canteen.support import classroom

    school = make_school("kinder-phone", type="kindergarten", modules=("safety",))
    with tenant_context(school):
        guard = services.create_user("guard@kinder.test", "门卫", PASSWORD)
        services.grant_school_role(guard, "guard")
        db.session.commit()
    _class_id, children = classroom(school, "小一班", students=2)
    with tenant_context(school):
        people.add_guardian(uuid.UUID(children[0]), {
            "name": "王妈妈", "relation": "mother", "phone": "13800000001", "can_pick_up": True})
        db.session.commit()
    context, phone = _phone(chromium, live_server, "guard@kinder.test")
    phone.goto(f"{live_server}/t/kinder-phone/m/safety/pickup")
    expect(phone.locator("[data-testid=pickup-waiting]")).to_contain_text("2")
    first = phone.locator(f"li[data-student='{children[0]}']")
    first.locator("summary").click()
    first.locator("form[data-testid=refuse] input[name=person]").fill("自称舅舅的人")
    first.locator("form[data-testid=refuse] button").click()
    expect(phone.locator("[data-testid=pickup-waiting]")).to_contain_text("2")
    phone.locator(f"li[data-student='{children[0]}'] input[type=radio]").check()
    phone.locator(f"li[data-student='{children[0]}'] form[data-testid=handover] button").click()
    expect(phone.locator(f"li[data-student='{children[0]}'] [data-testid=picked-up]")
           ).to_contain_text("王妈妈")
    expect(phone.locator("[data-testid=pickup-waiting]")).to_contain_text("1")
    _no_sideways(phone, "the pick-up page")
    screenshot(phone, "safety-pickup-phone")
    context.close()
