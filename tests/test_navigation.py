"""The navigation on every page of a school: groups by module in the order the modules
declare, only what the person may see, the current place marked; its search box, answered by
core and by each module's ``houqin_search``; and each role's work for today first on the
home page."""

import re
import uuid
from datetime import date

import pytest
from sqlalchemy import select

from core.auth import Principal
from core.calendar import services as calendar
from core.extensions import db
from core.people import services as people
from core.plugins.types import NavEntry, SearchHit
from core.search import search
from core.tenancy import tenant_context
from core.testing import signed_in
from core.web.nav import grouped
from tests.plugins.canteen.support import classroom
from tests.plugins.fees.support import issued_bill

pytestmark = pytest.mark.houqin_plugins("notes", "canteen", "fees")


@pytest.fixture
def school(app, make_school):
    school = make_school("nav-school", modules=("notes", "canteen", "fees"))
    with tenant_context(school):
        year = calendar.create_year("2026学年", date(2026, 9, 1), date(2027, 8, 31))
        calendar.create_term(year.id, "第一学期", date(2026, 9, 1), date(2027, 1, 22))
        db.session.commit()
    return school


def in_english(client):
    with client.session_transaction() as session:
        session["locale"] = "en"


def site_nav(page: str) -> list[tuple[str, list[str]]]:
    """The shell's navigation as (group, [entries]), in the page's order."""
    nav = page.split('data-testid="site-nav"', 1)[1].split("</nav>", 1)[0]
    return [(title, re.findall(r"<li><a [^>]*>([^<]+)</a></li>", body))
            for title, body in re.findall(r"<h2>([^<]+)</h2>\s*<ul>(.*?)</ul>", nav, re.S)]


def current(page: str) -> list[str]:
    return re.findall(r'<a href="([^"]+)" aria-current="page">', page)


def test_every_page_has_the_navigation_grouped_by_module_with_the_current_place(
        client, school, make_user):
    director = make_user(school, "logistics_director")
    signed_in(client, director)
    in_english(client)
    _class_id, (pupil, *_rest) = classroom(school, "1班")
    page = client.get("/t/nav-school/people/students").get_data(as_text=True)
    groups = site_nav(page)
    # Core's registers, then the modules in the order they declare, core's tools last.
    assert [title for title, _entries in groups] == [
        "Our school", "Canteen", "Fees", "Notes", "Administration"]
    assert dict(groups)["Our school"] == ["Classes", "Students", "Staff", "Places", "Calendar"]
    assert dict(groups)["Canteen"][:3] == ["Food-safety report", "Menus", "Dishes"]
    assert "Bills" in dict(groups)["Fees"] and "Audit log" in dict(groups)["Administration"]
    assert current(page) == ["/t/nav-school/people/students"]
    # A student's own page lies under Students: Students stays the place marked.
    one = client.get(f"/t/nav-school/people/students/{pupil}").get_data(as_text=True)
    assert current(one) == ["/t/nav-school/people/students"]
    bills = client.get("/t/nav-school/m/fees/bills").get_data(as_text=True)
    assert current(bills) == ["/t/nav-school/m/fees/bills"]
    assert 'data-testid="menu-button"' in bills and 'action="/t/nav-school/search"' in bills
    assert '<a class="skip" href="#content">' in bills and '<main id="content">' in bills
    # No navigation outside a school, and none on the pages of someone signed out.
    assert 'data-testid="site-nav"' not in client.get("/schools").get_data(as_text=True)


def test_the_navigation_shows_only_what_the_person_may_see(client, school, make_user):
    teacher = make_user(school, "class_teacher")
    signed_in(client, teacher)
    in_english(client)
    groups = dict(site_nav(client.get("/t/nav-school/").get_data(as_text=True)))
    assert groups["Canteen"] == ["Meal counts"]  # no kitchen records for a class teacher
    assert groups["Fees"] == ["My classes' fees"]
    assert "Audit log" not in str(groups) and "Modules" in groups["Administration"]

    guardian_client = client.application.test_client()
    signed_in(guardian_client, make_user(school, "guardian"))
    in_english(guardian_client)
    page = guardian_client.get("/t/nav-school/").get_data(as_text=True)
    assert dict(site_nav(page)) == {"Our school": ["Calendar"],
                                    "Fees": ["Fee notice", "My children's fees"]}
    assert 'data-testid="nav-search"' not in page  # a guardian has nothing to look up
    assert guardian_client.get("/t/nav-school/search?q=x").status_code == 403


