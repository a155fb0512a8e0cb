"""Operator-facing behaviour: export, several manifests, recovery, proxies, the app role."""

import json
import uuid
import zipfile

import pytest
from click.testing import CliRunner
from flask.cli import ScriptInfo
from houqin_testnotes.models import Note, NoteItem
from sqlalchemy import create_engine, inspect, pool, select, text

from core.audit import AuditEvent
from core.cli import cli
from core.db import utcnow
from core.extensions import db
from core.jobs.models import JobRun, JobStatus
from core.schools import modules
from core.tenancy import tenant_context
from core.testing import PG_ADMIN_URL, run_jobs

pytestmark = pytest.mark.houqin_plugins("notes", "tags")


def test_the_school_file_holds_core_records_and_each_module_of_the_school(
        app, make_school, make_user, tmp_path):
    from tenants.schoolfile import file_rows

    school = make_school("exporter", modules=("notes",))
    make_user(school, "nurse", email="nurse@exporter.test")
    make_school("bystander", modules=("notes",))
    path = tmp_path / "exporter.zip"
    result = CliRunner().invoke(cli, ["tenants", "export", "--tenant", "exporter", str(path)])
    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(path) as archive:
        manifest = json.loads(archive.read("manifest.json"))
        accounts = [json.loads(line) for line in archive.read("accounts.jsonl").splitlines()]
    assert manifest["school"]["slug"] == "exporter"
    assert [m["name"] for m in manifest["modules"]] == ["core", "notes"]
    assert [a["email"] for a in accounts] == ["nurse@exporter.test"]
    assert [m["role"] for m in file_rows(path, "core", "memberships")] == ["nurse"]
    assert [n["title"] for n in file_rows(path, "notes", "notes")] == ["welcome"]
    assert file_rows(path, "core", "api_tokens") == []  # secrets of this deployment stay here
    with tenant_context(school):
        modules.disable("notes")
        db.session.commit()
    # A module switched off keeps its data, and the data moves with the school.
    CliRunner().invoke(cli, ["tenants", "export", "--tenant", "exporter", str(path)])
    assert [n["title"] for n in file_rows(path, "notes", "notes")] == ["welcome"]
    assert [m["enabled"] for m in file_rows(path, "core", "tenant_modules")] == [False]


def test_several_manifests_apply_in_order(app, tmp_path):
    first = tmp_path / "a.toml"
    first.write_text('[district]\nslug = "one"\nname = "One"\n[[schools]]\nslug = "s1"\n'
                     'name = "S1"\ntype = "primary"\n', encoding="utf-8")
    second = tmp_path / "b.toml"
    second.write_text('[district]\nslug = "two"\nname = "Two"\n[[schools]]\nslug = "s2"\n'
                      'name = "S2"\ntype = "special"\n[[schools.admins]]\nemail = "x@s2.test"\n'
                      'name = "X"\n', encoding="utf-8")
    dry = CliRunner().invoke(cli, ["tenants", "apply", "--dry-run", str(first), str(second)])
    assert "x@s2.test would get a generated password" in dry.output
    assert "new password" not in dry.output
    result = CliRunner().invoke(cli, ["tenants", "apply", str(first), str(second)])
    assert result.exit_code == 0, result.output
    assert f"{first}: 2 change(s)" in result.output and "new password for x@s2.test" in result.output
    listed = CliRunner().invoke(cli, ["tenants", "list"]).output
    assert "one\ts1\tprimary" in listed and "two\ts2\tspecial" in listed


