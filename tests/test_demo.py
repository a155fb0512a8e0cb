"""``houqin demo``: a lived-in demo district, only on a demo, the same for the same seed,
written once; its accounts sign in and are listed on a demo's sign-in page only."""

from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from core.cli import cli
from core.demo import NotADemo, generate
from core.extensions import db
from core.identity.models import Membership
from core.identity.services import grant_school_role
from core.people.models import Guardian, SchoolClass, Staff, Student
from core.schools.registry import tenant_by_slug
from core.tenancy import demo_day, school_today, tenant_context
from plugins.canteen.models import Delivery, MealCount, MenuItem, MorningCheck, Sample
from plugins.fees.models import Bill, FeeNotice, Payment, Receipt
from plugins.fees.services import ledger
from tenants.manifests import apply_manifest

ROOT = Path(__file__).parent.parent
MANIFEST = ROOT / "tenants" / "manifests" / "demo-district.toml"
TEXT = MANIFEST.read_text(encoding="utf-8")
SCHOOLS = ("dongfeng-primary", "hongxing-junior", "xiaoxiang-kindergarten")
DAYS = 7  # a week keeps the tests quick; make run generates three
MODELS = (Student, Guardian, Staff, SchoolClass, Membership, MenuItem, Sample, MealCount,
          Delivery, MorningCheck, Bill, Payment)


@pytest.fixture
def demo_app(app_factory):
    app = app_factory(plugins=["canteen", "fees", "energy", "safety"], DEMO=True)
    with app.app_context():
        apply_manifest(TEXT, source=str(MANIFEST))
        yield app


def snapshot() -> dict:
    """Per school: how many rows of each kind, the students' names and the money paid."""
    found = {}
    for slug in SCHOOLS:
        with tenant_context(tenant_by_slug(slug)):
            found[slug] = {
                **{m.__tablename__: db.session.scalar(select(func.count()).select_from(m))
                   for m in MODELS},
                "names": sorted(db.session.scalars(select(Student.name))),
                "paid": db.session.scalar(select(func.sum(Payment.amount_fen))),
            }
    return found


def start_afresh(database) -> None:
    """An empty database with the demo district applied (the session's locks let go first:
    on PostgreSQL emptying waits for them)."""
    db.session.remove()
    db.engine.dispose()
    database.empty()
    apply_manifest(TEXT, source=str(MANIFEST))


def test_refused_unless_the_deployment_is_a_demo(app_factory):
    app = app_factory(plugins=["canteen", "fees", "energy", "safety"])  # no HOUQIN_DEMO
    with app.app_context():
        apply_manifest(TEXT, source=str(MANIFEST))
        result = CliRunner().invoke(cli, ["demo", str(MANIFEST)])
        assert result.exit_code == 2
        assert "not a demo" in result.output
        assert all(counts[Student.__tablename__] == 0 for counts in snapshot().values())


def test_only_a_demo_lives_a_day_other_than_today(app, demo_app):
    school = tenant_by_slug("dongfeng-primary")
    with tenant_context(school):
        with demo_day(date(2026, 9, 1)):
            assert school_today() == date(2026, 9, 1)
        with pytest.raises(ValueError, match="up to today"), demo_day(date(9999, 1, 1)):
            pass
    # the same school in a deployment that is not a demo
    with app.app_context(), tenant_context(school), \
            pytest.raises(RuntimeError, match="only a demo"), demo_day(date(2026, 9, 1)):
        pass


def test_refused_on_a_manifest_without_the_demo_flag(demo_app):
    with pytest.raises(NotADemo, match="demo = true"):
        generate(TEXT.replace("demo = true", "demo = false"), days=DAYS)
    assert all(counts[Student.__tablename__] == 0 for counts in snapshot().values())


def test_refused_when_a_real_address_works_in_the_district(demo_app):
    from core.identity.services import create_user

    with tenant_context(tenant_by_slug("hongxing-junior")):
        grant_school_role(create_user("head@hongxing.edu.cn", "Head", "a-long-password"),
                          "school_admin")
        db.session.commit()
    with pytest.raises(NotADemo, match=r"head@hongxing\.edu\.cn"):
        generate(TEXT, days=DAYS)
    assert all(counts[Student.__tablename__] == 0 for counts in snapshot().values())


