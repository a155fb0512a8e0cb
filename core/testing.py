"""pytest fixtures for Houqin and for plugin authors (loaded through the ``pytest11`` entry point).

Fixtures: ``houqin_database`` (a migrated database for the session), ``app_factory`` and
``app`` (an app per test; ``@pytest.mark.houqin_plugins("a", "b")`` loads only those plugins),
``client``, ``make_school`` and ``make_user``. ``run_jobs(app)`` runs every queued job to the end.

Environment: ``HOUQIN_TEST_DATABASE=postgresql`` runs the suite on PostgreSQL (default
SQLite), ``HOUQIN_TEST_REDIS=1`` runs jobs through rq on Redis (default in-process).
``HOUQIN_TEST_PG_ADMIN_URL`` and ``HOUQIN_TEST_REDIS_URL`` say where they are. Tests that
need PostgreSQL or Redis are skipped when it is unreachable, except when ``CI`` is set:
then they fail.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from sqlalchemy import create_engine, inspect, pool, text
from sqlalchemy.engine import make_url

PG_ADMIN_URL = os.environ.get(
    "HOUQIN_TEST_PG_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
REDIS_URL = os.environ.get("HOUQIN_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
APP_ROLE = "houqin_test_app"


def pytest_configure(config) -> None:
    config.addinivalue_line(
        "markers", "houqin_plugins(*names): load only these installed plugins for the test's app"
    )
    config.addinivalue_line("markers", "postgres: needs PostgreSQL (mandatory when CI is set)")
    config.addinivalue_line("markers", "redis: needs Redis (mandatory when CI is set)")


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() not in ("", "0", "false", "no")


def require_service(name: str, error: Exception | None) -> None:
    """Skip when a service is down, but fail in CI, where it is mandatory."""
    if error is None:
        return
    message = f"{name} is unreachable: {error}"
    if in_ci():
        pytest.fail(f"{message} (mandatory when CI is set)", pytrace=False)
    pytest.skip(message)


def postgres_error() -> Exception | None:
    try:
        engine = create_engine(PG_ADMIN_URL, poolclass=pool.NullPool)
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        engine.dispose()
        return None
    except Exception as exc:
        return exc


def redis_error() -> Exception | None:
    try:
        from redis import Redis

        Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
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
        """Remove every row (as the owner), keeping the schema."""
        engine = create_engine(self.owner_url, poolclass=pool.NullPool)
        with engine.begin() as connection:
            tables = [t for t in inspect(connection).get_table_names() if t != "alembic_version"]
            if self.dialect == "postgresql":
                quoted = ", ".join(f'"{t}"' for t in tables)
                connection.execute(text(f"TRUNCATE {quoted} RESTART IDENTITY CASCADE"))
            else:
                connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
                for table in tables:
                    connection.exec_driver_sql(f'DELETE FROM "{table}"')
                connection.exec_driver_sql("PRAGMA foreign_keys=ON")
        engine.dispose()


def _sqlite_database(directory) -> TestDatabase:
    url = f"sqlite:///{directory / 'houqin-test.db'}"
    return TestDatabase(url, url)


def _postgres_database() -> TestDatabase:
    name = f"houqin_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_ADMIN_URL, poolclass=pool.NullPool, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    base = make_url(PG_ADMIN_URL)
    owner = base.set(database=name)
    app = owner.set(username=APP_ROLE, password=None)

    def drop() -> None:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return TestDatabase(owner.render_as_string(False), app.render_as_string(False), drop)


def migrate(database: TestDatabase, instance_path) -> None:
    """``houqin db upgrade`` with every installed plugin, as a deployment would run it."""
    from core.app import create_app
    from core.migrate import upgrade

    app = create_app({**database.config(), "INSTANCE_PATH": str(instance_path),
                      "SECRET_KEY": "test", "HOUQIN_PLUGINS": None})
    with app.app_context():
        upgrade(app)
    _dispose(app)


def _dispose(app) -> None:
    from core.extensions import db

    backend = app.extensions.get("houqin_jobs")
    if hasattr(backend, "shutdown"):
        backend.shutdown()
    with app.app_context():
        db.session.remove()
        for engine in db.engines.values():
            engine.dispose()


@pytest.fixture(scope="session")
def houqin_database(tmp_path_factory) -> Iterator[TestDatabase]:
    """The suite's database, migrated once: SQLite, or PostgreSQL when asked for."""
    if os.environ.get("HOUQIN_TEST_DATABASE", "sqlite") == "postgresql":
        require_service("PostgreSQL", postgres_error())
        database = _postgres_database()
    else:
        database = _sqlite_database(tmp_path_factory.mktemp("db"))
    migrate(database, tmp_path_factory.mktemp("instance"))
    yield database
    database.drop()


