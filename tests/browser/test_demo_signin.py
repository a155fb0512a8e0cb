"""The demo's sign-in page: a visitor sees the accounts by role and signs in with one click,
on a phone as on a desktop."""

from pathlib import Path

import pytest
from playwright.sync_api import expect

from core.demo import generate
from tenants.manifests import apply_manifest
from tests.browser.conftest import screenshot

MANIFEST = Path(__file__).parents[2] / "tenants" / "manifests" / "demo-district.toml"


@pytest.fixture
def app(app_factory):
    app = app_factory(plugins=["canteen", "fees", "energy", "safety"], DEMO=True)
    with app.app_context():
        text = MANIFEST.read_text(encoding="utf-8")
        apply_manifest(text, source=str(MANIFEST))
        generate(text, days=1)
        yield app


def test_a_visitor_signs_in_as_the_cook_with_one_click(chromium, live_server):
    context = chromium.new_context(viewport={"width": 375, "height": 812}, is_mobile=True,
                                   locale="zh-CN")
    phone = context.new_page()
    phone.set_default_timeout(15_000)
    phone.goto(f"{live_server}/login")
    listed = phone.locator("[data-testid=demo-accounts]")
    expect(listed.locator(".demo-role[data-role=guardian]")).to_have_count(3)  # one a school
    # The first school is open; the bureau and the other schools open with a tap.
    cook = listed.locator(".demo-role[data-role=canteen_manager]").first
    assert cook.is_visible()
    assert "canteen@dongfeng.houqin.test" in cook.inner_text()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
    screenshot(phone, "demo-sign-in-phone")
    cook.locator("[data-testid=demo-signin]").first.click()
    phone.wait_for_load_state()
    assert "/login" not in phone.url
    expect(phone.locator("form[action='/logout']")).to_have_count(1)
    screenshot(phone, "demo-cook-home-phone")
    context.close()
