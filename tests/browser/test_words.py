"""A kindergarten's office on a phone reads a kindergarten's words: from its home to its
children's register without typing an address, no 学生 or 学号 on the way. (Reads the
kindergarten entries of the zh-CN catalogue: run after `houqin i18n compile`.)"""

import pytest

from core.extensions import db
from core.identity import services
from core.tenancy import tenant_context
from tests.browser.conftest import screenshot

pytestmark = pytest.mark.houqin_plugins("notes")


@pytest.fixture
def office(app, make_school):
    school = make_school("words-garden", type="kindergarten")
    user = services.create_user("office@garden.test", "Office", "correct-horse-1")
    with tenant_context(school):
        services.grant_school_role(user, "school_admin")
    db.session.commit()
    return user


@pytest.fixture
def phone(chromium):
    context = chromium.new_context(locale="zh-CN", viewport={"width": 375, "height": 740})
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def test_a_kindergarten_office_finds_its_children_in_its_own_words(phone, live_server, office):
    phone.goto(f"{live_server}/login")
    phone.fill("#email", "office@garden.test")
    phone.fill("#password", "correct-horse-1")
    phone.click("button[type=submit]")
    phone.wait_for_url(f"{live_server}/t/words-garden/")
    phone.get_by_role("link", name="幼儿", exact=True).first.click()
    phone.wait_for_url(f"{live_server}/t/words-garden/people/students")
    text = phone.inner_text("body")
    assert "添加幼儿" in text and "幼儿编号" in text
    assert "学生" not in text and "学号" not in text
    assert "幼儿园后勤管理" in phone.title()
    screenshot(phone, "kindergarten-children")