@pytest.fixture(scope="session")
def houqin_postgres(houqin_database, tmp_path_factory) -> Iterator[TestDatabase]:
    """A migrated PostgreSQL database, whatever the suite's main database is."""
    if houqin_database.dialect == "postgresql":
        yield houqin_database
        return
    require_service("PostgreSQL", postgres_error())
    database = _postgres_database()
    migrate(database, tmp_path_factory.mktemp("pg-instance"))
    yield database
    database.drop()


@pytest.fixture(scope="session")
def houqin_redis_url() -> str:
    require_service("Redis", redis_error())
    return REDIS_URL


def _redis_config() -> dict:
    if os.environ.get("HOUQIN_TEST_REDIS") not in (None, "", "0"):
        require_service("Redis", redis_error())
        return {"REDIS_URL": REDIS_URL, "RQ_QUEUE": f"houqin-test-{uuid.uuid4().hex[:8]}"}
    return {"REDIS_URL": None}


@pytest.fixture
def app_factory(houqin_database, tmp_path) -> Iterator[Callable]:
    """``app_factory(plugins=None, database=None, **config)`` builds an app for this test."""
    from core.app import create_app

    made = []
    used_databases: dict[int, TestDatabase] = {}

    def make(plugins: list[str] | None = None, database: TestDatabase | None = None, **config):
        database = database or houqin_database
        used_databases[id(database)] = database
        settings = {
            **database.config(), **_redis_config(), "INSTANCE_PATH": str(tmp_path / "instance"),
            "SECRET_KEY": "test-secret", "HOUQIN_PLUGINS": plugins, "JOB_RETRY_INTERVALS": [0, 0, 0],
            "TESTING": True, **config,
        }
        app = create_app(settings)
        made.append(app)
        return app

    yield make
    for app in made:
        _dispose(app)
    for database in used_databases.values():
        database.empty()


@pytest.fixture
def app(app_factory, request):
    marker = request.node.get_closest_marker("houqin_plugins")
    app = app_factory(plugins=list(marker.args) if marker else None)
    with app.app_context():
        yield app


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def make_school() -> Callable:
    """``make_school(slug, type="primary", district="district-a", modules=())`` -> TenantRef,
    in the app whose context is current (``app`` gives one)."""
    from core.extensions import db
    from core.tenancy import tenant_context
    from tenants import modules as module_service
    from tenants.models import District, Tenant

    def make(slug: str, type: str = "primary", district: str = "district-a",
             modules: tuple[str, ...] = (), status: str = "active", domains=()):
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

    return make


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


@pytest.fixture
def make_user() -> Callable:
    """``make_user(school, role="school_admin")`` -> TestUser with an API token for that school;
    ``make_user(None, district=ref.district_id, role="district_inspector")`` for district staff."""
    from core.extensions import db
    from core.identity import services
    from core.tenancy import tenant_context

    def make(school=None, role: str = "school_admin", email: str | None = None,
             district: int | None = None, token: bool = True):
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

    return make


def signed_in(client, user: TestUser) -> str:
    """Sign a test client in as ``user`` (a web session, as after the sign-in page); returns the
    CSRF token its form posts must carry."""
    from core.extensions import db
    from core.identity import sessions

    key = sessions.start(user.id, "127.0.0.1", "pytest")
    db.session.commit()
    with client.session_transaction() as session:
        session[sessions.SESSION_KEY], session["csrf"] = key, "test-csrf-token"
    return "test-csrf-token"


def run_jobs(app, timeout: float = 30.0) -> None:
    """Run every queued job (and its retries) to the end, on whichever backend the app has."""
    backend = app.extensions["houqin_jobs"]
    if hasattr(backend, "drain"):
        if not backend.drain(timeout):
            raise TimeoutError("jobs still running after the timeout")
        return
    from rq import SimpleWorker

    from core.jobs import runner

    runner.set_worker_app(app)
    SimpleWorker([backend.queue], connection=backend.connection).work(burst=True)
