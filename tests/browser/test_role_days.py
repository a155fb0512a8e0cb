"""Issue 14's acceptance test: each role's day in Chromium, on a 375 px phone and on a desktop,
in zh-CN, by clicking only (the address is typed once, to sign in), failing on an English word
on a Chinese page. The roles: the logistics director who is also the school's administrator,
a canteen worker, the finance clerk, a class teacher, a guardian, a district inspector and a
kindergarten's head. Screenshots of each home and each printed document go to screenshots/,
with each day's English words by page (``role-days-<role>-<device>-english.json``)."""

import json
import re
import uuid
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect
from sqlalchemy import select, update

from core.calendar import services as calendar
from core.extensions import db
from core.identity import services
from core.people import services as people
from core.schools import modules
from core.schools.models import District, Tenant
from core.sdk import module_settings
from core.tenancy import tenant_context
from plugins.canteen.services import health
from plugins.canteen.services import menus as canteen
from plugins.fees.models import Bill
from plugins.fees.services import bills, payments
from tests.browser.conftest import SCREENSHOTS, screenshot

pytestmark = pytest.mark.houqin_plugins("canteen", "fees")
SLUG, KG = "role-days", "role-days-kg"
PASSWORD = "correct-horse-1"
LINES = [("tuition", "保育教育费", 98000), ("meals", "伙食费", 45000)]


def _user(email, name, *roles):
    user = services.create_user(email, name, PASSWORD)
    for role in roles:
        services.grant_school_role(user, role)
    return user


@pytest.fixture
def town(app, make_school):
    school = make_school(SLUG, district="role-days-district", modules=("canteen", "fees"))
    kindergarten = make_school(KG, type="kindergarten", district="role-days-district",
                               modules=("canteen", "fees"))
    db.session.execute(update(Tenant).where(Tenant.slug == SLUG).values(name="实验小学"))
    db.session.execute(update(Tenant).where(Tenant.slug == KG).values(name="阳光幼儿园"))
    db.session.execute(update(District).where(District.slug == "role-days-district")
                       .values(name="鼓楼区"))
    db.session.commit()
    today = datetime.now(ZoneInfo(school.timezone)).date()
    with tenant_context(school):
        _user("director@days.test", "张主任", "school_admin", "logistics_director")
        _user("cook@days.test", "王师傅", "canteen_manager")
        _user("clerk@days.test", "刘会计", "finance_clerk")
        _user("teacher@days.test", "李老师", "class_teacher")
        _user("parent@days.test", "王妈妈", "guardian")
        year = calendar.create_year("本学年", today - timedelta(days=60),
                                    today + timedelta(days=300))
        term = calendar.create_term(year.id, "第一学期", today - timedelta(days=60),
                                    today + timedelta(days=60))
        calendar.set_day(today, "workday", "test")
        head = people.create_staff({"name": "李老师", "position": "班主任", "phone": None,
                                    "active": True, "login": "teacher@days.test"})
        grade = people.create_grade("一年级", 1)
        school_class = people.create_class(grade.id, "3班", head.id)
        pupils = {}
        for number, name in (("20260301", "李小明"), ("20260302", "王芳"), ("20260303", "张伟")):
            pupil = people.create_student({
                "student_no": number, "name": name, "gender": "female",
                "birth_date": date(2019, 1, 1), "class_id": school_class.id})
            pupils[name] = pupil
            bill = Bill(term_id=term.id, student_id=pupil.id, class_id=school_class.id)
            db.session.add(bill)
            db.session.flush()
            bills.replace_draft_lines(bill, [
                bills.Line("charge", "fees", f"item.{n}", category, text, 1, fen, fen,
                           fee_item_id=uuid.uuid4())
                for n, (category, text, fen) in enumerate(LINES)], by="test")
            bills.issue(bill, by="会计")
        paid = db.session.scalar(select(Bill).where(Bill.student_id == pupils["王芳"].id))
        payments.record(paid.id, 50000, "cash", today, by="test")
        # Counts stay open all day, whenever the tests run (the default closes them at 09:00).
        modules.update_settings("canteen", {**module_settings("canteen"),
                                            "count_cutoff": "23:59"})
        people.add_guardian(pupils["王芳"].id, {
            "name": "王妈妈", "relation": "mother", "phone": "13800000001",
            "can_pick_up": True, "login": "parent@days.test"})
        dish = canteen.create_dish({"name": "番茄炒蛋", "allergens": ["egg"], "notes": "",
                                    "active": True, "ingredients": [{"food": "鸡蛋", "grams": 50}]})
        canteen.add_to_menu({"day": today, "slot": "lunch", "dish_id": dish.id})
        for name in ("赵师傅", "钱阿姨"):
            member = people.create_staff({"name": name, "position": "厨师", "phone": None,
                                          "active": True})
            health.add_worker({"staff_id": member.id, "started_on": today - timedelta(days=30)})
        db.session.commit()
    with tenant_context(kindergarten):
        _user("head@kg.test", "陈园长", "school_admin", "logistics_director")
        grade = people.create_grade("小班", 1)
        little = people.create_class(grade.id, "1班", None)
        people.create_student({"student_no": "K001", "name": "周小宝", "gender": "male",
                               "birth_date": date(2022, 3, 1), "class_id": little.id})
        db.session.commit()
    inspector = services.create_user("inspector@days.test", "孙督学", PASSWORD)
    district_id = db.session.scalar(select(District.id).where(
        District.slug == "role-days-district"))
    services.grant_district_role(inspector, district_id, "district_inspector")
    db.session.commit()
    return school


