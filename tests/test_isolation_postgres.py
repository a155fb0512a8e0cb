"""The PostgreSQL layer of tenant isolation: row-level security under the app's own role."""

import pytest
from houqin_testnotes.models import Note
from sqlalchemy import create_engine, pool, text
from sqlalchemy.exc import DBAPIError, ProgrammingError

from core.db.rls import tenant_tables
from core.extensions import db
from core.tenancy import tenant_context

pytestmark = [pytest.mark.postgres, pytest.mark.houqin_plugins("notes")]


@pytest.fixture
def pg_app(app_factory, houqin_postgres):
    app = app_factory(plugins=["notes"], database=houqin_postgres)
    with app.app_context():
        yield app


@pytest.fixture
def two_schools(pg_app, make_school):
    a = make_school("rls-a", modules=("notes",))
    b = make_school("rls-b", district="rls-district-b", modules=("notes",))
    for school in (a, b):
        with tenant_context(school):
            db.session.add(Note(title=f"secret of {school.slug}"))
            db.session.commit()
    return a, b


@pytest.fixture
def app_engine(houqin_postgres):
    engine = create_engine(houqin_postgres.app_url, poolclass=pool.NullPool)
    yield engine
    engine.dispose()


def _as_school(connection, tenant_id):
    connection.execute(text("SELECT set_config('houqin.tenant_id', :t, true)"),
                       {"t": str(tenant_id)})


def test_raw_sql_as_app_role_sees_only_the_school_in_the_setting(two_schools, app_engine):
    a, b = two_schools
    with app_engine.begin() as connection:
        _as_school(connection, a.id)
        titles = set(connection.execute(text("SELECT title FROM notes")).scalars())
        assert titles == {"welcome", "secret of rls-a"}
        assert connection.execute(
            text("SELECT count(*) FROM notes WHERE tenant_id = :b"), {"b": b.id}
        ).scalar() == 0


def test_missing_setting_matches_no_row(two_schools, app_engine):
    with app_engine.begin() as connection:
        for table in ("notes", "tenant_modules", "memberships", "audit_events", "job_runs"):
            assert connection.execute(text(f"SELECT count(*) FROM {table}")).scalar() == 0


def test_app_role_cannot_write_into_another_school(two_schools, app_engine):
    a, b = two_schools
    with pytest.raises(ProgrammingError, match="row-level security"), \
            app_engine.begin() as connection:
        _as_school(connection, a.id)
        connection.execute(
            text("INSERT INTO notes (tenant_id, id, title, body, created_at)"
                 " VALUES (:b, gen_random_uuid(), 'forged', '', now())"), {"b": b.id})
    with app_engine.begin() as connection:
        _as_school(connection, a.id)
        updated = connection.execute(
            text("UPDATE notes SET title = 'defaced' WHERE tenant_id = :b"), {"b": b.id}
        ).rowcount
        assert updated == 0


def test_app_role_cannot_turn_isolation_off(two_schools, app_engine):
    with pytest.raises(DBAPIError), app_engine.begin() as connection:
        connection.execute(text("ALTER TABLE notes DISABLE ROW LEVEL SECURITY"))
    with pytest.raises(DBAPIError), app_engine.begin() as connection:
        connection.execute(text("SET row_security = off"))
        connection.execute(text("SELECT count(*) FROM notes")).scalar()


def test_district_policy_reads_listed_schools_only(two_schools, app_engine):
    a, _b = two_schools
    with app_engine.begin() as connection:
        connection.execute(text("SELECT set_config('houqin.district_tenant_ids', :ids, true)"),
                           {"ids": str(a.id)})
        titles = set(connection.execute(text("SELECT title FROM notes")).scalars())
        assert titles == {"welcome", "secret of rls-a"}
        deleted = connection.execute(text("DELETE FROM notes")).rowcount
        assert deleted == 0, "the district policy is for reading only"


def test_every_tenant_table_has_forced_rls_and_policies(pg_app):
    with db.engine.connect() as connection:
        tables = tenant_tables(connection)
        assert {"notes", "note_items", "memberships", "tenant_modules", "audit_events"} <= set(tables)
        for table in tables:
            enabled, forced = connection.execute(text(
                "SELECT relrowsecurity, relforcerowsecurity FROM pg_class WHERE relname = :t"
            ), {"t": table}).one()
            policies = set(connection.execute(text(
                "SELECT policyname FROM pg_policies WHERE tablename = :t"), {"t": table}).scalars())
            assert enabled and forced, f"{table}: RLS must be enabled and forced"
            assert {"houqin_tenant", "houqin_district_read"} <= policies, table


def test_app_role_owns_nothing_and_cannot_bypass(pg_app, houqin_postgres):
    with db.engine.connect() as connection:
        role = connection.execute(text("SELECT current_user")).scalar()
        superuser, bypass = connection.execute(text(
            "SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user")).one()
        owned = connection.execute(text(
            "SELECT count(*) FROM pg_tables WHERE tableowner = current_user")).scalar()
    assert role == "houqin_test_app"
    assert not superuser and not bypass and owned == 0


@pytest.mark.parametrize("table", ["audit_events", "deployment_audit_events"])
def test_audit_trails_are_append_only_for_the_app(two_schools, app_engine, table):
    a, _ = two_schools
    for statement in (f"UPDATE {table} SET action = 'nothing'", f"DELETE FROM {table}"):
        with pytest.raises(ProgrammingError, match="permission denied"), \
                app_engine.begin() as connection:
            _as_school(connection, a.id)
            connection.execute(text(statement))


def test_orm_requests_use_the_setting(two_schools, pg_app):
    _a, b = two_schools
    with tenant_context(b):
        assert set(db.session.scalars(db.select(Note.title))) == {"welcome", "secret of rls-b"}
        # Even a raw statement through the app's session is held to the school in context.
        raw = set(db.session.execute(text("SELECT title FROM notes")).scalars())
        assert raw == {"welcome", "secret of rls-b"}


def test_settings_follow_the_scope_after_a_savepoint_rolls_back(two_schools, pg_app):
    a, b = two_schools
    with tenant_context(a):
        db.session.scalar(text("SELECT 1"))
        savepoint = db.session.begin_nested()
        with tenant_context(b):
            db.session.scalar(text("SELECT 1"))  # settings now say b, inside the savepoint
            savepoint.rollback()  # ...and PostgreSQL rolls them back to a
            raw = set(db.session.execute(text("SELECT title FROM notes")).scalars())
            assert raw == {"welcome", "secret of rls-b"}
    db.session.rollback()


def test_a_database_error_inside_a_scope_surfaces_as_itself(two_schools, pg_app):
    from sqlalchemy.exc import DataError

    from core.tenancy import current_tenant

    a, b = two_schools
    with pytest.raises(DataError), tenant_context(a):
        db.session.execute(text("SELECT 'not a number'::int"))
    assert current_tenant() is None
    db.session.rollback()
    with tenant_context(b):
        assert set(db.session.scalars(db.select(Note.title))) == {"welcome", "secret of rls-b"}
