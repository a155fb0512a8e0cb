"""The navigation on a 375 px phone: the menu opens from its button, an entry leads to its
page, which the menu then marks as the current place, and the search box finds a student by
name. And on a desktop the navigation stands beside every page."""

from datetime import date

import pytest
from playwright.sync_api import expect

from core.calendar import services as calendar
from core.extensions import db
from core.identity import services
from core.people import services as people
from core.tenancy import tenant_context
from tests.browser.conftest import screenshot

pytestmark = pytest.mark.houqin_plugins("canteen", "fees")


@pytest.fixture
def school(app, make_school):
    school = make_school("nav-browser", modules=("canteen", "fees"))
    director = services.create_user("director@nav.test", "Director", "correct-horse-1")
    with tenant_context(school):
        services.grant_school_role(director, "logistics_director")
        year = calendar.create_year("2026学年", date(2026, 9, 1), date(2027, 8, 31))
        calendar.create_term(year.id, "第一学期", date(2026, 9, 1), date(2027, 1, 22))
        school_class = people.create_class(people.create_grade("一年级", 1).id, "1班", None)
        for number, name in (("2026001", "王小明"), ("2026002", "李小红")):
            people.create_student({"student_no": number, "name": name, "gender": "male",
                                   "birth_date": date(2019, 5, 1), "class_id": school_class.id})
    db.session.commit()
    return school


def sign_in(page, live_server):
    page.goto(f"{live_server}/login")
    page.fill("#email", "director@nav.test")
    page.fill("#password", "correct-horse-1")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server}/t/nav-browser/")


def test_on_a_phone_the_menu_opens_leads_to_a_page_marks_it_and_finds_a_student(
        chromium, live_server, school):
    context = chromium.new_context(viewport={"width": 375, "height": 812}, is_mobile=True,
                                   locale="zh-CN")
    phone = context.new_page()
    phone.set_default_timeout(10_000)
    sign_in(phone, live_server)
    menu = phone.locator("[data-testid=menu-button]")
    places = phone.locator("#site-nav-places")
    assert menu.is_visible() and not places.is_visible()  # folded away on a phone
    assert menu.get_attribute("aria-expanded") == "false"
    screenshot(phone, "navigation-phone-closed")

    menu.click()
    assert places.is_visible() and menu.get_attribute("aria-expanded") == "true"
    groups = phone.locator("[data-testid=nav-group] h2").all_inner_texts()
    assert groups[1:3] == ["食堂", "收费管理"]  # the modules, in the order they declare
    screenshot(phone, "navigation-phone-open")
    with phone.expect_navigation():
        places.get_by_role("link", name="学生", exact=True).click()
    assert phone.url == f"{live_server}/t/nav-browser/people/students"
    assert not places.is_visible()  # a new page starts with the menu closed
    menu.click()
    marked = phone.locator("#site-nav-places [aria-current=page]")
    expect(marked).to_have_count(1)
    assert marked.inner_text() == "学生"
    fits = phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert fits, "the open menu scrolls sideways on a phone"
    screenshot(phone, "navigation-phone-current")

    phone.fill("#nav-q", "小明")
    with phone.expect_navigation():
        phone.press("#nav-q", "Enter")
    hits = phone.inner_text("[data-testid=hits]")
    assert "王小明" in hits and "2026001" in hits and "李小红" not in hits
    screenshot(phone, "navigation-phone-search")
    with phone.expect_navigation():
        phone.click("[data-testid=hits] >> text=王小明")
    assert "/t/nav-browser/people/students/" in phone.url
    context.close()


def test_on_a_desktop_the_navigation_stands_beside_the_page(page, live_server, school):
    sign_in(page, live_server)
    expect(page.locator("[data-testid=menu-button]")).to_be_hidden()
    nav = page.locator("[data-testid=site-nav]").bounding_box()
    main = page.locator("main").bounding_box()
    assert nav["x"] + nav["width"] <= main["x"] + 1  # a column on the left
    page.locator("#site-nav-places").get_by_role("link", name="供应商").click()
    page.wait_for_url(f"{live_server}/t/nav-browser/m/canteen/suppliers")
    assert page.inner_text("#site-nav-places [aria-current=page]") == "供应商"
    screenshot(page, "navigation-desktop")


def test_a_class_teachers_home_starts_with_the_counts_to_report(chromium, live_server, school):
    from types import SimpleNamespace

    from core.sdk import school_today as today
    from tests.plugins.canteen.support import classroom

    teacher = services.create_user("teacher@nav.test", "Teacher", "correct-horse-1")
    with tenant_context(school):
        services.grant_school_role(teacher, "class_teacher")
        calendar.set_day(today(), "workday", "test")  # a school day, whenever the tests run
        db.session.commit()
    classroom(school, "2班", head=SimpleNamespace(email="teacher@nav.test"), students=2)
    context = chromium.new_context(viewport={"width": 375, "height": 812}, is_mobile=True,
                                   locale="zh-CN")
    phone = context.new_page()
    phone.set_default_timeout(10_000)
    phone.goto(f"{live_server}/login")
    phone.fill("#email", "teacher@nav.test")
    phone.fill("#password", "correct-horse-1")
    phone.click("button[type=submit]")
    phone.wait_for_url(f"{live_server}/t/nav-browser/")
    first = phone.locator("main [data-testid=widget]").first
    assert "一年级2班" in first.inner_text()  # the day's work before anything else
    assert phone.locator("[data-testid=today]").bounding_box()["y"] < \
        phone.locator("[data-testid=navigation]").bounding_box()["y"]
    screenshot(phone, "navigation-class-teacher-home-phone")
    with phone.expect_navigation():
        first.get_by_role("link").last.click()
    assert "/m/canteen/counts" in phone.url
    context.close()