# --- the English check ------------------------------------------------------------------------

# Runs of three or more Latin letters standing alone: a run glued to a digit is part of a code
# (a credit code, a receipt or batch number, an id), not a word a reader reads.
LATIN_WORD = re.compile(r"(?<![A-Za-z0-9])[A-Za-z]{3,}(?![A-Za-z0-9])")
E_MAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.I)
# Words a Chinese page may show in Latin letters, and why.
ALLOWED = frozenset({
    "Houqin",  # the product's name
    "English",  # the language switcher offers English in its own name
    "API", "QR", "PDF", "CSV", "XLSX", "xlsx", "HTTP", "HTTPS", "URL", "SMS", "ID",  # codes
})
# Shown on one page only, allowed there only: the modules' code names (small, beside each
# title, on the modules page); on the audit log, the fixture's own "test" as the author of its
# records and its school's slug, role-days.
MODULE_CODES = frozenset({"canteen", "fees"})
TEST_DATA = frozenset({"test", "role", "days"})


def english_in(text: str, allowed: frozenset[str] = frozenset()) -> list[str]:
    """The English words in ``text``, leaving out e-mail addresses and ids (data),
    ``ALLOWED`` and what the caller ``allowed`` (data it entered itself)."""
    text = UUID.sub(" ", E_MAIL.sub(" ", text))
    return sorted({w for w in LATIN_WORD.findall(text) if w not in ALLOWED | allowed})


def english_words(page, allowed: frozenset[str] = frozenset()) -> list[str]:
    """The English words in the page's rendered, visible text (``document.body.innerText``)."""
    return english_in(page.evaluate("document.body.innerText"), allowed)


def test_the_english_check_finds_words_and_spares_codes_and_data():
    text = ("收据 2026-000003 · 60 of 60 students billed · Houqin API 导出 .xlsx · "
            "统一社会信用代码 91350100M000100Y43 · 批号 B20261116 · 5 kg · li.lei@example.cn · "
            "3f2b8c1e-9d4a-4f6b-a1c2-abcdef012345 · Menu of the week · 王芳 Wang")
    assert english_in(text) == ["Menu", "Wang", "billed", "students", "the", "week"]
    assert english_in(text, frozenset({"Wang"})) == ["Menu", "billed", "students", "the",
                                                     "week"]


# --- a role's day -----------------------------------------------------------------------------

DEVICES = {"phone": {"viewport": {"width": 375, "height": 812}, "is_mobile": True},
           "desktop": {"viewport": {"width": 1280, "height": 800}}}
REPORTS = SCREENSHOTS