def test_the_home_page_shows_the_same_groups_as_tiles(client, school, make_user):
    signed_in(client, make_user(school, "school_admin"))
    in_english(client)
    page = client.get("/t/nav-school/").get_data(as_text=True)
    home = page.split('data-testid="navigation"', 1)[1].split("</nav>", 1)[0]
    titles = re.findall(r'<h2 class="tiles-title">([^<]+)</h2>', home)
    assert titles == [title for title, _entries in site_nav(page)]


def test_a_page_reads_the_modules_and_their_settings_from_the_cache(client, school, make_user):
    from sqlalchemy import event

    from tests.plugins.fees.refunds_support import absence_refunds_on

    signed_in(client, make_user(school, "school_admin"))
    in_english(client)
    read: list[str] = []

    def seen(_conn, _cursor, statement, *_args):
        if "tenant_modules" in statement:
            read.append(statement)

    def reads_of(path: str) -> tuple[list[str], str]:
        read.clear()
        page = client.get(path).get_data(as_text=True)
        return list(read), page

    event.listen(db.engine, "before_cursor_execute", seen)
    try:
        reads_of("/t/nav-school/")
        # Canteen's and fees' entries depend on their settings (the tuck shop, absences):
        # once the school's modules are known, a page asks the database for neither.
        again, page = reads_of("/t/nav-school/people/students")
        assert again == [] and "Bills" in dict(site_nav(page))["Fees"]
        assert "Absences" not in dict(site_nav(page))["Fees"]
        # A change of settings made here shows on the next page, not seconds later.
        absence_refunds_on(school)
        changed, page = reads_of("/t/nav-school/people/students")
        assert len(changed) <= 2  # the modules on and every module's settings, once each
        assert "Absences" in dict(site_nav(page))["Fees"]
        assert reads_of("/t/nav-school/people/students")[0] == []
    finally:
        event.remove(db.engine, "before_cursor_execute", seen)


def test_an_entry_without_a_group_joins_its_modules_group(app, school):
    principal = Principal(user_id=1, name="x", tenant_id=school.id, school_roles=frozenset(),
                          district_roles=frozenset(), permissions=frozenset({"notes.read"}))
    with app.test_request_context("/"):
        groups = grouped([[NavEntry("Notes", "notes_pages.index", "notes.read"),
                           NavEntry("Hidden", "notes_pages.index", "notes.write"),
                           NavEntry("Ranked", "notes_pages.index", "notes.read", group="Mine",
                                    group_order=1)]], principal, here="/notes/anything")
    assert [(str(g.title), g.order, [str(p.title) for p in g.places]) for g in groups] == [
        ("Mine", 1, ["Ranked"]), ("Notes", 500, ["Notes"])]
    assert [p.current for g in groups for p in g.places] == [False, False]


# --- the search box --------------------------------------------------------------------------


@pytest.fixture
def registers(school, make_user):
    """Students, staff, a room, a supplier and a bill of the school to be found."""
    class_id, _ = classroom(school, "3班", students=0)
    with tenant_context(school):
        found = {}
        for number, name in (("2026001", "王小明"), ("2026002", "王小红"), ("2026003", "李100%"),
                             ("2026004", "a_b"), ("2026005", "axb")):
            found[name] = str(people.create_student({
                "student_no": number, "name": name, "gender": "male",
                "birth_date": date(2019, 1, 1), "class_id": uuid.UUID(class_id)}).id)
        found["staff"] = str(people.create_staff({"name": "王老师", "position": "厨师",
                                                  "phone": "13800138000", "active": True}).id)
        building = people.create_building("教学楼")
        found["room"] = str(people.create_room({"building_id": building.id, "name": "王府厅",
                                                "class_id": None, "office": "总务处"}).id)
        from plugins.canteen.services import suppliers

        found["supplier"] = str(suppliers.create_supplier({"name": "王记蔬菜",
                                                           "credit_code": "91340100W"}).id)
        db.session.commit()
        from core.calendar.models import Term

        term_id = str(db.session.scalar(select(Term.id)))
    found["bill"] = issued_bill(school, term_id, found["王小明"], 50000)
    return found


