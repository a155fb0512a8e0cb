"""A school moves to another deployment: ``houqin tenants export`` writes a school file, and
``houqin tenants import`` recreates every row of it in a second database, or refuses the file
whole when its modules, versions or migrations do not match."""

from __future__ import annotations

import io
import json
import uuid
import zipfile
from datetime import date

import pytest
from click.testing import CliRunner
from sqlalchemy import inspect, select

from core.calendar import services as calendar
from core.cli import cli
from core.db.base import is_tenant_scoped
from core.extensions import db
from core.identity.models import User
from core.people import services as people
from core.schools.models import Tenant
from core.tenancy import tenant_context
from core.testing import _postgres_database, _sqlite_database, migrate
from tenants.schoolfile import LEFT_OUT, core_tables, module_tables
from tests.plugins.canteen.support import certificate, dish, supplier
from tests.plugins.fees.report_scenario import build

MODULES = ("canteen", "energy", "fees", "safety")
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4
pytestmark = pytest.mark.houqin_plugins(*MODULES)


@pytest.fixture(scope="module")
def second_database(houqin_database, tmp_path_factory):
    """Another deployment's database, of the same kind as the suite's."""
    if houqin_database.dialect == "postgresql":
        database = _postgres_database()
    else:
        database = _sqlite_database(tmp_path_factory.mktemp("second-db"))
    migrate(database, tmp_path_factory.mktemp("second-instance"))
    yield database
    database.drop()


@pytest.fixture
def target(app_factory, second_database):
    """The other deployment, with the same modules and a district of the same name."""
    from core.schools.models import District

    other = app_factory(plugins=list(MODULES), database=second_database)
    with other.app_context():
        db.session.add(District(slug="district-a", name="District A"))
        db.session.commit()
    return other


@pytest.fixture
def populated(app, make_school, make_user):
    """A school with people, places, a calendar, canteen records with a scan, and a term of
    bills, payments, receipts, a refund and a write-off; its audit trail records all that."""
    from core.identity import services

    school = make_school("mover", modules=MODULES)
    services.create_user("manager@mover.test", "Canteen manager", password="a-long-passw0rd!")
    manager = make_user(school, "canteen_manager", email="manager@mover.test")
    teacher = make_user(school, "class_teacher", email="teacher@mover.test", token=False)
    guardian = make_user(school, "guardian", email="parent@mover.test", token=False)
    with tenant_context(school):
        year = calendar.create_year("2026学年", date(2026, 9, 1), date(2027, 8, 31))
        term = calendar.create_term(year.id, "第一学期", date(2026, 9, 1), date(2027, 1, 22))
        calendar.set_day(date(2026, 10, 1), "holiday", "国庆节")
        building = people.create_building("教学楼")
        people.create_room({"building_id": building.id, "name": "101", "office": "教务处"})
        _meters()
        _hazard(building.id, teacher.id)
        term_id = str(term.id)
        db.session.commit()
    build(school, term_id, teacher=teacher, guardian=guardian)
    client = app.test_client()
    supplier_id = supplier(client, manager).get_json()["id"]
    assert certificate(client, manager, supplier_id, scan=PNG).status_code == 201
    assert dish(client, manager).status_code == 201
    return school


def _meters() -> None:
    """A water meter with a sub-meter (a row naming another of its table) and readings."""
    from datetime import UTC, datetime
    from decimal import Decimal

    from plugins.energy.services import meters, readings

    main = meters.create({"number": "SB-001", "kind": "water", "digits": 5,
                          "installed_on": date(2026, 9, 1)})
    sub = meters.create({"number": "SB-002", "kind": "water", "digits": 5,
                         "installed_on": date(2026, 9, 1), "parent_id": main.id})
    for meter_id in (main.id, sub.id):
        for day, value in ((1, "10"), (2, "25.5")):
            readings.record(meter_id, {"read_at": datetime(2026, 9, day, 1, tzinfo=UTC),
                                       "value": Decimal(value)})


def _hazard(building_id, reporter: int) -> None:
    """A hazard a teacher reported with a photo, fixed: its login and its steps travel."""
    from plugins.safety.services import hazards

    hazard = hazards.report({"place": "101", "description": "插座松动",
                             "building_id": building_id}, photo=("h.png", PNG))
    hazard.reported_by_user = reporter
    from plugins.safety.services import equipment

    extinguisher = equipment.create({"number": "MHQ-1", "kind": "extinguisher", "agent": "co2",
                                     "produced_on": date(2024, 1, 1), "place": "101"})
    equipment.record_check(extinguisher, {"checked_on": date(2026, 9, 1), "body": True})


