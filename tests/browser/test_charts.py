"""The charts on a phone and on paper: the logistics director's home shows the fee and canteen
cards with their small charts, and the arrears and daily food-safety reports their larger ones,
all within a 375 px screen, without a word from the Content-Security-Policy, and still there
when printed (where the navigation is not)."""

import uuid
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from core.calendar import services as calendar
from core.extensions import db
from core.identity import services
from core.tenancy import tenant_context
from plugins.canteen.services import menus as canteen
from tests.browser.conftest import screenshot
from tests.plugins.fees.support import classroom, issued_bill, paid

pytestmark = pytest.mark.houqin_plugins("fees", "canteen")


@pytest.fixture
def office(app, make_school):
    school = make_school("charts-browser", modules=("fees", "canteen"))
    today = datetime.now(ZoneInfo(school.timezone)).date()
    user = services.create_user("director@charts.test", "Director", "correct-horse-1")
    with tenant_context(school):
        services.grant_school_role(user, "logistics_director")
        year = calendar.create_year("本学年", today - timedelta(days=90),
                                    today + timedelta(days=200))
        term = calendar.create_term(year.id, "本学期", today - timedelta(days=60),
                                    today + timedelta(days=60))
        dish = canteen.create_dish({"name": "番茄炒蛋", "allergens": ["egg"], "notes": "",
                                    "active": True, "ingredients": [{"food": "鸡蛋", "grams": 50}]})
        canteen.add_to_menu({"day": today, "slot": "lunch", "dish_id": dish.id})
        db.session.commit()
        term_id = str(term.id)
    for name, owed in (("1班", 120000), ("2班", 90000)):
        _class_id, students = classroom(school, name, students=2)
        for student in students:
            bill = issued_bill(school, term_id, student, owed)
            paid(school, bill, owed // 2, received_on=today)
    return {"term_id": uuid.UUID(term_id)}


def fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_the_charts_show_on_a_phone_and_print(chromium, live_server, office):
    context = chromium.new_context(viewport={"width": 375, "height": 812}, is_mobile=True,
                                   locale="zh-CN")
    phone = context.new_page()
    phone.set_default_timeout(10_000)
    refused = []
    phone.on("console", lambda m: refused.append(m.text)
             if "Content Security Policy" in m.text else None)
    phone.goto(f"{live_server}/login")
    phone.fill("#email", "director@charts.test")
    phone.fill("#password", "correct-horse-1")
    phone.click("button[type=submit]")
    phone.goto(f"{live_server}/t/charts-browser/")

    for card in ("fees-widget-chart", "canteen-widget-chart"):
        chart = phone.locator(f"[data-testid={card}] svg[role=img]")
        assert chart.is_visible(), card
        box = chart.bounding_box()
        assert 100 < box["width"] <= 375 and box["height"] > 20, (card, box)
    assert fits(phone), "the home scrolls sideways on a phone"
    screenshot(phone, "charts-home-phone")

    phone.goto(f"{live_server}/t/charts-browser/m/fees/reports/collection")
    bars = phone.locator("[data-testid=collection-chart] svg rect.chart-bar")
    expect(bars).to_have_count(2)
    assert "50.00%" in phone.locator("[data-testid=collection-chart] table").text_content()
    assert fits(phone)
    screenshot(phone, "charts-collection-phone")

    phone.goto(f"{live_server}/t/charts-browser/m/fees/reports/arrears")
    chart = phone.locator("[data-testid=arrears-chart] svg[role=img]")
    assert chart.is_visible() and chart.bounding_box()["width"] <= 375
    assert "2100.00" in chart.text_content()  # half of 4200 yuan still owed this month
    assert fits(phone)
    screenshot(phone, "charts-arrears-phone")
    phone.emulate_media(media="print")
    assert chart.is_visible()
    assert not phone.locator("form.report-filters").is_visible()
    screenshot(phone, "charts-arrears-print")

    phone.emulate_media(media="screen")
    phone.goto(f"{live_server}/t/charts-browser/m/canteen/report")
    chart = phone.locator("[data-testid=missing-chart] svg[role=img]")
    assert chart.is_visible() and chart.bounding_box()["width"] <= 375
    legend = [t.text_content() for t in chart.locator("text.chart-legend").all()]
    assert legend == ["留样", "晨检", "卫生记录"], legend
    # the figures as a table for a screen reader, one pixel wide on the screen
    hidden = phone.locator("[data-testid=missing-chart] .visually-hidden")
    assert hidden.bounding_box()["width"] <= 1
    expect(hidden.locator("table.chart-data th[scope=col]")).to_have_count(5)
    assert fits(phone)
    phone.emulate_media(media="print")
    assert chart.is_visible()
    screenshot(phone, "charts-food-safety-print")
    assert refused == [], refused
    context.close()