def test_district_staff_can_have_a_token_for_a_school_of_their_district(app, make_school,
                                                                        make_user):
    school = make_school("dist-school", modules=("notes",))
    make_user(None, "district_inspector", email="insp@district.test", district=school.district_id)
    result = CliRunner().invoke(cli, ["tokens", "create", "--email", "insp@district.test",
                                      "--tenant", "dist-school"])
    assert result.exit_code == 0, result.output
    token = result.stdout.strip().splitlines()[0]
    response = app.test_client().get("/api/v1/notes", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200


def test_unfinished_in_process_jobs_resume_after_a_restart(app_factory, make_school):
    app = app_factory(plugins=["notes"], REDIS_URL=None)
    with app.app_context():
        school = make_school("restarted", modules=("notes",))
        with tenant_context(school):
            # As a crash leaves them: one never handed over, one cut off mid-run.
            for status in (JobStatus.QUEUED, JobStatus.RUNNING):
                note = Note(title=status)
                db.session.add(note)
                db.session.flush()
                running = status == JobStatus.RUNNING
                db.session.add(JobRun(func="houqin_testnotes.jobs:write_items", status=status,
                                      args=[str(note.id), 2], attempts=int(running),
                                      started_at=utcnow() if running else None))
            db.session.commit()
        from core.jobs.recovery import resend_stalled

        assert resend_stalled(waiting_for=0, running_for=0) == 2
        run_jobs(app)
        with tenant_context(school):
            runs = db.session.scalars(select(JobRun)).all()
            assert {(r.status, r.attempts) for r in runs} == {("finished", 1), ("finished", 2)}
            assert sorted(db.session.scalars(select(NoteItem.seq))) == [0, 0, 1, 1]


def test_behind_a_proxy_the_audit_records_the_clients_address(app_factory, make_school,
                                                              make_user):
    app = app_factory(plugins=["notes"], PROXY_COUNT=1)
    with app.app_context():
        school = make_school("proxied", modules=("notes",))
        admin = make_user(school, "school_admin")
        response = app.test_client().post(
            "/api/v1/notes", json={"title": "t"},
            headers={**admin.headers, "X-Forwarded-For": "203.0.113.7"})
        assert response.status_code == 201
        with tenant_context(school):
            event = db.session.scalar(select(AuditEvent).where(AuditEvent.entity == "notes",
                                                               AuditEvent.action == "create",
                                                               AuditEvent.source == "api"))
            assert event.address == "203.0.113.7" and event.user_id == admin.id


def test_openapi_declares_bearer_authentication(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert spec["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    assert spec["security"] == [{"bearer": []}]


@pytest.mark.postgres
def test_upgrade_refuses_when_the_owner_cannot_create_the_app_role(houqin_postgres, tmp_path):
    from core.app import create_app
    from core.migrate import RoleSetupRequired, upgrade

    name = f"houqin_norole_{uuid.uuid4().hex[:8]}"
    admin = create_engine(PG_ADMIN_URL, poolclass=pool.NullPool, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE ROLE "{name}" LOGIN NOCREATEROLE'))
        connection.execute(text(f'CREATE DATABASE "{name}" OWNER "{name}"'))
    try:
        owner = PG_ADMIN_URL.rsplit("@", 1)[1].split("/")[0]
        owner_url = f"postgresql+psycopg://{name}@{owner}/{name}"
        app = create_app({"SQLALCHEMY_DATABASE_URI": f"postgresql+psycopg://{name}_app@{owner}/{name}",
                          "MIGRATION_DATABASE_URL": owner_url, "INSTANCE_PATH": str(tmp_path),
                          "SECRET_KEY": "x", "HOUQIN_PLUGINS": ["notes"]})
        with app.app_context(), pytest.raises(RoleSetupRequired) as caught:
            upgrade(app)
        assert f'CREATE ROLE "{name}_app"' in caught.value.sql and "NOBYPASSRLS" in caught.value.sql
        engine = create_engine(owner_url, poolclass=pool.NullPool)
        with engine.connect() as connection:
            assert inspect(connection).get_table_names() == []  # nothing half-secured
        engine.dispose()
        with app.app_context():
            db.session.remove()
            for eng in db.engines.values():
                eng.dispose()
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            connection.execute(text(f'DROP ROLE IF EXISTS "{name}"'))
        admin.dispose()


def test_apply_refuses_until_every_modules_migrations_are_applied(fresh_database, app_factory,
                                                                   tmp_path):
    # fresh_database first: it is dropped after app_factory has emptied it, not before.
    from alembic import command

    from core.migrate import alembic_config, owner_engine, upgrade

    manifest = tmp_path / "school.toml"
    manifest.write_text('[district]\nslug = "late"\nname = "Late"\n[[schools]]\nslug = "l1"\n'
                        'name = "L1"\ntype = "primary"\nmodules = ["notes"]\n', encoding="utf-8")
    late = app_factory(plugins=["notes"], database=fresh_database)
    with late.app_context():
        upgrade(late)
        engine = owner_engine(late)
        with engine.begin() as connection:  # notes installed since the last db upgrade
            command.downgrade(alembic_config(late, connection), "notes@base")
        engine.dispose()
        refused = CliRunner().invoke(cli, ["tenants", "apply", str(manifest)],
                                     obj=ScriptInfo(create_app=lambda: late))
        assert refused.exit_code == 2
        assert ("the database lacks the newest migrations of notes: run houqin db upgrade first"
                in refused.output)
        assert CliRunner().invoke(cli, ["tenants", "list"],
                                  obj=ScriptInfo(create_app=lambda: late)).output.strip() == ""
        upgrade(late)
        applied = CliRunner().invoke(cli, ["tenants", "apply", str(manifest)],
                                     obj=ScriptInfo(create_app=lambda: late))
        assert applied.exit_code == 0, applied.output
