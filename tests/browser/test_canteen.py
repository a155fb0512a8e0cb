"""The canteen on a phone: the week's menu, then a sample recorded at the counter, with the
weight rule refusing a light one on the way."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from core.extensions import db
from core.identity import services
from core.tenancy import tenant_context
from plugins.canteen.services import menus as canteen
from tests.browser.conftest import screenshot

pytestmark = pytest.mark.houqin_plugins("canteen")


@pytest.fixture
def kitchen(app, make_school):
    school = make_school("canteen-browser", modules=("canteen",))
    user = services.create_user("cook@canteen.test", "Cook", "correct-horse-1")
    today = datetime.now(ZoneInfo(school.timezone)).date()
    with tenant_context(school):
        services.grant_school_role(user, "canteen_manager")
        dish = canteen.create_dish({"name": "番茄炒蛋", "allergens": ["egg"], "notes": "",
                                    "active": True, "ingredients": [{"food": "鸡蛋", "grams": 50}]})
        canteen.add_to_menu({"day": today, "slot": "lunch", "dish_id": dish.id})
    db.session.commit()
    return today


def test_a_sample_is_recorded_on_a_phone(chromium, live_server, kitchen):
    context = chromium.new_context(viewport={"width": 375, "height": 812}, is_mobile=True,
                                   locale="zh-CN")
    phone = context.new_page()
    phone.set_default_timeout(10_000)
    phone.goto(f"{live_server}/login")
    phone.fill("#email", "cook@canteen.test")
    phone.fill("#password", "correct-horse-1")
    phone.click("button[type=submit]")
    phone.click("[data-testid=navigation] >> text=食谱")  # the home's tile
    assert "番茄炒蛋" in phone.inner_text("[data-testid=menu]")
    screenshot(phone, "canteen-menu-phone")
    phone.goto(f"{live_server}/t/canteen-browser/m/canteen/samples")
    assert "番茄炒蛋" in phone.inner_text("[data-testid=missing]")
    phone.fill("#grams", "100")
    phone.fill("#taken_at", datetime.now(ZoneInfo("Asia/Shanghai")).strftime("%H:%M"))
    phone.fill("#taken_by", "王师傅")
    phone.fill("#cabinet", "A1")
    phone.click("form.form button")
    assert "125" in phone.inner_text("[data-testid=error-meal], [data-testid=error-grams]")
    phone.fill("#grams", "130")
    phone.click("form.form button")
    assert "王师傅" in phone.inner_text("[data-testid=samples]")
    assert "所供应的菜品都已留样" in phone.inner_text("[data-testid=missing]")
    fits = phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert fits, "the samples page scrolls sideways on a phone"
    screenshot(phone, "canteen-samples-phone")
    context.close()
