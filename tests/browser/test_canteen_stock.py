"""Food stock on a phone: food issued at the store-room door (an expired lot passed over), then a
count entered on foot, and the count sheet as it prints."""

import uuid
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from core.extensions import db
from core.identity import services
from core.tenancy import tenant_context
from plugins.canteen.services import stock
from tests.browser.conftest import screenshot

pytestmark = pytest.mark.houqin_plugins("canteen")


@pytest.fixture
def store(app, make_school):
    school = make_school("stock-browser", modules=("canteen",))
    user = services.create_user("store@canteen.test", "Store", "correct-horse-1")
    today = datetime.now(ZoneInfo(school.timezone)).date()
    with tenant_context(school):
        services.grant_school_role(user, "canteen_manager")
        stock.receive([{"delivery_item_id": uuid.uuid4(), "food": "大米", "unit": "kg",
                        "quantity": Decimal(3), "unit_price_fen": 350, "batch": "旧批",
                        "production_date": None, "expiry_date": today - timedelta(days=1)}],
                      received_on=today - timedelta(days=10))
        stock.stock_in({"food": "大米", "unit": "kg", "quantity": Decimal(25),
                        "unit_price_fen": Decimal(350), "batch": "新批",
                        "expiry_date": today + timedelta(days=20)})
    db.session.commit()
    return today


def _fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_food_is_issued_and_counted_on_a_phone(chromium, live_server, store):
    context = chromium.new_context(viewport={"width": 375, "height": 812}, is_mobile=True,
                                   locale="zh-CN")
    phone = context.new_page()
    phone.set_default_timeout(10_000)
    phone.goto(f"{live_server}/login")
    phone.fill("#email", "store@canteen.test")
    phone.fill("#password", "correct-horse-1")
    phone.click("button[type=submit]")
    phone.click("[data-testid=navigation] >> text=食品库存")  # the home's tile
    assert "旧批" in phone.inner_text("[data-testid=expired]")
    assert _fits(phone), "the stock page scrolls sideways on a phone"
    screenshot(phone, "canteen-stock-phone")
    phone.click("[data-testid=stock-nav] >> text=出库")
    phone.select_option("#slot", "lunch")
    phone.fill("#quantity", "30")
    phone.click("[data-testid=issue-form] button[type=submit]")
    assert "25" in phone.inner_text("[data-testid=error-quantity]")
    phone.fill("#quantity", "2.5")
    phone.click("[data-testid=issue-form] button[type=submit]")
    assert "旧批" in phone.inner_text("[data-testid=warning]")
    assert "2.5 kg" in phone.inner_text("[data-testid=issues]")
    assert _fits(phone), "the issue page scrolls sideways on a phone"
    screenshot(phone, "canteen-stock-issue-phone")
    phone.click("[data-testid=stock-nav] >> text=盘点")
    phone.click("[data-testid=new-count]")
    phone.wait_for_selector("input.count")  # the count sheet, after the click's answer
    boxes = phone.locator("input.count")
    expect(boxes).to_have_count(2)
    boxes.nth(1).fill("22")
    phone.click("[data-testid=count-sheet] button[type=submit]")
    assert "-0.5" in phone.inner_text("[data-testid=count-lines]")
    assert _fits(phone), "the count result scrolls sideways on a phone"
    screenshot(phone, "canteen-stock-count-phone")
    context.close()


def test_the_blank_count_sheet_prints(chromium, live_server, store, page):
    page.goto(f"{live_server}/login")
    page.fill("#email", "store@canteen.test")
    page.fill("#password", "correct-horse-1")
    page.click("button[type=submit]")
    page.goto(f"{live_server}/t/stock-browser/m/canteen/stock/count?blind=1")
    page.emulate_media(media="print")
    expect(page.locator("[data-testid=stock-nav]")).to_be_hidden()
    expect(page.locator("[data-testid=count-sheet] button[type=submit]")).to_be_hidden()
    assert "新批" in page.inner_text("[data-testid=sheet]")
    assert "25 kg" not in page.inner_text("[data-testid=sheet]")  # no book quantities
    screenshot(page, "canteen-stock-count-sheet-print")
