"""The morning check (晨检) on a phone at the kitchen door: one worker passes, a mistyped
temperature is refused next to its field, a fever and a symptom send two workers home."""

from datetime import date

import pytest
from playwright.sync_api import expect

from core.extensions import db
from core.identity import services
from core.people import services as people
from core.tenancy import tenant_context
from plugins.canteen.services import health
from tests.browser.conftest import screenshot

pytestmark = pytest.mark.houqin_plugins("canteen")


@pytest.fixture
def kitchen(app, make_school):
    school = make_school("canteen-health-browser", modules=("canteen",))
    nurse = services.create_user("nurse@canteen.test", "Nurse", "correct-horse-1")
    ids = {}
    with tenant_context(school):
        services.grant_school_role(nurse, "nurse")
        for name in ("王师傅", "李阿姨", "赵师傅"):
            member = people.create_staff({"name": name, "position": "厨师", "phone": None,
                                          "active": True})
            ids[name] = str(health.add_worker({"staff_id": member.id,
                                               "started_on": date(2026, 9, 1)}).id)
    db.session.commit()
    return ids


def test_the_morning_check_on_a_phone(chromium, live_server, kitchen):
    context = chromium.new_context(viewport={"width": 375, "height": 812}, is_mobile=True,
                                   locale="zh-CN")
    phone = context.new_page()
    phone.set_default_timeout(10_000)
    phone.goto(f"{live_server}/login")
    phone.fill("#email", "nurse@canteen.test")
    phone.fill("#password", "correct-horse-1")
    phone.click("button[type=submit]")
    phone.click("[data-testid=navigation] >> text=晨检")  # the home's tile
    expect(phone.locator("[data-testid=worker]")).to_have_count(3)

    def row(name):
        return phone.locator(f"#w{kitchen[name]}")

    row("王师傅").locator("input[type=number]").fill("36.5")
    row("王师傅").locator("button[type=submit]").click()
    assert row("王师傅").get_attribute("data-status") == "on_duty"

    row("李阿姨").locator("input[type=number]").fill("45")
    row("李阿姨").locator("button[type=submit]").click()
    error = phone.inner_text(f"[data-testid=error-w{kitchen['李阿姨']}_temperature]")
    assert "34" in error and "43" in error
    screenshot(phone, "canteen-morning-check-refused-phone")
    row("李阿姨").locator("input[type=number]").fill("38.2")
    row("李阿姨").locator("button[type=submit]").click()
    assert row("李阿姨").get_attribute("data-status") == "off_work"
    assert "今日停岗" in row("李阿姨").inner_text()

    row("赵师傅").locator("input[type=number]").fill("36.6")
    row("赵师傅").locator("summary").click()
    row("赵师傅").locator("input[value=diarrhoea]").check()
    row("赵师傅").locator("button[type=submit]").click()
    assert row("赵师傅").get_attribute("data-status") == "off_work"
    assert "腹泻" in row("赵师傅").inner_text()

    summary = phone.inner_text("[data-testid=summary]")
    assert "在岗：1" in summary and "停岗：2" in summary and "未检：0" in summary
    assert "无有效健康证" in phone.inner_text("[data-testid=no-certificate]")
    fits = phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert fits, "the morning check page scrolls sideways on a phone"
    screenshot(phone, "canteen-morning-check-phone")
    context.close()