def test_a_lived_in_district_the_same_for_the_same_seed_and_written_once(
        demo_app, houqin_database):
    result = CliRunner().invoke(cli, ["demo", str(MANIFEST), "--days", str(DAYS)])
    assert result.exit_code == 0, result.output
    first = snapshot()
    for slug, counts in first.items():
        for table, count in counts.items():
            assert count, f"{slug} has no {table}"
        with tenant_context(tenant_by_slug(slug)):
            assert ledger.reconcile() == []  # the payments went through the fee rules
            roles = set(db.session.scalars(select(Membership.role)))
            # The families paid over the demo's weeks, after the notice took effect and the
            # term was billed, and receipt numbers run in the order the money came in.
            paid_on = list(db.session.scalars(
                select(Payment.received_on).join(Receipt, Receipt.payment_id == Payment.id)
                .order_by(Receipt.year, Receipt.seq)))
            in_force = db.session.scalar(select(func.min(FeeNotice.effective_on)))
            today = school_today()
        assert len(set(paid_on)) > 1 and paid_on == sorted(paid_on), slug
        assert date.fromordinal(today.toordinal() - DAYS) <= in_force <= paid_on[0], slug
        assert paid_on[-1] <= today, slug
        assert {"school_admin", "canteen_manager", "class_teacher", "guardian",
                "finance_clerk", "nurse", "guard"} <= roles
    # The kindergarten is a kindergarten: its classes are 小班/中班/大班 of small children.
    with tenant_context(tenant_by_slug("xiaoxiang-kindergarten")):
        born = set(db.session.scalars(select(Student.birth_date)))
        grades = set(db.session.scalars(select(SchoolClass.name)))
        slots = Counter(db.session.scalars(select(MenuItem.slot)))
    assert {date.today().year - day.year for day in born} <= {3, 4, 5, 6}
    assert grades == {"一班"} and slots["afternoon_snack"] and slots["morning_snack"]
    # The schools that switched the energy module on read their meters every morning.
    from plugins.energy.models import Reading

    with tenant_context(tenant_by_slug("dongfeng-primary")):
        assert db.session.scalar(select(func.count()).select_from(Reading)) >= 4 * DAYS
    # Its hazards are at every stage of their way, one of them late.
    from plugins.safety.models import Hazard
    from plugins.safety.services.hazards import is_overdue

    with tenant_context(tenant_by_slug("dongfeng-primary")):
        found = db.session.scalars(select(Hazard)).all()
        # ...and the gate round's failed item, reported as a hazard too.
        assert Counter(h.status for h in found) == {"closed": 3, "fixed": 1, "open": 1,
                                                    "reported": 2}
        assert [h.place for h in found if is_overdue(h)] == ["实验楼三楼走廊"]
        from plugins.safety.services import equipment

        standing = equipment.standings(list(db.session.scalars(equipment.listed())))
        assert len(standing) == 7 and all(s.last_check for s in standing)
        from plugins.safety.services import drills

        assert drills.standing().last_held is not None and drills.standing().planned
        # This month's roster, and the last nights' rounds with one point missed.
        from plugins.safety.models import DutyShift, PatrolPoint
        from plugins.safety.services import duty

        assert db.session.scalar(select(func.min(DutyShift.day))) <= school_today().replace(day=1)
        nights = [s for s in duty.shifts_between(school_today() - timedelta(days=3),
                                                 school_today()) if s.post == "night"]
        assert sum(len(duty.missed(s)) for s in nights) == 1
        assert db.session.scalar(select(func.count()).select_from(PatrolPoint)) == 5

    again = generate(TEXT, days=DAYS)
    assert again.generated == [] and sorted(again.kept) == sorted(SCHOOLS)
    assert snapshot() == first

    start_afresh(houqin_database)
    assert generate(TEXT, days=DAYS).generated == sorted(SCHOOLS)
    assert snapshot() == first
    assert generate(TEXT, days=DAYS, seed=7).generated == []  # still written once
    start_afresh(houqin_database)
    generate(TEXT, days=DAYS, seed=7)
    assert snapshot()["dongfeng-primary"]["names"] != first["dongfeng-primary"]["names"]


