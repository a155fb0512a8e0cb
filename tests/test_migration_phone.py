"""The migration that lets an account sign in by mobile number changes ``users`` (e-mail
optional, a phone column, a check): on SQLite by rebuilding the table. Every row that
references a person must survive it, with its reference intact, on both databases."""

import uuid
from datetime import UTC, datetime

import pytest
from alembic import command
from sqlalchemy import inspect, text
from sqlalchemy.exc import IntegrityError

from core.migrate import alembic_config, owner_engine, upgrade
from core.testing import _postgres_database, _sqlite_database, postgres_error, require_service

BEFORE = "d7a3f5c2e8b1"
# Every table that names a person, with the column ordering its rows.
REFERENCING = ("memberships", "district_memberships", "user_sessions", "api_tokens",
               "account_links", "audit_events", "login_failures")


def _app(database, tmp_path):
    from core.app import create_app

    return create_app({**database.config(), "INSTANCE_PATH": str(tmp_path / "instance"),
                       "SECRET_KEY": "test", "HOUQIN_PLUGINS": None})


def _filler(column):
    kind = column["type"].__class__.__name__.upper()
    if "UUID" in kind:
        return uuid.uuid4()
    if "DATE" in kind or "TIME" in kind:
        return datetime(2026, 9, 1, tzinfo=UTC)
    if "BOOL" in kind:
        return False
    if "JSON" in kind:
        return {}
    if "INT" in kind or "NUMERIC" in kind:
        return 0
    return "x"


def _insert(connection, table: str, **values) -> None:
    """A row with the values given and something of the right type in every other column
    the table requires."""
    from sqlalchemy import JSON, Column, MetaData, Table

    row = dict(values)
    columns = inspect(connection).get_columns(table)
    for column in columns:
        integer_key = column["name"] == "id" and "INT" in str(column["type"]).upper()
        if column["name"] == "id" and not integer_key:
            row.setdefault("id", uuid.uuid4() if connection.dialect.name == "postgresql"
                           else uuid.uuid4().hex)
        elif not column["nullable"] and not integer_key:
            row.setdefault(column["name"], _filler(column))
    target = Table(table, MetaData(), *[
        Column(c["name"], JSON if "JSON" in str(c["type"]).upper() else c["type"])
        for c in columns if c["name"] in row])
    connection.execute(target.insert().values(**row))


def _populate(connection) -> None:
    _insert(connection, "districts", id=1, slug="d", name="D", timezone="Asia/Shanghai")
    _insert(connection, "tenants", id=1, district_id=1, slug="s", name="S", type="primary",
            timezone="Asia/Shanghai", status="active", domains=[])
    for n in (1, 2, 3):
        _insert(connection, "users", id=n, email=f"p{n}@x.test", name=f"Person {n}",
                password_hash=f"hash{n}", is_active=True)
        _insert(connection, "memberships", tenant_id=1, user_id=n, role="teacher")
        _insert(connection, "user_sessions", key_hash=f"k{n}", user_id=n)
        _insert(connection, "api_tokens", tenant_id=1, public_id=f"t{n}", user_id=n)
        _insert(connection, "account_links", tenant_id=1, public_id=f"l{n}", user_id=n)
        _insert(connection, "audit_events", tenant_id=1, user_id=n, action="invite",
                entity="users", entity_id=str(n), source="web")
        _insert(connection, "login_failures", email=f"p{n}@x.test", user_id=n)
    _insert(connection, "district_memberships", district_id=1, user_id=1, role="district_admin")


def _snapshot(connection) -> dict[str, list]:
    found = {"users": [tuple(r) for r in connection.execute(text(
        "SELECT id, email, name, password_hash, is_active FROM users ORDER BY id"))]}
    for table in REFERENCING:
        found[table] = sorted(
            (tuple(str(v) for v in row) for row in connection.execute(text(
                f"SELECT * FROM {table}"))), key=repr)
    return found


def _migrate_with_data(database, tmp_path):
    app = _app(database, tmp_path)
    with app.app_context():
        engine = owner_engine(app)
        with engine.begin() as connection:
            command.upgrade(alembic_config(app, connection), BEFORE)
        with engine.begin() as connection:
            if database.dialect == "sqlite":  # rows that obey their references
                connection.exec_driver_sql("PRAGMA foreign_keys=ON")
            _populate(connection)
        with engine.connect() as connection:
            before = _snapshot(connection)
        upgrade(app)
        with engine.connect() as connection:
            after = _snapshot(connection)
            columns = {c["name"]: c for c in inspect(connection).get_columns("users")}
        engine.dispose()
    return app, before, after, columns


def _check_survived(before, after, columns) -> None:
    assert [len(before[t]) for t in REFERENCING] == [3, 1, 3, 3, 3, 3, 3]
    assert after == before
    assert columns["email"]["nullable"] and columns["phone"]["nullable"]


