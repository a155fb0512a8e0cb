"""The public fee notice (收费公示) on a parent's phone, and printed: it fits a 375px screen
without sideways scrolling, and printed it is on A4 (print.css's print-a4) with everything
but the notice hidden."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from core.extensions import db
from core.schools import modules as module_service
from core.tenancy import tenant_context
from plugins.fees.services import catalogue
from tests.browser.conftest import screenshot

pytestmark = pytest.mark.houqin_plugins("fees")

ITEMS = [
    {"name": "保育教育费", "category": "care", "amount_fen": 98000, "unit": "month"},
    {"name": "住宿费", "category": "boarding", "amount_fen": 60000, "unit": "term"},
    {"name": "园服费（代收）", "category": "held", "amount_fen": 18050, "unit": "item",
     "voluntary": True},
]


@pytest.fixture
def notice(app, make_school):
    school = make_school("fees-browser", type="kindergarten", modules=("fees",))
    with tenant_context(school):
        module_service.update_settings("fees", {"school_phone": "0551-6500-1234",
                                                "bureau_phone": "0551-6290-0000"})
        for fields in ITEMS:
            item = catalogue.create_item({**fields, "basis_authority": "合肥市发展和改革委员会",
                                          "basis_reference": "合发改收费〔2026〕12号"}, by="园长")
            catalogue.approve_item(item.id, item.version, by="园长")
        today = datetime.now(ZoneInfo(school.timezone)).date()
        catalogue.publish_notice({"effective_on": today, "title": "2026年秋季学期收费公示",
                                  "remarks": "保育教育费按月收取。"}, by="园长")
        db.session.commit()
    return school


def test_the_public_notice_reads_on_a_phone_and_prints_without_navigation(
        chromium, live_server, notice):
    context = chromium.new_context(viewport={"width": 375, "height": 812}, is_mobile=True,
                                   locale="zh-CN")
    phone = context.new_page()
    phone.set_default_timeout(10_000)
    phone.goto(f"{live_server}/t/fees-browser/m/fees/public/notice")
    sheet = phone.inner_text("[data-testid=notice]")
    for shown in ("2026年秋季学期收费公示", "保育教育费", "980.00", "园服费（代收）", "180.50",
                  "合发改收费〔2026〕12号", "0551-6500-1234", "0551-6290-0000", "12315"):
        assert shown in sheet, shown
    fits = phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert fits, "the notice scrolls sideways on a phone"
    screenshot(phone, "fees-notice-phone")

    phone.emulate_media(media="print")
    shown_in_print = phone.evaluate("""() => [...document.querySelectorAll(
        '.no-print, [data-testid=notice-history], button')].map(e => e.checkVisibility())""")
    assert len(shown_in_print) >= 3 and not any(shown_in_print), shown_in_print
    expect(phone.locator("[data-testid=notice-items]")).to_be_visible()
    assert phone.evaluate("getComputedStyle(document.querySelector("
                          "'[data-testid=notice]')).page") == "a4"
    assert phone.evaluate("""() => [...document.styleSheets].some(s => [...s.cssRules].some(
        r => r.cssText.startsWith('@page a4') && /size: a4/i.test(r.cssText)))""")
    screenshot(phone, "fees-notice-print")
    context.close()
