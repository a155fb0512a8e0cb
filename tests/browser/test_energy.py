"""The asset keeper reads a meter on a 375 px phone: from the home page's "Today's work" to
the reading form, a reading lower than the last refused beside its input, then the right
figure saved with a photo of the dial, and the page never scrolling sideways."""

from datetime import datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from core.extensions import db
from core.identity import services
from core.people.services import create_building
from core.tenancy import tenant_context
from tests.browser.conftest import screenshot

pytestmark = pytest.mark.houqin_plugins("energy")
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def grounds(app, make_school):
    from plugins.energy.services import meters, readings

    school = make_school("energy-phone", modules=("energy",))
    user = services.create_user("keeper@energy.test", "Keeper", "correct-horse-1")
    zone = ZoneInfo(school.timezone)
    today = datetime.now(zone).date()
    with tenant_context(school):
        services.grant_school_role(user, "asset_keeper")
        teaching = create_building("教学楼")
        water = meters.create({"number": "SB-001", "kind": "water", "digits": 5,
                               "building_id": teaching.id,
                               "installed_on": today - timedelta(days=30)})
        readings.record(water.id, {"read_at": datetime.combine(today - timedelta(days=2),
                                                               time(7, 30), zone),
                                   "value": Decimal("1234.5")})
        db.session.commit()
        return school, water.id


def test_a_reading_entered_on_a_phone(chromium, live_server, grounds):
    _school, water = grounds
    context = chromium.new_context(viewport={"width": 375, "height": 812}, is_mobile=True,
                                   locale="zh-CN")
    phone = context.new_page()
    phone.set_default_timeout(10_000)
    phone.goto(f"{live_server}/login")
    phone.fill("#email", "keeper@energy.test")
    phone.fill("#password", "correct-horse-1")
    phone.click("button[type=submit]")
    today = phone.locator("[data-testid=today]")
    expect(today.locator("[data-testid=energy-due]")).to_contain_text("SB-001")
    today.locator("a[href$='/m/energy/readings/new']").click()

    phone.select_option("#meter_id", str(water))
    phone.fill("#value", "1200")
    phone.click("form[data-testid=reading] button[type=submit]")
    expect(phone.locator("[data-testid=error-value]")).to_contain_text("1234.5")
    assert phone.evaluate("[window.innerWidth, document.documentElement.scrollWidth]"
                          ) == [375, 375], "the reading form scrolls sideways on a phone"

    phone.fill("#value", "1250.75")
    phone.set_input_files("#photo", files=[{"name": "dial.png", "mimeType": "image/png",
                                            "buffer": PNG}])
    phone.click("form[data-testid=reading] button[type=submit]")
    expect(phone.locator("[data-testid=saved]")).to_contain_text("1250.75")
    screenshot(phone, "energy-reading-phone")

    phone.goto(f"{live_server}/t/energy-phone/m/energy/meters/{water}")
    rows = phone.locator("[data-testid=readings] tbody tr")
    expect(rows).to_have_count(2)
    assert "16.250" in rows.first.inner_text()  # 1250.75 − 1234.5
    assert phone.evaluate("[window.innerWidth, document.documentElement.scrollWidth]"
                          ) == [375, 375], "the meter page scrolls sideways on a phone"
    context.close()
