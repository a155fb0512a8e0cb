"""The shell in a real browser: sign in, pick a school, switch language, a kindergarten's menu."""

import pytest

from core.extensions import db
from core.identity import services
from core.tenancy import tenant_context
from tests.browser.conftest import screenshot
from tests.test_web import REGISTERS, TOOLS

pytestmark = pytest.mark.houqin_plugins("notes", "tags", "playground")


@pytest.fixture
def director(app, make_school):
    primary = make_school("browser-primary", modules=("notes",))
    kindergarten = make_school("browser-kg", type="kindergarten", modules=("playground",))
    user = services.create_user("director@browser.test", "Director", "correct-horse-1")
    for school in (primary, kindergarten):
        with tenant_context(school):
            services.grant_school_role(user, "logistics_director")
    db.session.commit()
    return user


def sign_in(page, live_server, password):
    page.goto(f"{live_server}/login")
    page.fill("#email", "director@browser.test")
    page.fill("#password", password)
    page.click("button[type=submit]")


def tiles(page) -> list[list[str]]:
    """The home's tiles, group by group."""
    return [group.inner_text().split()
            for group in page.locator("[data-testid=navigation] ul.tiles").all()]


def test_sign_in_pick_a_school_and_switch_language(page, live_server, director):
    sign_in(page, live_server, "not-the-password")
    assert "电子邮箱、手机号或密码不正确" in page.inner_text("[data-testid=login-error]")
    screenshot(page, "login-error")
    sign_in(page, live_server, "correct-horse-1")
    page.wait_for_url(f"{live_server}/schools")
    assert page.inner_text("h1") == "我的学校"
    screenshot(page, "schools")
    page.click("text=Browser-Primary")
    page.wait_for_url(f"{live_server}/t/browser-primary/")
    assert tiles(page) == [REGISTERS, ["Notes"], TOOLS]
    screenshot(page, "school-home")
    with page.expect_navigation():
        page.select_option("#locale", "en")
    assert page.get_attribute("html", "lang") == "en"
    assert "Sign out" in page.inner_text("header")
    screenshot(page, "school-home-en")
    page.goto(f"{live_server}/schools")
    assert page.inner_text("h1") == "My schools"  # remembered


def test_a_kindergarten_sees_only_its_modules_on_a_phone(chromium, live_server, director):
    context = chromium.new_context(viewport={"width": 375, "height": 812}, is_mobile=True)
    phone = context.new_page()
    sign_in(phone, live_server, "correct-horse-1")
    phone.wait_for_url(f"{live_server}/schools")
    phone.goto(f"{live_server}/t/browser-kg/")
    # A kindergarten's children are 幼儿, not 学生 (core.wording).
    assert tiles(phone) == [[w.replace("学生", "幼儿") for w in REGISTERS], ["Playground"], TOOLS]
    fits = phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert fits, "the page scrolls sideways on a phone"
    screenshot(phone, "kindergarten-home-phone")
    context.close()
