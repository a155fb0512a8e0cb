"""A school admin edits the canteen's list and nested settings with real inputs, no JSON."""

import pytest
from playwright.sync_api import expect

from core.extensions import db
from core.identity import services
from core.schools import modules as module_service
from core.tenancy import tenant_context
from tests.browser.conftest import screenshot

pytestmark = pytest.mark.houqin_plugins("canteen")
SLUG = "settings-browser"


@pytest.fixture
def school(app, make_school):
    school = make_school(SLUG, modules=("canteen",))
    user = services.create_user("admin@settings.test", "Admin", "correct-horse-1")
    with tenant_context(school):
        services.grant_school_role(user, "school_admin")
    db.session.commit()
    return school


def settings(school) -> dict:
    with tenant_context(school):
        return next(m for m in module_service.module_states()
                    if m["name"] == "canteen")["settings"]


def test_a_list_setting_is_edited_with_real_inputs(live_server, school, page):
    page.goto(f"{live_server}/login")
    page.fill("#email", "admin@settings.test")
    page.fill("#password", "correct-horse-1")
    page.click("button[type=submit]")
    page.goto(f"{live_server}/t/{SLUG}/modules/canteen/settings")
    expect(page.locator("[data-testid=module-settings] textarea")).to_have_count(0)
    page.fill("#certificate_warn_days-2", "60")  # the blank box adds a value
    page.fill("#certificate_warn_days-1", "")  # an emptied box removes one
    page.check("input[name=meal_slots][value=dinner]")
    page.fill("[name='subsidies.0.code']", "nutrition")
    page.fill("[name='subsidies.0.name']", "营养改善计划")
    page.fill("[name='subsidies.0.fen_per_day']", "0")  # below the least a subsidy is
    page.check("input[name='subsidies.0.tiers'][value=free]")
    screenshot(page, "module-settings-lists")
    page.click("[data-testid=module-settings] button[type=submit]")
    expect(page.locator("[data-testid='error-subsidies.0.fen_per_day']")).to_be_visible()
    assert settings(school)["subsidies"] == []  # refused: nothing changed
    page.fill("[name='subsidies.0.fen_per_day']", "400")
    page.click("[data-testid=module-settings] button[type=submit]")
    page.wait_for_selector("[data-testid=saved]")
    saved = settings(school)
    assert saved["certificate_warn_days"] == [30, 60]
    assert "dinner" in saved["meal_slots"]
    assert saved["subsidies"] == [{"code": "nutrition", "name": "营养改善计划",
                                   "fen_per_day": 400, "tiers": ["free"]}]
    assert page.input_value("#certificate_warn_days-1") == "60"
    screenshot(page, "module-settings-saved")


def test_the_settings_fit_a_phone(chromium, live_server, school):
    context = chromium.new_context(viewport={"width": 375, "height": 812}, is_mobile=True,
                                   locale="zh-CN")
    phone = context.new_page()
    phone.set_default_timeout(10_000)
    phone.goto(f"{live_server}/login")
    phone.fill("#email", "admin@settings.test")
    phone.fill("#password", "correct-horse-1")
    phone.click("button[type=submit]")
    phone.goto(f"{live_server}/t/{SLUG}/modules/canteen/settings")
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), \
        "the settings page scrolls sideways on a phone"
    screenshot(phone, "module-settings-phone")
    context.close()