def hits(school, role_permissions, query, limit=10):
    principal = Principal(user_id=1, name="x", tenant_id=school.id, school_roles=frozenset(),
                          district_roles=frozenset(), permissions=frozenset(role_permissions))
    with tenant_context(school):
        return search(school, principal, query, limit)


EVERYTHING = {"core.search", "core.people.read", "core.places.read", "canteen.read", "fees.read"}


def test_a_name_finds_students_staff_rooms_suppliers_and_bills(client, school, registers,
                                                                make_user):
    found = hits(school, EVERYTHING, "王")
    assert [(h.kind, h.title) for h in found] == [
        ("student", "王小明"), ("student", "王小红"), ("staff", "王老师"), ("room", "王府厅"),
        ("canteen.supplier", "王记蔬菜"), ("fees.bill", "王小明")]
    bill = found[-1]
    assert bill.values == {"bill_id": uuid.UUID(registers["bill"])} and "500.00" in bill.detail
    assert found[0].detail == "2026001 · 一年级3班"
    # A student number finds by its start, so does a supplier's credit code and a phone.
    assert [h.title for h in hits(school, EVERYTHING, "2026002")] == ["王小红"]
    assert [h.title for h in hits(school, EVERYTHING, "91340")] == ["王记蔬菜"]
    assert [h.title for h in hits(school, EVERYTHING, "1380013")] == ["王老师"]
    assert [h.title for h in hits(school, EVERYTHING, "王", limit=1)] == [
        "王小明", "王老师", "王府厅", "王记蔬菜", "王小明"]  # at most one of each kind

    signed_in(client, make_user(school, "finance_clerk"))
    page = client.get("/t/nav-school/search?q=王小明").get_data(as_text=True)
    assert f'href="/t/nav-school/people/students/{registers["王小明"]}"' in page
    assert f'href="/t/nav-school/m/fees/bills/{registers["bill"]}"' in page
    assert "王记蔬菜" not in page  # a finance clerk does not read the canteen's records
    assert len(re.findall(r'data-testid="hits"', page)) == 2  # students, then bills
    room = client.get("/t/nav-school/search?q=王府").get_data(as_text=True)
    assert f'href="/t/nav-school/places#room-{registers["room"]}"' in room


def test_percent_and_underscore_are_the_characters_typed(school, registers):
    assert [h.title for h in hits(school, EVERYTHING, "%")] == ["李100%"]
    assert [h.title for h in hits(school, EVERYTHING, "_")] == ["a_b"]
    assert [h.title for h in hits(school, EVERYTHING, "a_")] == ["a_b"]
    assert hits(school, EVERYTHING, "   ") == []


def test_each_module_answers_only_for_what_the_person_may_see(school, registers):
    kinds = lambda permissions: {h.kind for h in hits(school, permissions, "王")}  # noqa: E731
    assert kinds({"core.search", "core.people.read"}) == {"student", "staff"}
    assert kinds({"core.search", "core.places.read", "canteen.read"}) == {
        "room", "canteen.supplier"}
    assert kinds({"core.search", "fees.read"}) == {"fees.bill"}
    assert kinds(EVERYTHING - {"core.search"}) == set()


