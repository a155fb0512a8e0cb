"""The registers, calendar, audit log and district home in a real browser, with a screenshot
of each for the CI artifacts."""

from datetime import date

import pytest

from core.calendar import services as calendar
from core.extensions import db
from core.identity import services
from core.people import services as people
from core.tenancy import tenant_context
from tests.browser.conftest import screenshot

pytestmark = pytest.mark.houqin_plugins("notes")


@pytest.fixture
def school(app, make_school):
    school = make_school("pages-school", modules=("notes",))
    director = services.create_user("director@pages.test", "Director", "correct-horse-1")
    inspector = services.create_user("inspector@pages.test", "Inspector", "correct-horse-1")
    services.grant_district_role(inspector, school.district_id, "district_inspector")
    with tenant_context(school):
        services.grant_school_role(director, "school_admin")
        year = calendar.create_year("2026学年", date(2026, 9, 1), date(2027, 8, 31))
        calendar.create_term(year.id, "第一学期", date(2026, 9, 1), date(2027, 1, 22))
        calendar.set_day(date(2026, 10, 1), "holiday", "国庆节")
        calendar.set_day(date(2026, 10, 10), "workday", "国庆调休")
        school_class = people.create_class(people.create_grade("一年级", 1).id, "1班", None)
        people.create_student({"student_no": "2026001", "name": "王小明", "gender": "male",
                               "birth_date": date(2019, 5, 1), "class_id": school_class.id,
                               "boarding": False, "allergies": "花生", "dietary_notes": ""})
    db.session.commit()
    return school


def sign_in(page, live_server, email):
    page.goto(f"{live_server}/login")
    page.fill("#email", email)
    page.fill("#password", "correct-horse-1")
    page.click("button[type=submit]")


def test_a_tour_of_the_school_pages(page, live_server, school):
    sign_in(page, live_server, "director@pages.test")
    page.wait_for_url(f"{live_server}/t/pages-school/")
    page.click("text=学生")
    page.click("text=王小明")
    page.wait_for_selector("text=花生")
    screenshot(page, "student")
    page.goto(f"{live_server}/t/pages-school/calendar?month=2026-10")
    grid = page.inner_text("[data-testid=month-grid]")
    assert "国庆节" in grid and "国庆调休" in grid
    screenshot(page, "calendar")
    page.goto(f"{live_server}/t/pages-school/audit")
    assert "学生" in page.inner_text("[data-testid=audit-events]")  # the table, by its label
    screenshot(page, "audit")


def test_an_inspector_lands_on_the_district_home(page, live_server, school):
    sign_in(page, live_server, "inspector@pages.test")
    page.wait_for_url(f"{live_server}/district/district-a")
    assert "Pages-School" in page.inner_text("[data-testid=district-schools]")
    screenshot(page, "district-home")
    page.click("text=进入（只读）")
    page.wait_for_url(f"{live_server}/t/pages-school/")
    screenshot(page, "school-home-read-only")