def test_every_role_signs_in_and_the_demo_sign_in_page_lists_them(demo_app, app_factory):
    outcome = generate(TEXT, days=1)
    by_role = {}
    for account in outcome.accounts:
        by_role.setdefault(account["role"], account)
    assert {"district_admin", "district_inspector", "school_admin", "logistics_director",
            "canteen_manager", "nurse", "safety_officer", "guard", "asset_keeper",
            "finance_clerk", "class_teacher", "guardian"} <= set(by_role)

    page = demo_app.test_client().get("/login").get_data(as_text=True)
    assert 'data-testid="demo-accounts"' in page
    for account in outcome.accounts:
        assert account["email"] in page
    for role, account in by_role.items():
        client = demo_app.test_client()
        client.get("/login")
        with client.session_transaction() as session:
            token = session["csrf"]
        response = client.post("/login", data={"email": account["email"],
                                               "password": account["password"],
                                               "csrf_token": token})
        assert response.status_code == 302, (role, account["email"])

    # The same instance folder, started without HOUQIN_DEMO: nothing is listed.
    plain = app_factory(plugins=["canteen", "fees", "energy", "safety"],
                        INSTANCE_PATH=demo_app.config["INSTANCE_PATH"])
    with plain.app_context():
        page = plain.test_client().get("/login").get_data(as_text=True)
    assert "demo-accounts" not in page and "demo-dongfeng-2026" not in page


def test_refused_when_a_person_known_by_mobile_number_works_in_the_district(demo_app):
    from core.identity.services import create_user

    with tenant_context(tenant_by_slug("hongxing-junior")):
        grant_school_role(create_user(None, "门卫", phone="13800138000"), "guard")
        db.session.commit()
    with pytest.raises(NotADemo, match=r"13800138000"):
        generate(TEXT, days=DAYS)


def test_a_demo_generated_in_the_small_hours_records_nothing_still_to_come(app_factory):
    """Generated at 01:00 at the schools, no module dates today's events to later today."""
    ahead = (1 - datetime.now(UTC).hour) % 24
    ahead = ahead - 24 if ahead > 14 else ahead  # UTC-12 … UTC+14
    zone = f"Etc/GMT{-ahead:+d}"  # the Etc names count the other way round
    assert datetime.now(ZoneInfo(zone)).hour in (1, 2)
    app = app_factory(plugins=["canteen", "fees", "energy", "safety"], DEMO=True)
    with app.app_context():
        text = TEXT.replace('timezone = "Asia/Shanghai"', f'timezone = "{zone}"')
        apply_manifest(text, source=str(MANIFEST))
        assert generate(text, days=2).generated == sorted(SCHOOLS)
        from plugins.safety.models import Hazard, Visit

        with tenant_context(tenant_by_slug("dongfeng-primary")):
            found = db.session.scalars(select(Hazard.found_at)).all()
            came = db.session.scalars(select(Visit.checked_in_at)).all()
            inside = db.session.scalars(select(Visit.name).where(
                Visit.checked_in_at.is_not(None), Visit.checked_out_at.is_(None))).all()
        assert found and max(found) <= datetime.now(UTC)
        from plugins.safety.models import Handover, PatrolCheck

        with tenant_context(tenant_by_slug("dongfeng-primary")):
            checked = db.session.scalars(select(PatrolCheck.at)).all()
            written = db.session.scalars(select(Handover.written_at)).all()
        assert max(checked + written) <= datetime.now(UTC)
        # A visitor still on campus, checked in no later than now.
        assert inside == ["周科长"] and max(c for c in came if c) <= datetime.now(UTC)
