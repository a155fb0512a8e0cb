"""Throwaway databases, migrated as a deployment migrates: for the test suite (``core.testing``)
and for ``houqin plugin check``, which must run where pytest is not installed.

``HOUQIN_TEST_PG_ADMIN_URL`` says where PostgreSQL is (default the local ``postgres``
superuser); each database is named ``HOUQIN_TEST_PG_PREFIX`` (default ``houqin_test_``) and a
random suffix, so several checkouts or CI jobs can share one server and a cleanup can find
what a killed run left behind.
"""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import create_engine, inspect, pool, text
from sqlalchemy.engine import make_url

PG_ADMIN_URL = os.environ.get(
    "HOUQIN_TEST_PG_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
APP_ROLE = "houqin_test_app"
DEFAULT_PG_PREFIX = "houqin_test_"


def pg_prefix() -> str:
    """The prefix of the test databases' names (``HOUQIN_TEST_PG_PREFIX``): lower-case
    letters, digits and underscores, as a PostgreSQL name wants them unquoted."""
    prefix = os.environ.get("HOUQIN_TEST_PG_PREFIX", DEFAULT_PG_PREFIX)
    if not re.fullmatch(r"[a-z_][a-z0-9_]{0,40}", prefix):
        raise ValueError(f"HOUQIN_TEST_PG_PREFIX={prefix!r}: use at most 41 lower-case letters,"
                         " digits and underscores, starting with a letter or underscore")
    return prefix


def postgres_error() -> Exception | None:
    try:
        engine = create_engine(PG_ADMIN_URL, poolclass=pool.NullPool)
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        engine.dispose()
        return None
    except Exception as exc:
        return exc


@dataclass
class TestDatabase:
    owner_url: str
    app_url: str
    drop: Callable[[], None] = field(default=lambda: None)

    @property
    def dialect(self) -> str:
        return make_url(self.owner_url).get_backend_name()

    def config(self) -> dict:
        return {"SQLALCHEMY_DATABASE_URI": self.app_url, "MIGRATION_DATABASE_URL": self.owner_url}

    def empty(self) -> None:
        """Remove every row (as the owner), keeping the schema.

        A test writes to a handful of tables, so only those are emptied: one query finds them,
        then they are deleted from children first and every sequence starts again at 1.
        TRUNCATE of every table, which this replaces, cost PostgreSQL about two seconds per
        test, since each truncated table gets new files on disk."""
        engine = create_engine(self.owner_url, poolclass=pool.NullPool)
        with engine.begin() as connection:
            tables = [t for t in inspect(connection).get_table_names() if t != "alembic_version"]
            if self.dialect == "postgresql":
                _empty_postgres(connection, tables)
            else:
                connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
                for table in _written(connection, tables):
                    connection.exec_driver_sql(f'DELETE FROM "{table}"')
                connection.exec_driver_sql("PRAGMA foreign_keys=ON")
        engine.dispose()


def _written(connection, tables: list[str]) -> list[str]:
    """The tables among ``tables`` that hold a row, in one statement."""
    if not tables:
        return []
    probe = " UNION ALL ".join(
        f"SELECT '{table}' WHERE EXISTS (SELECT 1 FROM \"{table}\")" for table in tables)
    return [row[0] for row in connection.exec_driver_sql(probe)]


def _empty_postgres(connection, tables: list[str]) -> None:
    written = set(_written(connection, tables))
    if written:
        references = connection.exec_driver_sql(
            "SELECT conrelid::regclass::text, confrelid::regclass::text FROM pg_constraint"
            " WHERE contype = 'f' AND connamespace = 'public'::regnamespace").all()
        for table in _children_first(written, references):
            connection.exec_driver_sql(f'DELETE FROM "{table}"')
    # As RESTART IDENTITY did: ids start at 1 again in every table, written or not.
    connection.exec_driver_sql(
        "SELECT setval(c.oid, 1, false) FROM pg_class c"
        " WHERE c.relkind = 'S' AND c.relnamespace = 'public'::regnamespace")


def _children_first(tables: set[str], references: list[tuple[str, str]]) -> list[str]:
    """``tables`` ordered so that a table comes before every table it references; a table
    that references itself is deleted in one statement, which PostgreSQL allows."""
    parents = {table: set() for table in tables}
    for child, parent in references:
        child, parent = child.strip('"'), parent.strip('"')
        if child in parents and parent in parents and child != parent:
            parents[child].add(parent)
    ordered: list[str] = []
    while parents:
        # First the tables no remaining table references; a cycle of references (none today)
        # would fail the DELETE loudly rather than be emptied half-way.
        leaves = sorted(t for t in parents if not any(t in p for p in parents.values()))
        for table in leaves or sorted(parents):
            ordered.append(table)
            parents.pop(table)
    return ordered


def sqlite_database(directory) -> TestDatabase:
    url = f"sqlite:///{directory / 'houqin-test.db'}"
    return TestDatabase(url, url)


def postgres_database() -> TestDatabase:
    name = f"{pg_prefix()}{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_ADMIN_URL, poolclass=pool.NullPool, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
        # A throwaway database need not wait for the disk at each commit; what the tests check
        # (rows, isolation, answers) is the same, and a suite commits thousands of times.
        connection.execute(text(f'ALTER DATABASE "{name}" SET synchronous_commit = off'))
    base = make_url(PG_ADMIN_URL)
    owner = base.set(database=name)
    app = owner.set(username=APP_ROLE, password=None)

    def drop() -> None:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return TestDatabase(owner.render_as_string(False), app.render_as_string(False), drop)


def migrate(database: TestDatabase, instance_path, plugins: list[str] | None = None) -> None:
    """``houqin db upgrade`` with every installed plugin (or those named), as a deployment
    would run it."""
    from core.app import create_app
    from core.migrate import upgrade

    app = create_app({**database.config(), "INSTANCE_PATH": str(instance_path),
                      "SECRET_KEY": "test", "HOUQIN_PLUGINS": plugins})
    with app.app_context():
        upgrade(app)
    dispose(app)


def dispose(app) -> None:
    from core.extensions import db

    backend = app.extensions.get("houqin_jobs")
    if hasattr(backend, "shutdown"):
        backend.shutdown()
    with app.app_context():
        db.session.remove()
        for engine in db.engines.values():
            engine.dispose()


def make_school(slug: str, type: str = "primary", district: str = "district-a",
                modules: tuple[str, ...] = (), status: str = "active", domains=()):
    """A school (a ``TenantRef``) in the app whose context is current, with ``modules`` on."""
    from core.extensions import db
    from core.schools import modules as module_service
    from core.schools.models import District, Tenant
    from core.tenancy import tenant_context

    row = db.session.scalar(db.select(District).where(District.slug == district))
    if row is None:
        row = District(slug=district, name=district)
        db.session.add(row)
        db.session.flush()
    tenant = Tenant(slug=slug, name=slug.title(), type=type, district_id=row.id,
                    status=status, domains=list(domains))
    db.session.add(tenant)
    db.session.flush()
    ref = tenant.ref()
    with tenant_context(ref):
        for module in modules:
            module_service.enable(module)
        db.session.commit()
    return ref


@dataclass
class TestUser:
    id: int
    email: str
    token: str | None

    @property
    def headers(self) -> dict[str, str]:
        # An API client that reads English, as the tests' assertions on messages do.
        return {"Authorization": f"Bearer {self.token}", "Accept-Language": "en"} if self.token \
            else {"Accept-Language": "en"}


def make_user(school=None, role: str = "school_admin", email: str | None = None,
              district: int | None = None, token: bool = True) -> TestUser:
    """A person with ``role`` in ``school`` (or in ``district``) and an API token for it."""
    from datetime import timedelta

    from core.extensions import db
    from core.identity import services
    from core.tenancy import tenant_context

    email = email or f"{role}.{uuid.uuid4().hex[:6]}@test.houqin.test"
    user = services.user_by_email(email) or services.create_user(email, role)
    plaintext = None
    if district is not None:
        services.grant_district_role(user, district, role)
    if school is not None:
        with tenant_context(school):
            if district is None:
                services.grant_school_role(user, role)
            if token:
                plaintext = services.create_token(user, "test", timedelta(days=1)).plaintext
    db.session.commit()
    return TestUser(user.id, email, plaintext)