def export(school, path) -> dict:
    result = CliRunner().invoke(cli, ["tenants", "export", "--tenant", school.slug, str(path)])
    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(path) as archive:
        return json.loads(archive.read("manifest.json"))


def import_into(target, path, *options):
    with target.app_context():
        return CliRunner().invoke(cli, ["tenants", "import", str(path), *options])


def every_row(school) -> dict[str, list[dict]]:
    """Every row of every school table core and the modules list, account ids as e-mails."""
    with tenant_context(school):
        tables = {**core_tables(), **{n: m for module in MODULES
                                      for n, m in module_tables(module, school).items()}}
        emails = dict(db.session.execute(select(User.id, User.email)).all())
        found = {}
        for name, model in tables.items():
            keys = [a.key for a in inspect(model).column_attrs if a.key != "tenant_id"]
            rows = db.session.execute(select(*(getattr(model, k) for k in keys))
                                      .order_by(model.id)).all()
            found[name] = [{k: emails.get(v, v) if k == "user_id" else v
                            for k, v in zip(keys, row, strict=True)} for row in rows]
        return found


def test_a_school_moves_to_another_deployment_row_for_row(app, populated, target, tmp_path):
    path = tmp_path / "mover.zip"
    before = every_row(populated)
    manifest = export(populated, path)
    assert [m["name"] for m in manifest["modules"]] == ["core", *MODULES]
    assert all(m["heads"] for m in manifest["modules"])
    with tenant_context(populated):  # the export is in the old school's audit trail
        from core.audit import AuditEvent

        assert db.session.scalar(select(AuditEvent.entity).where(
            AuditEvent.action == "export")) == "school_file"
    source_hash = db.session.scalar(select(User.password_hash)
                                    .where(User.email == "manager@mover.test"))
    for table in ("students", "classes", "grades", "staff", "guardians", "academic_years",
                  "terms", "calendar_days", "buildings", "rooms", "audit_events",
                  "memberships", "stored_files", "canteen_suppliers", "canteen_certificates",
                  "canteen_dishes", "fees_bills", "fees_payments", "fees_receipts",
                  "energy_meters", "energy_readings", "safety_hazards", "safety_hazard_steps",
                  "safety_equipment", "safety_equipment_checks",
                  "fees_receipt_counters", "fees_ledger", "fees_refunds"):
        assert before[table], f"the scenario left {table} empty"
    with zipfile.ZipFile(path) as archive:
        blobs = [n for n in archive.namelist() if n.startswith("blobs/")]
        assert any(archive.read(n) == PNG for n in blobs)
        accounts = [json.loads(line) for line in archive.read("accounts.jsonl").splitlines()]
    assert {"manager@mover.test", "teacher@mover.test", "parent@mover.test"} <= {
        a["email"] for a in accounts}

    result = import_into(target, path)
    assert result.exit_code == 0, result.output
    with target.app_context():
        moved = db.session.scalar(select(Tenant).where(Tenant.slug == "mover")).ref()
        after = every_row(moved)
        hashes = dict(db.session.execute(select(User.email, User.password_hash)).all())
    for table, rows in before.items():
        assert len(after[table]) == len(rows), f"{table} lost or gained rows in the move"
        for was, now in zip(rows, after[table], strict=True):
            assert now == was, (table, {k: (v, now[k]) for k, v in was.items() if now[k] != v})
    # A new account signs in as before: its password's hash came with it.
    assert hashes["manager@mover.test"] == source_hash and source_hash


def test_an_existing_account_is_matched_by_email_and_keeps_its_password(
        app, populated, target, tmp_path):
    from core.identity import services

    path = tmp_path / "mover.zip"
    export(populated, path)
    with target.app_context():
        services.create_user("manager@mover.test", "Already here", password="a-long-passw0rd!")
        db.session.commit()
        kept = db.session.scalar(select(User.password_hash)
                                 .where(User.email == "manager@mover.test"))
    result = import_into(target, path, "--slug", "moved", "--district", "district-a")
    assert result.exit_code == 0, result.output
    assert "matched by e-mail" in result.output
    with target.app_context():
        user = db.session.scalar(select(User).where(User.email == "manager@mover.test"))
        assert (user.name, user.password_hash) == ("Already here", kept)
        moved = db.session.scalar(select(Tenant).where(Tenant.slug == "moved")).ref()
        with tenant_context(moved):
            from core.identity.models import Membership

            roles = db.session.scalars(select(Membership.role)
                                       .where(Membership.user_id == user.id)).all()
        assert roles == ["canteen_manager"]


