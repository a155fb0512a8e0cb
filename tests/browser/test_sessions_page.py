"""'Where I am signed in' on a phone: each session reads as a small card, its action on one line."""

import pytest
from playwright.sync_api import expect

from core.extensions import db
from core.identity import services, sessions
from tests.browser.conftest import screenshot

pytestmark = pytest.mark.houqin_plugins("notes")
PASSWORD = "correct-horse-1"
DESKTOP = ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko)"
           " Chrome/120.0 Safari/537.36")


@pytest.fixture
def person(app):
    user = services.create_user("phone@browser.test", "Phone", PASSWORD)
    db.session.commit()
    sessions.start(user.id, "2001:db8:1234:5678:9abc:def0:1234:5678", DESKTOP)
    db.session.commit()
    return user


def test_the_sessions_table_reads_well_on_a_phone(chromium, live_server, person):
    context = chromium.new_context(viewport={"width": 375, "height": 812}, is_mobile=True,
                                   locale="zh-CN")
    phone = context.new_page()
    phone.goto(f"{live_server}/login?next=/account/sessions")
    phone.fill("#email", "phone@browser.test")
    phone.fill("#password", PASSWORD)
    phone.click("button[type=submit]")
    phone.wait_for_url(f"{live_server}/account/sessions")
    rows = phone.locator("[data-testid=sessions] tbody tr")
    expect(rows).to_have_count(2)
    line = phone.evaluate("parseFloat(getComputedStyle(document.body).lineHeight)")
    for button in phone.locator("[data-testid=sessions] button").all():
        box = button.bounding_box()
        assert box["height"] < 2 * line, box  # the action on one line, not a letter per line
    # No sideways scrolling: every card fits the screen.
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
    screenshot(phone, "sessions-phone")
    context.close()
