"""The pages under the Content-Security-Policy in a real browser: a school with the canteen and
fees on is toured (the school home and every page of the shell and both modules that needs
no identifier, a fee receipt printed, the public notice and menu, the API docs page), and
Chromium reports no violation of the policy while the print buttons, the language picker,
confirmations and htmx's polling still work."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from core.extensions import db
from core.identity import services
from core.schools import modules as module_service
from core.tenancy import tenant_context
from core.testing import run_jobs
from plugins.canteen.services import menus as canteen
from plugins.fees.services import catalogue
from tests.browser.conftest import SCREENSHOTS, screenshot
from tests.plugins.canteen.support import classroom
from tests.plugins.fees.support import issued_bill, paid
from tests.test_inline_code import page_paths
from tests.test_transfer import xlsx

pytestmark = pytest.mark.houqin_plugins("canteen", "fees")
SLUG = "csp-browser"
SCHOOL = f"/t/{SLUG}"
# Runs before any page script: counts prints instead of opening the dialog, and keeps every
# violation the page reports (the console also says so; both are collected).
WATCH = """
window.__printed = 0;
window.print = () => { window.__printed += 1; };
window.__violations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__violations.push(
    `${event.violatedDirective} ${event.blockedURI} ${event.sourceFile}:${event.lineNumber}`);
});
"""


@pytest.fixture
def school(app, make_school):
    from datetime import date

    from core.calendar import services as calendar

    school = make_school(SLUG, modules=("canteen", "fees"))
    user = services.create_user("director@csp.test", "Director", "correct-horse-1")
    today = datetime.now(ZoneInfo(school.timezone)).date()
    with tenant_context(school):
        services.grant_school_role(user, "school_admin")
        year = calendar.create_year("2026学年", date(2026, 9, 1), date(2027, 8, 31))
        term_id = str(calendar.create_term(year.id, "第一学期", date(2026, 9, 1),
                                           date(2027, 1, 22)).id)
        dish = canteen.create_dish({"name": "番茄炒蛋", "allergens": ["egg"], "notes": "",
                                    "active": True, "ingredients": [{"food": "鸡蛋", "grams": 50}]})
        canteen.add_to_menu({"day": today, "slot": "lunch", "dish_id": dish.id})
        module_service.update_settings("fees", {"school_phone": "0551-6500-1234",
                                                "bureau_phone": "0551-6290-0000"})
        item = catalogue.create_item({"name": "保育教育费", "category": "care",
                                      "amount_fen": 98000, "unit": "month",
                                      "basis_authority": "合肥市发展和改革委员会",
                                      "basis_reference": "合发改收费〔2026〕12号"}, by="园长")
        catalogue.approve_item(item.id, item.version, by="园长")
        catalogue.publish_notice({"effective_on": today, "title": "收费公示"}, by="园长")
        db.session.commit()
    _, (pupil,) = classroom(school, "1班", students=1)
    payment_id = paid(school, issued_bill(school, term_id, pupil, 30000), 30000)
    return payment_id


@pytest.fixture
def watched(page):
    """The page, with the policy's violations and console complaints collected."""
    complaints = []
    page.on("console", lambda message: complaints.append(message.text)
            if message.type in ("error", "warning") else None)
    page.add_init_script(WATCH)
    page.complaints = complaints
    return page


def violations(page) -> list[str]:
    """What the policy refused since the last look."""
    reported = page.evaluate("window.__violations.splice(0)")
    said = [text for text in page.complaints if "Content Security Policy" in text]
    page.complaints.clear()
    return reported + said


def sign_in(page, live_server):
    page.goto(f"{live_server}/login")
    page.fill("#email", "director@csp.test")
    page.fill("#password", "correct-horse-1")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server}{SCHOOL}/")


