"""The finance clerk's path from the bills to a printed receipt, without typing an address:
find a student's bill by name, record its first payment from the bill, see the receipt list
what it pays for, print it (A5, no app header), then print the class's payment notices."""

import re
import uuid
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from core.calendar import services as calendar
from core.extensions import db
from core.identity import services
from core.people import services as people
from core.tenancy import tenant_context
from plugins.fees.models import Bill
from plugins.fees.services import bills
from tests.browser.conftest import screenshot

pytestmark = pytest.mark.houqin_plugins("fees")

LINES = [("tuition", "保育教育费", 98000), ("meals", "伙食费", 45000), ("held", "园服费（代收）", 18050)]


A5_LANDSCAPE = (595, 420)  # points, rounded


def pdf_pages(page) -> list[tuple[int, int]]:
    """The size of each page Chromium prints the page on, with the page's own paper sizes."""
    printed = page.pdf(prefer_css_page_size=True).decode("latin-1")
    return [(round(float(w)), round(float(h))) for w, h in re.findall(
        r"/MediaBox \[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", printed)]


@pytest.fixture
def office(app, make_school):
    school = make_school("fees-clerk", modules=("fees",))
    user = services.create_user("clerk@fees.test", "Clerk", "correct-horse-1")
    today = datetime.now(ZoneInfo(school.timezone)).date()
    with tenant_context(school):
        services.grant_school_role(user, "finance_clerk")
        year = calendar.create_year("本学年", today - timedelta(days=60),
                                    today + timedelta(days=300))
        term = calendar.create_term(year.id, "第一学期", today - timedelta(days=60),
                                    today + timedelta(days=60))
        grade = people.create_grade("一年级", 1)
        school_class = people.create_class(grade.id, "3班", None)
        for number, name in (("20260301", "李小明"), ("20260302", "王芳"), ("20260303", "张伟")):
            pupil = people.create_student({
                "student_no": number, "name": name, "gender": "female",
                "birth_date": date(2019, 1, 1), "class_id": school_class.id})
            bill = Bill(term_id=term.id, student_id=pupil.id, class_id=school_class.id)
            db.session.add(bill)
            db.session.flush()
            bills.replace_draft_lines(bill, [
                bills.Line("charge", "fees", f"item.{n}", category, text, 1, fen, fen,
                           fee_item_id=uuid.uuid4())
                for n, (category, text, fen) in enumerate(LINES)], by="test")
            bills.issue(bill, by="会计")
        db.session.commit()
    return school


def test_the_clerk_finds_a_bill_records_its_first_payment_and_prints_the_receipt(
        chromium, live_server, office):
    context = chromium.new_context(viewport={"width": 1280, "height": 800}, locale="zh-CN")
    desk = context.new_page()
    desk.set_default_timeout(10_000)
    desk.goto(f"{live_server}/login")
    desk.fill("#email", "clerk@fees.test")
    desk.fill("#password", "correct-horse-1")
    desk.click("button[type=submit]")
    desk.click("[data-testid=navigation] a[href$='/m/fees/bills']")

    desk.fill("#q", "王芳")
    desk.click("[data-testid=bill-search] button")
    found = desk.locator("[data-testid=bill-row]")
    expect(found).to_have_count(1)  # after the search's answer, not before it
    assert "20260302" in found.inner_text()

    found.locator("[data-testid=row-record-payment]").click()
    assert desk.input_value("#amount") == "1610.50"  # what the bill owes
    desk.fill("#amount", "1200")
    desk.fill("#payer", "王芳妈妈")
    desk.click("form[data-testid=pay] button[type=submit]")
    expect(desk.locator("[data-testid=recorded]")).to_be_visible()
    desk.click("[data-testid=receipt-link]")
    items = desk.locator("[data-testid=receipt-item]")
    expect(items).to_have_count(2)
    assert "保育教育费" in items.nth(0).inner_text() and "980.00" in items.nth(0).inner_text()
    assert "伙食费" in items.nth(1).inner_text() and "220.00" in items.nth(1).inner_text()
    assert "学期费用" not in desk.inner_text("[data-testid=receipt]")
    expect(desk.locator("header.bar")).to_be_visible()
    desk.emulate_media(media="print")
    expect(desk.locator("header.bar")).to_be_hidden()
    assert not desk.locator("button").first.is_visible()
    expect(desk.locator("[data-testid=receipt-items]")).to_be_visible()
    assert desk.evaluate("getComputedStyle(document.querySelector("
                         "'[data-testid=receipt]')).page") == "a5"
    screenshot(desk, "fees-receipt-print")
    assert pdf_pages(desk) == [A5_LANDSCAPE]  # one sheet, half an A4
    context.close()


def test_the_clerk_prints_a_class_s_payment_notices(chromium, live_server, office):
    context = chromium.new_context(viewport={"width": 1280, "height": 800}, locale="zh-CN")
    desk = context.new_page()
    desk.set_default_timeout(10_000)
    desk.goto(f"{live_server}/login")
    desk.fill("#email", "clerk@fees.test")
    desk.fill("#password", "correct-horse-1")
    desk.click("button[type=submit]")
    desk.click("[data-testid=navigation] a[href$='/m/fees/bills']")
    desk.select_option("#class_id", label="一年级3班")
    desk.click("[data-testid=bill-search] button")
    expect(desk.locator("[data-testid=bill-row]")).to_have_count(3)
    desk.click("[data-testid=print-class-notices]")
    sheets = desk.locator("[data-testid=sheet]")
    expect(sheets).to_have_count(3)
    assert "李小明" in sheets.nth(0).inner_text() and "张伟" in sheets.nth(2).inner_text()

    desk.emulate_media(media="print")
    expect(desk.locator("header.bar")).to_be_hidden()
    breaks = desk.evaluate("""() => [...document.querySelectorAll('[data-testid=sheet]')]
        .map(e => [getComputedStyle(e).breakAfter, getComputedStyle(e).page])""")
    assert breaks == [["page", "a5"], ["page", "a5"], ["auto", "a5"]], breaks
    screenshot(desk, "fees-class-notices-print")
    assert pdf_pages(desk) == [A5_LANDSCAPE] * 3  # one sheet per student
    context.close()


def test_a_bill_is_found_by_number_on_a_phone(chromium, live_server, office):
    context = chromium.new_context(viewport={"width": 375, "height": 812}, is_mobile=True,
                                   locale="zh-CN")
    phone = context.new_page()
    phone.set_default_timeout(10_000)
    phone.goto(f"{live_server}/login")
    phone.fill("#email", "clerk@fees.test")
    phone.fill("#password", "correct-horse-1")
    phone.click("button[type=submit]")
    phone.click("[data-testid=navigation] a[href$='/m/fees/bills']")
    phone.fill("#q", "20260303")
    phone.click("[data-testid=bill-search] button")
    found = phone.locator("[data-testid=bill-row]")
    expect(found).to_have_count(1)
    assert "张伟" in found.inner_text()
    # (a phone widens its layout to what overflows: the width must stay the screen's)
    assert phone.evaluate("[window.innerWidth, document.documentElement.scrollWidth]"
                          ) == [375, 375], "the bills page scrolls sideways on a phone"
    screenshot(phone, "fees-bills-phone")
    link = found.locator("a").first
    link.click()  # the bill, and from it the payment
    phone.click("[data-testid=record-payment]")
    assert phone.input_value("#amount") == "1610.50"
    context.close()