def test_a_module_hit_the_person_may_not_see_is_dropped(app, school, monkeypatch):
    import houqin_testnotes

    from core.hookspecs import hookimpl

    @hookimpl
    def houqin_search(tenant, principal, query, limit):
        return [SearchHit("note", "Notes", "open", "notes_pages.index", "notes.read"),
                SearchHit("note", "Notes", "secret", "notes_pages.index", "notes.secret")]

    monkeypatch.setattr(houqin_testnotes, "houqin_search", houqin_search, raising=False)
    host = app.extensions["houqin"].plugins
    host.pm.unregister(name="notes")
    host.pm.register(houqin_testnotes, name="notes")
    host._subsets.clear()
    assert [h.title for h in hits(school, {"core.search", "notes.read"}, "o")] == ["open"]


def test_another_schools_records_are_never_found(client, school, registers, make_school,
                                                  make_user):
    other = make_school("nav-other", modules=("canteen", "fees"))
    classroom(other, "9班", students=0)
    with tenant_context(other):
        from core.people.models import SchoolClass

        people.create_student({"student_no": "X1", "name": "王外校", "gender": "male",
                               "birth_date": date(2019, 1, 1),
                               "class_id": db.session.scalar(select(SchoolClass.id))})
        db.session.commit()
    assert "王外校" not in {h.title for h in hits(school, EVERYTHING, "王")}
    assert [h.title for h in hits(other, EVERYTHING, "王")] == ["王外校"]
    signed_in(client, make_user(school, "school_admin"))
    page = client.get("/t/nav-school/search?q=外校").get_data(as_text=True)
    assert "王外校" not in page and 'data-testid="no-hits"' in page
    assert client.get("/t/nav-other/search?q=外校").status_code == 403


def test_an_overlong_query_is_refused_naming_the_field(client, school, make_user):
    signed_in(client, make_user(school, "school_admin"))
    echoed = client.get("/t/nav-school/search?q=<b>王").get_data(as_text=True)
    assert "<b>王" not in echoed and "&lt;b&gt;王" in echoed  # what was typed is shown as text
    response = client.get("/t/nav-school/search?q=" + "王" * 101)
    assert response.status_code == 422
    assert 'data-testid="error-q"' in response.get_data(as_text=True)


# --- today's work first -----------------------------------------------------------------------


def home_cards(page: str) -> tuple[list[str], list[str]]:
    """The titles of the home's "Today" cards, and of the cards after the tiles."""
    today = page.split('data-testid="today"', 1)[1].split('data-testid="navigation"', 1)[0] \
        if 'data-testid="today"' in page else ""
    rest = page.split('data-testid="navigation"', 1)[1]
    card = r'<section class="card widget" data-testid="widget"><h2>([^<]+)</h2>'
    return re.findall(card, today), re.findall(card, rest)


def test_each_roles_work_for_today_comes_first(client, school, make_user):
    in_english(client)
    signed_in(client, make_user(school, "canteen_manager"))
    today, rest = home_cards(client.get("/t/nav-school/").get_data(as_text=True))
    assert today == ["Today's food-safety report"] and today[0] not in rest

    signed_in(client, make_user(school, "finance_clerk"))
    today, rest = home_cards(client.get("/t/nav-school/").get_data(as_text=True))
    assert today == ["Fees"] and "Today's food-safety report" not in today + rest

    signed_in(client, make_user(school, "district_inspector", district=school.district_id))
    today, rest = home_cards(client.get("/t/nav-school/").get_data(as_text=True))
    assert today == [] and {"Today's food-safety report", "Fees"} <= set(rest)  # reads only


def test_a_class_teacher_sees_the_meal_counts_still_to_report(client, school, make_user):
    from core.sdk import school_today

    teacher = make_user(school, "class_teacher", email="nav.teacher@test.houqin.test")
    classroom(school, "5班", head=teacher, students=2)
    classroom(school, "6班", students=2)  # not theirs
    with tenant_context(school):
        calendar.set_day(school_today(), "workday", "test")  # whatever day the tests run
        db.session.commit()
    signed_in(client, teacher)
    in_english(client)
    page = client.get("/t/nav-school/").get_data(as_text=True)
    today, _rest = home_cards(page)
    assert today == ["Meal counts to report today"]
    widget = page.split('data-testid="counts-widget"', 1)[1].split("</section>", 1)[0]
    assert "一年级5班" in widget and "一年级6班" not in widget
