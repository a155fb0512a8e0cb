"""Dead ends of the canteen's day, walked in a browser: a delivery with its shelf life in days,
the sample form saying its limits before a save, and a guardian on a phone going from home to
this week's menu and the next."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from core.extensions import db
from core.identity import services
from core.tenancy import tenant_context
from plugins.canteen.models import DeliveryItem
from plugins.canteen.services import menus as canteen
from plugins.canteen.services import suppliers
from tests.browser.conftest import screenshot

pytestmark = pytest.mark.houqin_plugins("canteen")
SLUG = "canteen-days"


@pytest.fixture
def kitchen(app, make_school):
    school = make_school(SLUG, modules=("canteen",))
    today = datetime.now(ZoneInfo(school.timezone)).date()
    for email, role in (("cook@days.test", "canteen_manager"),
                        ("parent@days.test", "guardian")):
        user = services.create_user(email, email, "correct-horse-1")
        with tenant_context(school):
            services.grant_school_role(user, role)
    with tenant_context(school):
        dish = canteen.create_dish({"name": "番茄炒蛋", "allergens": ["egg"], "notes": "",
                                    "active": True, "ingredients": [{"food": "鸡蛋", "grams": 50}]})
        canteen.add_to_menu({"day": today, "slot": "lunch", "dish_id": dish.id})
        later = canteen.create_dish({"name": "清蒸鲈鱼", "allergens": ["fish"], "notes": "",
                                     "active": True, "ingredients": [{"food": "鲈鱼", "grams": 80}]})
        canteen.add_to_menu({"day": today + timedelta(days=7), "slot": "lunch",
                             "dish_id": later.id})
        supplier = suppliers.create_supplier({"name": "绿源蔬菜合作社",
                                              "credit_code": "91350100M000100Y43"})
        suppliers.add_certificate(supplier.id, {
            "kind": "food_operation_licence", "number": "JY13301000000001",
            "issued_on": today - timedelta(days=300),
            "valid_until": today + timedelta(days=900)}, today)
    db.session.commit()
    return school, today


def _sign_in(page, live_server, email: str) -> None:
    page.goto(f"{live_server}/login")
    page.fill("#email", email)
    page.fill("#password", "correct-horse-1")
    page.click("button[type=submit]")


def _fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_a_delivery_is_recorded_with_a_shelf_life_of_7_days(live_server, kitchen, page):
    school, today = kitchen
    _sign_in(page, live_server, "cook@days.test")
    page.goto(f"{live_server}/t/{SLUG}/m/canteen/deliveries/new")
    page.select_option("#supplier_id", label="绿源蔬菜合作社")
    page.fill("#inspector", "王师傅")
    page.fill("#second_inspector", "李老师")
    page.fill("#items-0-food", "豆腐")
    page.fill("#items-0-quantity", "5")
    page.fill("#items-0-unit", "kg")
    page.fill("#items-0-unit_price", "3.20")
    page.fill("#items-0-production_date", (today - timedelta(days=1)).isoformat())
    page.fill("#items-0-shelf_life_days", "7")
    assert page.get_attribute("#items-0-shelf_life_days", "min") == "1"
    page.click("[data-testid=delivery-form] button[type=submit]:not([name])")
    page.wait_for_url("**/deliveries/*-*")
    assert "豆腐" in page.inner_text("main")
    screenshot(page, "canteen-delivery-shelf-life")
    with tenant_context(school):
        kept = db.session.scalar(select(DeliveryItem).where(DeliveryItem.food == "豆腐"))
        assert (kept.shelf_life_days, kept.expiry_date) == (7, today + timedelta(days=6))


def test_the_sample_form_says_its_limits_before_a_save(live_server, kitchen, page):
    _sign_in(page, live_server, "cook@days.test")
    page.goto(f"{live_server}/t/{SLUG}/m/canteen/samples")
    grams = page.locator("#grams")
    assert (grams.get_attribute("min"), grams.get_attribute("max")) == ("125", "5000")
    assert "125" in page.inner_text("[data-testid=hint-grams]")
    assert "48" in page.inner_text("[data-testid=hint-taken_at]")
    assert grams.get_attribute("aria-describedby") == "grams-hint"
    screenshot(page, "canteen-sample-limits")


def test_a_guardian_on_a_phone_goes_from_home_to_this_and_next_week_s_menu(
        chromium, live_server, kitchen):
    context = chromium.new_context(viewport={"width": 375, "height": 812}, is_mobile=True,
                                   locale="zh-CN")
    phone = context.new_page()
    phone.set_default_timeout(10_000)
    _sign_in(phone, live_server, "parent@days.test")
    assert "番茄炒蛋" in phone.inner_text("[data-testid=canteen-menu-widget]")
    screenshot(phone, "guardian-home-menu-phone")
    phone.click("[data-testid=menu-this-week]")
    days = phone.locator("[data-testid=menu-day]")
    expect(days).to_have_count(7)
    expect(phone.locator("[data-testid=menu-days]")).to_be_visible()
    assert not phone.is_visible("[data-testid=public-menu]")  # no 7-column table on a phone
    assert "番茄炒蛋" in phone.inner_text("[data-testid=menu-days]")
    assert _fits(phone), "the week's menu scrolls sideways on a phone"
    screenshot(phone, "guardian-menu-phone")
    phone.click("[data-testid=next-week]")
    assert "清蒸鲈鱼" in phone.inner_text("[data-testid=menu-days]")
    assert "番茄炒蛋" not in phone.inner_text("[data-testid=menu-days]")
    assert _fits(phone), "next week's menu scrolls sideways on a phone"
    screenshot(phone, "guardian-next-week-menu-phone")
    phone.click("[data-testid=previous-week]")
    assert "番茄炒蛋" in phone.inner_text("[data-testid=menu-days]")
    context.close()