def test_the_pages_work_under_the_policy(app, watched, live_server, school):
    page, payment_id = watched, school
    sign_in(page, live_server)
    screenshot(page, "csp-school-home")
    toured, shown = {}, 0
    for path in page_paths(app, SLUG):
        if path.endswith((".xlsx", ".csv")):
            continue  # a download, not a page: the browser saves it rather than showing it
        response = page.goto(f"{live_server}{path}")
        toured[path] = violations(page)
        assert response.status < 500, path
        shown += response.status == 200
    assert shown > 30
    assert {path: found for path, found in toured.items() if found} == {}

    page.goto(f"{live_server}{SCHOOL}/m/canteen/dishes")
    screenshot(page, "csp-canteen-dishes")
    page.goto(f"{live_server}{SCHOOL}/m/fees/payments/{payment_id}/receipt")
    assert page.evaluate("window.__printed") == 0
    page.click("[data-testid=print]")
    page.wait_for_selector("[data-testid=receipt][data-marking=original]")
    page.wait_for_function("window.__printed === 1")  # printed once the receipt loaded
    screenshot(page, "csp-fees-receipt-printed")

    page.goto(f"{live_server}{SCHOOL}/m/fees/public/notice")
    page.click("[data-print]")
    assert page.evaluate("window.__printed") == 1
    screenshot(page, "csp-fees-public-notice")
    page.goto(f"{live_server}{SCHOOL}/m/canteen/public/menu")
    assert "番茄炒蛋" in page.inner_text("main")
    assert violations(page) == []


def test_the_shell_scripts_work_under_the_policy(app, watched, live_server, school,
                                                  monkeypatch, tmp_path):
    page = watched
    sign_in(page, live_server)
    page.select_option("#locale", "en")  # sends its form by itself
    page.wait_for_selector("text=Sign out")

    page.goto(f"{live_server}{SCHOOL}/people/classes")
    asked = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.dismiss()))
    page.click("[data-testid^=graduate-]")
    assert asked and "1班" in asked[0]
    assert "graduated" not in page.inner_text("[data-testid=classes]")  # dismissed: not sent

    # htmx polls the import's progress into the page (the job is held until the bar shows).
    backend = app.extensions["houqin_jobs"]
    held, dispatch = [], backend.dispatch
    monkeypatch.setattr(backend, "dispatch", lambda *args, **kwargs: held.append((args, kwargs)))
    polled = []
    page.on("request", lambda request: polled.append(request.url)
            if request.headers.get("hx-request") else None)
    upload = tmp_path / "学生名单.xlsx"
    upload.write_bytes(xlsx([["2026101", "王小明", "男", "2019-05-01", "一年级", "1班", "否", ""]]))
    page.goto(f"{live_server}{SCHOOL}/people/imports")
    page.select_option("#kind", "students")
    page.set_input_files("#file", str(upload))
    page.click("form.form button")
    page.wait_for_selector("[data-testid=job-progress]")
    assert held, "the import was not queued"
    for args, kwargs in held:
        dispatch(*args, **kwargs)
    run_jobs(app)
    page.wait_for_selector("[data-testid=import-run]")  # only htmx's polling brings this in
    assert polled and page.evaluate("htmx.config.allowEval") is False
    assert page.evaluate("document.querySelectorAll('style:not([nonce])').length") == 0
    screenshot(page, "csp-import-polled")
    assert violations(page) == []


def test_the_api_docs_page_works_under_the_policy(watched, live_server, school):
    page = watched
    page.goto(f"{live_server}/api/v1/docs")
    page.wait_for_selector(".opblock")  # Swagger UI read the document and drew the operations
    assert "Houqin API" in page.inner_text(".info")
    page.click(".opblock-summary >> nth=0")
    page.wait_for_selector(".opblock-body")
    page.click("text=Try it out")
    page.click("text=Execute")  # Swagger UI calls the API from the page (connect-src)
    page.wait_for_selector(".live-responses-table .response-col_status")
    SCREENSHOTS.mkdir(exist_ok=True)  # the top of it: the whole list is very long
    page.screenshot(path=str(SCREENSHOTS / "csp-api-docs.png"))
    assert violations(page) == []