def rewritten(path, tmp_path, change) -> str:
    """The school file with its manifest changed by ``change``."""
    out = tmp_path / f"changed-{uuid.uuid4().hex[:6]}.zip"
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(out, "w") as copy:
        for name in source.namelist():
            data = source.read(name)
            if name == "manifest.json":
                manifest = json.loads(data)
                change(manifest)
                data = json.dumps(manifest).encode()
            copy.writestr(name, data)
    return str(out)


def _module(manifest, name):
    return next(m for m in manifest["modules"] if m["name"] == name)


@pytest.mark.parametrize(("change", "said"), [
    (lambda m: _module(m, "fees").update(version="9.9.9"), "fees is version 9.9.9 in the file"),
    (lambda m: _module(m, "core").update(heads=["0123456789ab"]), "core's migrations are at"),
    (lambda m: m["modules"].append({"name": "library", "version": "1.0", "heads": []}),
     "module library 1.0 is not installed here"),
    (lambda m: m.update(format=99), "school file format 99"),
])
def test_a_file_that_does_not_match_is_refused_and_nothing_is_written(
        app, populated, target, tmp_path, change, said):
    path = tmp_path / "mover.zip"
    export(populated, path)
    result = import_into(target, rewritten(path, tmp_path, change))
    assert result.exit_code == 2
    assert said in result.output and "nothing imported" in result.output
    with target.app_context():
        assert db.session.scalars(select(Tenant.slug)).all() == []
        assert db.session.scalars(select(User.email)).all() == []


def test_a_deployment_without_a_module_of_the_file_refuses_it(app, populated, app_factory,
                                                               second_database, tmp_path):
    path = tmp_path / "mover.zip"
    export(populated, path)
    canteen_only = app_factory(plugins=["canteen"], database=second_database)
    result = import_into(canteen_only, path)
    assert result.exit_code == 2 and "module fees" in result.output
    assert "is not installed here" in result.output


def test_ids_already_held_here_are_refused(app, populated, tmp_path):
    path = tmp_path / "mover.zip"
    export(populated, path)
    result = CliRunner().invoke(cli, ["tenants", "import", str(path), "--slug", "twice"])
    assert result.exit_code == 2 and "holds" in result.output and "already" in result.output
    assert db.session.scalar(select(Tenant.id).where(Tenant.slug == "twice")) is None
    taken = CliRunner().invoke(cli, ["tenants", "import", str(path)])
    assert "a school 'mover' exists here already" in taken.output


def test_a_host_that_another_school_answers_to_here_is_refused(app, make_school, tmp_path):
    school = make_school("hosted", modules=("fees",), domains=("canteen.hosted.example",))
    path = tmp_path / "hosted.zip"
    export(school, path)
    result = CliRunner().invoke(cli, ["tenants", "import", str(path), "--slug", "again"])
    assert result.exit_code == 2
    assert "'canteen.hosted.example' belongs to the school 'hosted'" in result.output
    assert db.session.scalar(select(Tenant.id).where(Tenant.slug == "again")) is None


def test_every_school_table_is_in_the_file_or_left_out_on_purpose(app, make_school):
    school = make_school("lister", modules=MODULES)
    listed = set(core_tables()) | LEFT_OUT
    with tenant_context(school):
        for module in MODULES:
            listed |= {m.__table__.name for m in module_tables(module, school).values()}
    school_tables = {m.local_table.name for m in db.Model.registry.mappers
                     if is_tenant_scoped(m.class_)
                     and not m.class_.__module__.startswith("houqin_test")}
    assert school_tables - listed == set()