def _check_new_rules(app) -> None:
    """The new table keeps its references and accepts a phone-only account, but not a
    second account with the same number, nor one with neither."""
    engine = owner_engine(app)
    with engine.connect() as connection:
        if connection.dialect.name == "sqlite":
            connection.exec_driver_sql("PRAGMA foreign_keys=ON")
            assert connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall() == []
            children = connection.exec_driver_sql(
                "SELECT sql FROM sqlite_master WHERE name = 'memberships'").scalar()
            assert 'REFERENCES "users"' in children or "REFERENCES users" in children
        users = "INSERT INTO users (id, email, phone, name, is_active, created_at) VALUES "
        connection.execute(text(users + "(10, NULL, '13800138000', 'Cook', true, :at)"),
                           {"at": datetime(2026, 9, 1, tzinfo=UTC)})
        with pytest.raises(IntegrityError), connection.begin_nested():
            connection.execute(text(users + "(11, NULL, '13800138000', 'Guard', true, :at)"),
                               {"at": datetime(2026, 9, 1, tzinfo=UTC)})
        with pytest.raises(IntegrityError), connection.begin_nested():
            connection.execute(text(users + "(12, NULL, NULL, 'Nobody', true, :at)"),
                               {"at": datetime(2026, 9, 1, tzinfo=UTC)})
        # References are still enforced.
        with pytest.raises(IntegrityError), connection.begin_nested():
            connection.execute(text(
                "INSERT INTO user_sessions (key_hash, user_id, created_at, last_seen_at,"
                " expires_at) VALUES ('k99', 99, :at, :at, :at)"),
                {"at": datetime(2026, 9, 1, tzinfo=UTC)})
        connection.rollback()
    engine.dispose()


def test_sqlite_rebuild_keeps_every_referencing_row(tmp_path):
    (tmp_path / "db").mkdir()
    database = _sqlite_database(tmp_path / "db")
    app, before, after, columns = _migrate_with_data(database, tmp_path)
    _check_survived(before, after, columns)
    with app.app_context():
        _check_new_rules(app)


def test_sqlite_downgrade_restores_the_old_table(tmp_path):
    (tmp_path / "db").mkdir()
    database = _sqlite_database(tmp_path / "db")
    app, before, _after, _columns = _migrate_with_data(database, tmp_path)
    with app.app_context():
        engine = owner_engine(app)
        with engine.begin() as connection:
            command.downgrade(alembic_config(app, connection), BEFORE)
        with engine.connect() as connection:
            assert _snapshot(connection) == before
            columns = {c["name"]: c for c in inspect(connection).get_columns("users")}
            assert "phone" not in columns and not columns["email"]["nullable"]
            assert connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall() == []
        engine.dispose()


@pytest.mark.postgres
def test_postgres_keeps_every_referencing_row(tmp_path):
    require_service("PostgreSQL", postgres_error())
    database = _postgres_database()
    try:
        app, before, after, columns = _migrate_with_data(database, tmp_path)
        _check_survived(before, after, columns)
        with app.app_context():
            _check_new_rules(app)
    finally:
        from core.extensions import db

        with app.app_context():
            db.engine.dispose()
        database.drop()


def _enforcing_engine(database):
    """A connection that enforces foreign keys, as the app's own connections do."""
    from sqlalchemy import create_engine, event, pool

    engine = create_engine(database.owner_url, poolclass=pool.NullPool)

    @event.listens_for(engine, "connect")
    def _on(dbapi_connection, _record):
        dbapi_connection.execute("PRAGMA foreign_keys=ON")

    return engine


def _at_before_with_data(database, tmp_path):
    app = _app(database, tmp_path)
    with app.app_context():
        engine = owner_engine(app)
        with engine.begin() as connection:
            command.upgrade(alembic_config(app, connection), BEFORE)
        with engine.begin() as connection:
            _populate(connection)
        engine.dispose()
    return app


def test_sqlite_rebuild_on_a_connection_enforcing_references_turns_them_off_first(tmp_path):
    """Left on, dropping the old users table would delete (or refuse) every row naming a
    person; the migration turns enforcement off while it may, and checks afterwards."""
    (tmp_path / "db").mkdir()
    database = _sqlite_database(tmp_path / "db")
    app = _at_before_with_data(database, tmp_path)
    engine = _enforcing_engine(database)
    with app.app_context():
        with engine.connect() as connection:
            before = _snapshot(connection)
        with engine.connect() as connection:
            command.upgrade(alembic_config(app, connection), "e5b8c1d4f2a6")
            connection.commit()
        with engine.connect() as connection:
            assert _snapshot(connection) == before
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            columns = {c["name"]: c for c in inspect(connection).get_columns("users")}
            assert columns["email"]["nullable"] and "phone" in columns
            assert connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall() == []
    engine.dispose()


def test_sqlite_rebuild_refuses_when_references_cannot_be_turned_off(tmp_path):
    """Inside a transaction SQLite ignores the switch: the migration then stops with a clear
    message rather than drop a table that rows refer to."""
    (tmp_path / "db").mkdir()
    database = _sqlite_database(tmp_path / "db")
    app = _at_before_with_data(database, tmp_path)
    engine = _enforcing_engine(database)
    with app.app_context():
        with engine.connect() as connection:
            before = _snapshot(connection)
            connection.exec_driver_sql("DELETE FROM login_failures WHERE 1 = 0")  # begins
            with pytest.raises(RuntimeError, match="foreign keys off"):
                command.upgrade(alembic_config(app, connection), "e5b8c1d4f2a6")
            connection.rollback()
        with engine.connect() as connection:
            assert _snapshot(connection) == before
            assert "phone" not in {c["name"] for c in inspect(connection).get_columns("users")}
    engine.dispose()