class Day:
    """One person's day in the browser: pages reached by clicking only (the address is typed
    once, to sign in), each page's English words noted by its title."""

    def __init__(self, chromium, live_server: str, role: str, device: str):
        self.role, self.device = role, device
        self.context = chromium.new_context(locale="zh-CN", **DEVICES[device])
        self.page = self.context.new_page()
        self.page.set_default_timeout(10_000)
        self.live_server = live_server
        self.english: dict[str, list[str]] = {}

    def sign_in(self, email: str) -> None:
        self.page.goto(f"{self.live_server}/login")
        self.check("sign-in")
        self.page.fill("#email", email)
        self.page.fill("#password", PASSWORD)
        with self.page.expect_navigation():
            self.page.click("button[type=submit]")
        self.check("home")
        screenshot(self.page, f"role-days-{self.role}-home-{self.device}")

    def check(self, where: str, allowed: frozenset[str] = frozenset()) -> None:
        """Note the page's English words; on a phone the page must not scroll sideways."""
        self.page.wait_for_load_state()
        assert where == "sign-in" or "/login" not in self.page.url, f"{where}: sent to sign in"
        words = english_words(self.page, allowed)
        if words:
            self.english[f"{where} ({self.page.url.split('/', 3)[-1]})"] = words
        if self.device == "phone":
            fits = self.page.evaluate("document.documentElement.scrollWidth <= innerWidth")
            assert fits, f"{where} scrolls sideways on a phone"

    def click(self, target, where: str, allowed: frozenset[str] = frozenset()) -> None:
        """Follow a link or press a button that loads a page, then check that page."""
        locator = self.page.locator(target) if isinstance(target, str) else target
        with self.page.expect_navigation():
            locator.first.click()
        self.check(where, allowed)

    def menu(self, name: str, path: str | None = None,
             allowed: frozenset[str] = frozenset()) -> None:
        """Go to a place through the navigation (opening the menu first on a phone): the entry
        called ``name``, or the one leading to ``path`` when its title may change."""
        button = self.page.locator("[data-testid=menu-button]")
        if button.is_visible():
            button.click()
        places = self.page.locator("#site-nav-places")
        place = places.locator(f"a[href$='{path}']") if path else \
            places.get_by_role("link", name=name, exact=True)
        self.click(place, name, allowed)

    def home(self) -> None:
        self.click("header.bar a.brand", "home again")


    def printed(self, name: str) -> None:
        """The page as it prints: no app header, no navigation; a screenshot of the paper."""
        self.page.emulate_media(media="print")
        assert not self.page.is_visible("header.bar")
        assert not self.page.is_visible("[data-testid=site-nav]")
        screenshot(self.page, f"role-days-{self.role}-{name}-print-{self.device}")
        self.page.emulate_media(media="screen")

    def finish(self, untranslated: frozenset[str]) -> None:
        """Fail on an English word not known to be waiting for its translation; while some
        are, the day is an expected failure that names them (it passes once they are gone)."""
        REPORTS.mkdir(exist_ok=True)
        (REPORTS / f"role-days-{self.role}-{self.device}-english.json").write_text(
            json.dumps(self.english, ensure_ascii=False, indent=1))
        seen = {word for words in self.english.values() for word in words}
        lines = "\n".join(f"  {where}: {' '.join(words)}" for where, words in self.english.items())
        assert seen <= untranslated, f"English on Chinese pages:\n{lines}"
        if seen:
            pytest.xfail(f"untranslated: {', '.join(sorted(seen))}")


@pytest.fixture(params=sorted(DEVICES))
def device(request):
    return request.param


@pytest.fixture
def walk(chromium, live_server):
    """``walk(role, device)`` -> a Day, its browser closed after the test however it ends."""
    started: list[Day] = []

    def start(role: str, device: str) -> Day:
        started.append(Day(chromium, live_server, role, device))
        return started[-1]

    yield start
    for day in started:
        day.context.close()


# What a day still shows in English, by role: the list to empty as the product catches up (a
# word not listed here fails the test at once). Empty now; kept so a regression is named.
UNTRANSLATED: dict[str, frozenset[str]] = {}


def untranslated(role: str) -> frozenset[str]:
    return UNTRANSLATED.get(role, frozenset())


# --- the days -----------------------------------------------------------------------------------

def test_the_directors_day(walk, town, device):
    """Home, a register and a student in it, the accounts, the audit log, a module's settings."""
    day = walk("director", device)
    day.sign_in("director@days.test")
    day.menu("学生")
    assert "王芳" in day.page.inner_text("[data-testid=students]")
    day.click(day.page.locator("[data-testid=students] a", has_text="王芳"), "a student")
    assert "20260302" in day.page.inner_text("[data-testid=student]")
    day.menu("账号")
    expect(day.page.locator("[data-testid='account-teacher@days.test']")).to_have_count(1)
    day.menu("操作日志", allowed=TEST_DATA)
    assert day.page.locator("[data-testid=audit-events] tbody tr").count() > 0
    day.menu("模块", allowed=MODULE_CODES)
    day.click("[data-module=fees] a", "the fee module's settings")
    assert day.page.is_visible("[data-testid=module-settings]")
    day.finish(untranslated("director"))


def test_the_canteen_workers_day(walk, town, device):
    """From home's work for today to the samples, one recorded; then the morning check."""
    day = walk("cook", device)
    day.sign_in("cook@days.test")
    # The day's missing records come first, though as words, not links: the menu leads on.
    due = day.page.inner_text("[data-testid=today]")
    assert "番茄炒蛋（午餐）未留样" in due and "赵师傅 未晨检" in due
    day.menu("留样")
    assert "番茄炒蛋" in day.page.inner_text("[data-testid=missing]")
    day.page.fill("#grams", "130")
    day.page.fill("#taken_at", datetime.now(ZoneInfo("Asia/Shanghai")).strftime("%H:%M"))
    day.page.fill("#taken_by", "王师傅")
    day.page.fill("#cabinet", "A1")
    day.click("form.form button[type=submit]", "a sample recorded")
    assert "王师傅" in day.page.inner_text("[data-testid=samples]")
    day.menu("晨检")
    worker = day.page.locator("[data-testid=worker]", has_text="赵师傅")
    worker.locator("input[type=number]").fill("36.5")
    day.click(worker.locator("button[type=submit]"), "a morning check recorded")
    assert day.page.locator("[data-testid=worker]", has_text="赵师傅").get_attribute(
        "data-status") == "on_duty"
    day.finish(untranslated("cook"))


