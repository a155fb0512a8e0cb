"""Meal counts on a phone: a class teacher reports the class's lunch, is refused more eaters
than the class has, and the kitchen's totals page shows it."""

from datetime import date

import pytest

from core.extensions import db
from core.identity import services
from core.people import services as people
from core.tenancy import tenant_context
from tests.browser.conftest import screenshot
from tests.plugins.canteen.support import school_day_ahead

pytestmark = pytest.mark.houqin_plugins("canteen")


@pytest.fixture
def classroom(app, make_school):
    school = make_school("counts-browser", modules=("canteen",))
    teacher = services.create_user("head@counts.test", "李老师", "correct-horse-1")
    cook = services.create_user("cook@counts.test", "Cook", "correct-horse-1")
    with tenant_context(school):
        services.grant_school_role(teacher, "class_teacher")
        services.grant_school_role(cook, "canteen_manager")
        staff = people.create_staff({"name": "李老师", "position": "班主任", "phone": None,
                                     "active": True, "login": "head@counts.test"})
        grade = people.create_grade("三年级", 3)
        school_class = people.create_class(grade.id, "2班", staff.id)
        for n in range(2):
            people.create_student({"student_no": f"S{n}", "name": f"学生{n}", "gender": "male",
                                   "birth_date": date(2017, 3, 1), "class_id": school_class.id})
    db.session.commit()
    return school_day_ahead(school)


def _sign_in(chromium, live_server, email):
    context = chromium.new_context(viewport={"width": 375, "height": 812}, is_mobile=True,
                                   locale="zh-CN")
    phone = context.new_page()
    phone.set_default_timeout(10_000)
    phone.goto(f"{live_server}/login")
    phone.fill("#email", email)
    phone.fill("#password", "correct-horse-1")
    phone.click("button[type=submit]")
    return context, phone


def test_a_class_teacher_reports_lunch_on_a_phone(chromium, live_server, classroom):
    day = classroom
    context, phone = _sign_in(chromium, live_server, "head@counts.test")
    phone.goto(f"{live_server}/t/counts-browser/m/canteen/counts?day={day}")
    assert "三年级2班" in phone.inner_text("[data-testid=unit]")
    lunch = "[data-testid=unit] form:has(input[value=lunch])"
    phone.fill(f"{lunch} input[name=eaters]", "3")
    phone.click(f"{lunch} button")
    assert "2" in phone.inner_text(f"{lunch} .error")  # two students enrolled
    phone.fill(f"{lunch} input[name=eaters]", "2")
    phone.click(f"{lunch} button")
    assert phone.input_value(f"{lunch} input[name=eaters]") == "2"
    assert "保存" in phone.inner_text(f"{lunch} button")
    fits = phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert fits, "the counts page scrolls sideways on a phone"
    screenshot(phone, "canteen-counts-phone")
    context.close()

    context, phone = _sign_in(chromium, live_server, "cook@counts.test")
    phone.goto(f"{live_server}/t/counts-browser/m/canteen/counts/kitchen?day={day}")
    assert phone.inner_text("[data-testid=total-lunch]") == "2"
    assert "三年级2班" in phone.inner_text("[data-testid=unreported-breakfast]")
    screenshot(phone, "canteen-kitchen-phone")
    context.close()