def test_rows_are_streamed_not_loaded_whole(app, populated, tmp_path):
    """The export reads each table in batches, so its memory does not grow with the school."""
    from sqlalchemy import event

    seen = []

    def note(state):
        if state.is_select:
            seen.append(state.execution_options.get("yield_per"))

    event.listen(db.session, "do_orm_execute", note)
    try:
        with tenant_context(populated):
            from tenants.schoolfile import export_school

            export_school(io.BytesIO())
    finally:
        event.remove(db.session, "do_orm_execute", note)
    assert seen and sum(1 for n in seen if n) >= len(core_tables())


def test_a_module_still_returning_rows_is_warned_and_its_rows_left_out(app, make_school,
                                                                        monkeypatch):
    """The hook's earlier shape (lists of plain rows) cannot be imported: it is named, not
    silently written into a file that would lose it on the way in."""
    from types import SimpleNamespace

    from core.state import kernel
    from plugins.fees.models import Bill

    school = make_school("legacy", modules=("fees",))
    plugins = kernel().plugins
    monkeypatch.setattr(plugins, "hooks_of", lambda name: SimpleNamespace(
        houqin_export_tenant_data=lambda tenant: [{"fees_bills": Bill,
                                                   "fees.bills": [{"id": "x"}]}]))
    with tenant_context(school), pytest.warns(DeprecationWarning, match="'fees.bills'"):
        assert module_tables("fees", school) == {"fees_bills": Bill}


def test_an_account_known_by_mobile_number_moves_and_is_matched_by_it(
        app, make_school, target, tmp_path):
    """A cook without e-mail moves with the school; where the number has an account
    already, that account is the one given the cook's role."""
    from core.identity import services
    from core.identity.models import Membership

    school = make_school("phones")
    cook = services.create_user(None, "王师傅", phone="13800138000")
    guard = services.create_user(None, "张门卫", phone="13900139000")
    with tenant_context(school):
        services.grant_school_role(cook, "canteen_manager")
        services.grant_school_role(guard, "guard")
    db.session.commit()
    path = tmp_path / "phones.zip"
    export(school, path)
    with target.app_context():
        here = services.create_user(None, "王师傅（已有）", phone="13800138000")
        db.session.commit()
        here_id = here.id
    result = import_into(target, path)
    assert result.exit_code == 0, result.output
    with target.app_context():
        moved = db.session.scalar(select(Tenant).where(Tenant.slug == "phones")).ref()
        accounts = {u.phone: u for u in db.session.scalars(select(User))}
        assert accounts["13800138000"].id == here_id and accounts["13900139000"].email is None
        with tenant_context(moved):
            roles = dict(db.session.execute(select(Membership.user_id, Membership.role)).all())
        assert roles == {here_id: "canteen_manager", accounts["13900139000"].id: "guard"}


def test_a_channels_secrets_stay_behind_and_the_imported_school_re_enters_them(
        app, make_school, target, tmp_path):
    """A school file is a copy that travels: a robot's webhook key and signing secret stay in
    the deployment that sealed them; the moved channel says they must be re-entered."""
    from core.notifications import delivery
    from core.notifications.models import NotificationChannel

    webhook = "https://oapi.dingtalk.com/robot/send?access_token=movingtoken0123"
    school = make_school("robots")
    with tenant_context(school):
        made = delivery.create({"kind": "dingtalk", "title": "行政群", "settings": {
            "webhook": webhook, "secret": "SECmoving0123", "keyword": "后勤"}})
        made_id = made.id
        db.session.commit()
    path = tmp_path / "robots.zip"
    export(school, path)
    with zipfile.ZipFile(path) as archive:
        everything = b"".join(archive.read(name) for name in archive.namelist())
        [row] = [json.loads(line) for line in archive.read(
            "tables/core/notification_channels.jsonl").splitlines()]
    assert b"movingtoken0123" not in everything and b"SECmoving0123" not in everything
    assert "secrets" not in row and row["settings"] == {"keyword": "后勤",
                                                        "format": "markdown"}
    result = import_into(target, path)
    assert result.exit_code == 0, result.output
    with target.app_context():
        moved = db.session.scalar(select(Tenant).where(Tenant.slug == "robots")).ref()
        with tenant_context(moved):
            found = db.session.scalar(select(NotificationChannel)
                                      .where(NotificationChannel.id == made_id))
            assert (found.title, found.secrets) == ("行政群", None)
            assert delivery.secret_states(found) == {"webhook": "re-enter",
                                                     "secret": "not set"}
            assert delivery.needs_secrets(found)