def test_the_finance_clerks_day(walk, town, device):
    """The bills, a student found by name, a first payment from the bill, its receipt printed;
    then a class's payment notices printed."""
    day = walk("clerk", device)
    day.sign_in("clerk@days.test")
    day.menu("账单")
    day.page.fill("#q", "张伟")
    day.click("[data-testid=bill-search] button", "a student's bill found")
    found = day.page.locator("[data-testid=bill-row]")
    expect(found).to_have_count(1)
    assert "20260303" in found.inner_text()
    day.click(found.locator("[data-testid=row-record-payment]"), "a payment")
    assert day.page.input_value("#amount") == "1430.00"
    day.page.fill("#amount", "1430")
    day.page.fill("#payer", "张伟爸爸")
    day.click("form[data-testid=pay] button[type=submit]", "a payment recorded")
    assert day.page.is_visible("[data-testid=recorded]")
    day.click("[data-testid=receipt-link]", "the receipt")
    assert "保育教育费" in day.page.inner_text("[data-testid=receipt]")
    day.click("[data-testid=print]", "the receipt printed")
    day.printed("receipt")
    day.menu("账单")
    day.page.select_option("#class_id", label="一年级3班")
    day.click("[data-testid=bill-search] button", "a class's bills")
    day.click("[data-testid=print-class-notices]", "the class's payment notices")
    expect(day.page.locator("[data-testid=sheet]")).to_have_count(3)
    day.printed("class-notices")
    day.finish(untranslated("clerk"))


def test_the_class_teachers_day(walk, town, device):
    """Home's counts to report, followed to the counts page, the class's lunch reported."""
    day = walk("teacher", device)
    day.sign_in("teacher@days.test")
    first = day.page.locator("main [data-testid=widget]").first
    assert "一年级3班" in first.inner_text()
    day.click(first.get_by_role("link").last, "the counts to report")
    lunch = day.page.locator("[data-testid=unit] form:has(input[value=lunch])")
    lunch.locator("input[name=eaters]").fill("3")
    day.click(lunch.locator("button"), "lunch reported")
    lunch = day.page.locator("[data-testid=unit] form:has(input[value=lunch])")
    assert lunch.locator("input[name=eaters]").input_value() == "3"
    assert not lunch.locator(".error").count()
    day.finish(untranslated("teacher"))


def test_the_guardians_day(walk, town, device):
    """Home, this week's menu; home again, the child's bill, the receipt of a payment."""
    day = walk("guardian", device)
    day.sign_in("parent@days.test")
    day.click("[data-testid=menu-this-week]", "this week's menu")
    assert "番茄炒蛋" in day.page.inner_text("[data-testid=menu-days]" if device == "phone"
                                         else "[data-testid=public-menu]")
    day.click("[data-testid=home]", "home again")
    day.menu("孩子的缴费")
    assert "王芳" in day.page.inner_text("[data-testid=children]")
    day.click("[data-testid=bills] a", "the child's bill")
    day.click("[data-testid=payments] a", "the receipt")
    assert "500.00" in day.page.inner_text("[data-testid=my-receipt]")
    day.printed("receipt")
    day.finish(untranslated("guardian"))


def test_the_district_inspectors_day(walk, town, device):
    """The district's home, a school read-only, one of its registers."""
    day = walk("inspector", device)
    day.sign_in("inspector@days.test")
    assert "实验小学" in day.page.inner_text("main")
    day.click(day.page.locator("main tr", has_text="实验小学").locator("a"), "a school")
    day.menu("学生")
    assert "王芳" in day.page.inner_text("[data-testid=students]")
    assert day.page.locator("main form[method=post]").count() == 0, "an inspector may change"
    day.finish(untranslated("inspector"))


def test_the_kindergartens_day(walk, town, device):
    """A kindergarten's home and its people pages."""
    day = walk("kindergarten", device)
    day.sign_in("head@kg.test")
    day.menu("children", "/people/students")
    assert "周小宝" in day.page.inner_text("main")
    day.menu("classes", "/people/classes")
    day.menu("staff", "/people/staff")
    day.finish(untranslated("kindergarten"))


def test_a_kindergarten_says_children_not_students(walk, town):
    day = walk("kindergarten-words", "desktop")
    day.sign_in("head@kg.test")
    nav = day.page.inner_text("#site-nav-places")
    assert "幼儿" in nav and "学生" not in nav and "本园" in nav
    day.menu("children", "/people/students")
    text = day.page.inner_text("main")
    assert "周小宝" in text and "幼儿" in text
    assert "学生" not in text and "学号" not in text
