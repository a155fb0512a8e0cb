"""The weekly safety report on a 375 px phone (no sideways scroll) and printed (A4: no
navigation, no week links, every section there); the incident form on the phone too."""

from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import expect

from core.extensions import db
from core.identity import services
from core.tenancy import tenant_context
from tests.browser.conftest import screenshot

pytestmark = pytest.mark.houqin_plugins("safety")
PASSWORD = "correct-horse-1"


@pytest.fixture
def school(app, make_school):
    school = make_school("safety-week", modules=("safety",))
    from plugins.safety.services import hazards, incidents, weekly

    with tenant_context(school):
        user = services.create_user("officer@week.test", "safety_officer", PASSWORD)
        services.grant_school_role(user, "safety_officer")
        monday = datetime.combine(weekly.week_of().start, datetime.min.time()).astimezone(UTC)
        hazards.report({"place": "教学楼二楼东侧楼梯口的扶手与栏杆连接处", "level": "major",
                        "description": "扶手松动", "found_at": monday + timedelta(hours=10)})
        incidents.report({"occurred_at": monday + timedelta(days=1, hours=3), "place": "操场",
                          "kind": "injury", "description": "学生摔倒擦伤"})
        db.session.commit()
    return school


def test_the_weekly_report_reads_on_a_phone_and_prints_alone(chromium, live_server, school):
    context = chromium.new_context(viewport={"width": 375, "height": 812}, is_mobile=True,
                                   locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.goto(f"{live_server}/login")
    page.fill("#email", "officer@week.test")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.goto(f"{live_server}/t/safety-week/m/safety/report")
    report = page.locator("[data-testid=weekly-report]")
    expect(report).to_contain_text("安全周报")
    expect(page.locator("[data-testid=weekly-incidents]")).to_contain_text("学生受伤")
    assert page.evaluate("[window.innerWidth, document.documentElement.scrollWidth]"
                         ) == [375, 375], "the weekly report scrolls sideways on a phone"
    screenshot(page, "safety-weekly-phone")

    page.emulate_media(media="print")
    expect(page.locator("header.bar")).to_be_hidden()
    expect(page.locator("nav").first).to_be_hidden()
    expect(page.locator("[data-testid=week-previous]")).to_be_hidden()
    for key in ("hazards", "equipment", "drills", "incidents"):
        expect(page.locator(f"[data-testid=weekly-{key}]")).to_be_visible()
    expect(page.locator(".weekly .signature")).to_be_visible()
    assert page.pdf(format="A4")[:4] == b"%PDF"
    page.emulate_media(media="screen")

    page.goto(f"{live_server}/t/safety-week/m/safety/incidents/new")
    page.click("form[data-testid=report-incident] button[type=submit]")
    expect(page.locator("[data-testid=error-description]")).to_be_visible()
    assert page.evaluate("[window.innerWidth, document.documentElement.scrollWidth]"
                         ) == [375, 375], "the incident form scrolls sideways on a phone"
    context.close()
