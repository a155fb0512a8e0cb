"""The tuck shop on a phone: a sale at the counter, refused for more than is on the shelf; the
expired list; and a dish photo taken for the dish library."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from core.extensions import db
from core.identity import services
from core.schools import modules as module_service
from core.tenancy import tenant_context
from plugins.canteen.services import menus as canteen
from plugins.canteen.services import tuckshop as shop
from tests.browser.conftest import screenshot

pytestmark = pytest.mark.houqin_plugins("canteen")
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def counter(app, make_school):
    school = make_school("tuck-browser", modules=("canteen",))
    user = services.create_user("shop@canteen.test", "Shopkeeper", "correct-horse-1")
    today = datetime.now(ZoneInfo(school.timezone)).date()
    with tenant_context(school):
        module_service.update_settings("canteen", {"tuck_shop": True})
        services.grant_school_role(user, "canteen_manager")
        cola = shop.create_product({"name": "可乐", "unit": "瓶", "price_fen": 350})
        shop.receive_batch(cola.id, {"quantity": 3, "cost_fen": 200, "expires_on": today,
                                     "received_by": "王老师"}, today)
        canteen.create_dish({"name": "番茄炒蛋", "allergens": [], "notes": "", "active": True,
                             "ingredients": []})
    db.session.commit()
    return today


def test_a_sale_is_made_on_a_phone_and_a_dish_photo_taken(chromium, live_server, counter):
    context = chromium.new_context(viewport={"width": 375, "height": 812}, is_mobile=True,
                                   locale="zh-CN")
    phone = context.new_page()
    phone.set_default_timeout(10_000)
    phone.goto(f"{live_server}/login")
    phone.fill("#email", "shop@canteen.test")
    phone.fill("#password", "correct-horse-1")
    phone.click("button[type=submit]")
    phone.click("[data-testid=navigation] >> text=小卖部")  # the home's tile
    phone.click("[data-testid=tuck-shop-nav] >> text=售货")
    phone.fill("#quantity", "5")
    phone.click("[data-testid=sell] button[type=submit]")
    assert "3" in phone.inner_text("[data-testid=error-quantity]")
    phone.fill("#quantity", "2")
    phone.click("[data-testid=sell] button[type=submit]")
    assert "7.00" in phone.inner_text("[data-testid=sold]")
    assert "7.00" in phone.inner_text("[data-testid=takings]")
    fits = phone.evaluate("document.documentElement.scrollWidth <= 375")
    assert fits, "the till scrolls sideways on a phone"
    screenshot(phone, "tuck-shop-sell-phone")

    with phone.expect_navigation():
        phone.click("[data-testid=tuck-shop-nav] >> text=商品与库存")
    assert "1 瓶" in phone.inner_text("[data-testid=products]")
    assert phone.evaluate("document.documentElement.scrollWidth <= 375")
    screenshot(phone, "tuck-shop-stock-phone")
    with phone.expect_navigation():
        phone.click("[data-testid=products] >> text=可乐")
    assert phone.evaluate("document.documentElement.scrollWidth <= 375")
    screenshot(phone, "tuck-shop-product-phone")

    phone.goto(f"{live_server}/t/tuck-browser/m/canteen/tuck-shop/expired")
    assert "可乐" in phone.inner_text("[data-testid=expiring]")
    assert phone.evaluate("document.documentElement.scrollWidth <= 375")
    screenshot(phone, "tuck-shop-expired-phone")

    phone.goto(f"{live_server}/t/tuck-browser/m/canteen/dishes")
    camera = phone.locator("form.photo-form input[type=file]")
    assert camera.get_attribute("capture") == "environment"
    with phone.expect_navigation():
        camera.set_input_files({"name": "dish.png", "mimeType": "image/png", "buffer": PNG})
    expect(phone.locator("[data-testid=thumbnail]")).to_have_count(1)
    assert phone.evaluate("document.documentElement.scrollWidth <= 375")
    screenshot(phone, "dishes-photo-phone")
    context.close()
