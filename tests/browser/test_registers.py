"""Registers in a real browser: add a class and a student, with a validation error on the way."""

import pytest

from core.extensions import db
from core.identity import services
from core.tenancy import tenant_context
from tests.browser.conftest import screenshot

pytestmark = pytest.mark.houqin_plugins("notes")


@pytest.fixture
def director(app, make_school):
    school = make_school("register-school")
    user = services.create_user("office@browser.test", "Office", "correct-horse-1")
    with tenant_context(school):
        services.grant_school_role(user, "logistics_director")
    db.session.commit()
    return user


def test_add_a_class_and_a_student_with_an_error_on_the_way(page, live_server, director):
    page.goto(f"{live_server}/login")
    page.fill("#email", "office@browser.test")
    page.fill("#password", "correct-horse-1")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server}/t/register-school/")
    page.click("text=班级")
    page.fill("#grade", "一年级")
    page.fill("#level", "1")
    page.fill("#name", "1班")
    page.click("form.form button")
    assert "一年级" in page.inner_text("[data-testid=classes]")
    screenshot(page, "classes")

    page.goto(f"{live_server}/t/register-school/people/students")
    page.fill("#student_no", "2026001")
    page.fill("#name", "王小明")
    page.fill("#birth_date", "2099-01-01")  # in the future: refused, next to the field
    page.fill("#allergies", "花生")
    page.click("form.form button")
    assert "不能晚于今天" in page.inner_text("[data-testid=error-birth_date]")
    assert page.input_value("#name") == "王小明"  # what was typed is kept
    screenshot(page, "student-error")
    page.fill("#birth_date", "2019-05-01")
    page.click("form.form button")
    table = page.inner_text("[data-testid=students]")
    assert "2026001" in table and "王小明" in table and "一年级1班" in table and "花生" in table
    screenshot(page, "students")
