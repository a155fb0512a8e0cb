"""pytest fixtures and helpers for Houqin and for plugin authors, active wherever Houqin is
installed (the ``houqin`` ``pytest11`` entry point). A module's tests look like ours::

    import pytest

    pytestmark = pytest.mark.houqin_plugins("meters")

    def test_a_reading(client, make_school, make_user):
        school = make_school("north", modules=("meters",))
        admin = make_user(school, "school_admin")
        assert client.get("/api/v1/meters/items", headers=admin.headers).status_code == 200

Fixtures
    ``houqin_database``
        the session's database, migrated once with every installed plugin (rows are emptied
        after each test). ``houqin_postgres``: a migrated PostgreSQL one whatever the suite
        runs on; ``houqin_redis_url``: a Redis URL (both skip, or fail in CI, when down).
    ``app_factory(plugins=None, database=None, **config)``
        another app for the test (other plugins, other configuration).
    ``app``
        an app for the test, inside its app context, with every installed plugin, or only
        those named by ``@pytest.mark.houqin_plugins("a", "b")``.
    ``client``
        Flask's test client for ``app``.
    ``make_school(slug, type="primary", district="district-a", modules=(), status="active",
    domains=())``
        a school (``TenantRef``) with ``modules`` switched on.
    ``make_user(school, role="school_admin", email=None, district=None, token=True)``
        a ``TestUser`` with ``role`` in ``school`` and an API token; ``.headers`` holds its
        ``Authorization`` (and ``Accept-Language: en``). With ``district=`` the role is a
        district role instead.
    ``page_session(school, role="school_admin", language="en")``
        a ``PageSession``: its own browser-less client signed in to ``school``'s pages as a
        new member with ``role``; ``.get("/m/meters/")`` and ``.post(path, {...})`` add the
        school's ``/t/<slug>`` prefix, and ``post`` the form's CSRF token; ``.client`` and
        ``.user`` for the rest. ``language="zh_CN"`` reads the pages in Chinese.
    ``navigation(school, role="school_admin", language="en")``
        the navigation such a member sees on the school's home page, as
        ``{group title: [entry titles]}`` in the page's order (``site_navigation(html)``
        reads it from any page).
    ``fresh_database``
        an empty database of the suite's kind, dropped after the test, for
        ``assert_migrations_hold``.
    ``houqin_cli``
        runs a ``houqin`` command in the test's ``app`` (its database, its plugins, and so
        the module's own ``houqin <module> …`` group): ``houqin_cli("meters", "count",
        "--tenant", "north")`` returns click's ``Result`` (``exit_code``, ``output``);
        ``input=`` answers its prompts.

Helpers (import from ``core.testing``)
    ``run_jobs(app, timeout=30)``
        runs every queued job and its retries to the end, on whichever backend the app has.
    ``signed_in(client, user)``
        signs a test client in as ``user`` (a web session); returns the CSRF token.
    ``assert_refuses_other_schools(app, name, victim, intruder, values=, bodies=, secret=)``
        walks every route of plugin ``name`` as ``intruder`` (a ``TestUser`` of another
        school) reaching for ``victim`` by its path prefix, by ``X-Tenant`` and by its record
        ids in ``values`` (``{"item_id": ...}``, by route parameter): fails unless every
        answer is 403/404, none contains ``secret`` and the victim's rows in the plugin's
        tables are unchanged. ``walk_routes(...)`` is the walk itself (any endpoints, JSON
        ``bodies`` and multipart ``forms`` by endpoint), returning a ``Walk`` (``checked``,
        ``problems``); ``school_rows(school, tables)`` what to compare.
    ``assert_plugin_holds(app, name)``
        fails unless every route of plugin ``name`` declares a registered permission, the
        plugin imports nothing of core but ``core.sdk``, and its compiled zh-CN and English
        catalogues translate every text marked in its code and templates.
    ``assert_migrations_hold(name, database, instance_path)``
        fails unless the plugin's migration branch applies on the empty ``database``, agrees
        with its models (alembic's autogenerate comparison on its own tables), downgrades to
        nothing and applies again.
    ``houqin plugin check NAME [--postgresql]`` runs all of these from the command line.
    ``xlsx_of(rows, headers)``
        an .xlsx file's bytes, ``headers`` then ``rows``, for a register import's upload.
    ``at_once(calls)``
        runs every call (no arguments) in its own thread, all let go together; their
        results in order. What two people pressing the same button at once look like.
    ``requests_crossing(engine, table, readers=2)``
        a context manager making those requests cross: no INSERT into ``table`` until
        ``readers`` of them have each read from it (so each found nothing and writes). On
        SQLite, which has one writer at a time, it does nothing: the second request reads
        after the first committed. ``read_before_written(...)`` holds the inserts on any
        database (for threads that are not requests).

Environment
    ``HOUQIN_TEST_DATABASE=postgresql``
        run on PostgreSQL with row-level security (default SQLite), in a temporary database
        created through ``HOUQIN_TEST_PG_ADMIN_URL`` (default
        ``postgresql+psycopg://postgres@127.0.0.1:5432/postgres``), connecting as a plain
        application role.
    ``HOUQIN_TEST_PG_PREFIX``
        the start of each temporary database's name (default ``houqin_test_``; lower-case
        letters, digits, underscores), so runs sharing a server can tell theirs apart.
    ``HOUQIN_TEST_REDIS=1``
        run jobs through rq on Redis (``HOUQIN_TEST_REDIS_URL``, default
        ``redis://127.0.0.1:6379/15``) instead of in-process.
    ``CI``
        when set, a test that needs an unreachable PostgreSQL or Redis fails instead of
        being skipped.
"""

from __future__ import annotations

import os
import uuid
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
from click.testing import Result

from core import testdb
from core.plugins.check import (
    Finding,
    Walk,
    foreign_imports,
    migrations_problems,
    missing_translations,
    plugin_endpoints,
    plugin_folder,
    school_rows,
    undeclared_routes,
    walk_routes,
)
from core.testdb import (
    APP_ROLE,
    PG_ADMIN_URL,
    TestDatabase,
    TestUser,
    migrate,
    pg_prefix,
    postgres_error,
)
from core.testraces import at_once, read_before_written, requests_crossing

__all__ = [
    "APP_ROLE", "PG_ADMIN_URL", "REDIS_URL", "Finding", "PageSession", "TestDatabase", "TestUser",
    "Walk", "assert_migrations_hold", "assert_plugin_holds", "assert_refuses_other_schools",
    "at_once", "foreign_imports", "in_ci", "migrate", "migrations_problems",
    "missing_translations", "pg_prefix", "plugin_endpoints", "plugin_folder", "postgres_error",
    "read_before_written", "requests_crossing", "require_service", "run_jobs", "school_rows",
    "signed_in", "site_navigation", "undeclared_routes", "walk_routes", "xlsx_of",
]

# The names these helpers had before they moved to core.testdb, for tests that import them.
_sqlite_database, _postgres_database, _dispose = (testdb.sqlite_database, testdb.postgres_database,
                                                  testdb.dispose)

REDIS_URL = os.environ.get("HOUQIN_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


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


def redis_error() -> Exception | None:
    try:
        from redis import Redis

        Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
        return None
    except Exception as exc:
        return exc


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
    return testdb.make_school


@pytest.fixture
def make_user() -> Callable:
    """``make_user(school, role="school_admin")`` -> TestUser with an API token for that school;
    ``make_user(None, district=ref.district_id, role="district_inspector")`` for district staff."""
    return testdb.make_user


def xlsx_of(rows, headers) -> bytes:
    """An .xlsx file to upload: ``headers`` then ``rows``, each cell as given (a text starting
    with ``=`` is a formula, as a person's sheet may hold one)."""
    import io

    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(list(headers))
    for row in rows:
        sheet.append(list(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


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


@dataclass
class PageSession:
    """A browser-less visitor of a school's pages, signed in as ``user``: ``get`` and ``post``
    take the page's address inside the school (``/m/notes/``) and add the school's path
    prefix; ``post`` adds the CSRF token a form carries. ``client`` is the Flask test client
    itself, for anything else."""

    client: object
    user: TestUser
    school: object
    csrf: str

    def url(self, path: str) -> str:
        return f"/t/{self.school.slug}{path}"

    def get(self, path: str, **kwargs):
        return self.client.get(self.url(path), **kwargs)

    def post(self, path: str, data: dict | None = None, **kwargs):
        return self.client.post(self.url(path), data={"csrf_token": self.csrf, **(data or {})},
                                **kwargs)


@pytest.fixture
def page_session(app) -> Callable[..., PageSession]:
    """``page_session(school, role="school_admin", language="en")`` -> a ``PageSession``: its
    own test client, signed in as a new member of ``school`` with ``role``, reading pages in
    ``language`` (``"zh_CN"`` for the default Chinese)."""

    def make(school, role: str = "school_admin", language: str = "en") -> PageSession:
        user = testdb.make_user(school, role, token=False)
        client = app.test_client()
        csrf = signed_in(client, user)
        with client.session_transaction() as session:
            session["locale"] = language
        return PageSession(client, user, school, csrf)

    return make


def site_navigation(page: str) -> dict[str, list[str]]:
    """The navigation a page shows, as {group title: [entry titles]} in the page's order."""
    import re
    from html import unescape

    if 'data-testid="site-nav"' not in page:
        return {}
    nav = page.split('data-testid="site-nav"', 1)[1].split("</nav>", 1)[0]
    return {unescape(title): [unescape(e) for e in re.findall(r"<li><a [^>]*>([^<]+)</a></li>",
                                                               body)]
            for title, body in re.findall(r"<h2>([^<]+)</h2>\s*<ul>(.*?)</ul>", nav, re.S)}


@pytest.fixture
def navigation(page_session) -> Callable[..., dict[str, list[str]]]:
    """``navigation(school, role="school_admin", language="en")`` -> the navigation a member
    of ``school`` with ``role`` sees on the school's home page, as {group: [entries]}."""

    def seen(school, role: str = "school_admin", language: str = "en") -> dict[str, list[str]]:
        response = page_session(school, role, language).get("/")
        assert response.status_code == 200, response.status_code
        return site_navigation(response.get_data(as_text=True))

    return seen


def assert_refuses_other_schools(app, name: str, victim, intruder: TestUser, *,
                                 values: dict[str, str] | None = None,
                                 bodies: dict[str, object] | None = None,
                                 secret: str | None = None) -> Walk:
    """Walk every route of plugin ``name`` as ``intruder`` (a user of another school),
    reaching for ``victim`` (a school whose records ``values`` names, by route parameter):
    fails unless every answer is 403/404, none shows ``secret``, and the victim's rows in
    the plugin's tables are the same afterwards. Returns the walk (``.checked`` requests)."""
    from core.extensions import db
    from core.migrate import tables_of

    tables = tables_of(app, name)
    before = school_rows(victim, tables)
    walk = walk_routes(app, app.test_client(), intruder.headers, victim.slug,
                       endpoints=plugin_endpoints(app, name), values=values, bodies=bodies,
                       secret=secret)
    db.session.rollback()
    assert walk.problems == [], "\n".join(walk.problems)
    assert walk.unreached == [], ("refused for want of a body before any record was looked up;"
                                  " give these endpoints a valid one in bodies=:\n"
                                  + "\n".join(walk.unreached))
    assert walk.checked > 0, f"{name} has no route to walk"
    assert school_rows(victim, tables) == before, "the walk changed the victim's rows"
    return walk


def assert_plugin_holds(app, name: str) -> None:
    """Fails unless plugin ``name`` (loaded in ``app``) declares a permission on every route,
    imports nothing of core but ``core.sdk`` and ships complete zh-CN and English catalogues."""
    folder = plugin_folder(app, name)
    findings = [undeclared_routes(app, name), foreign_imports(folder), missing_translations(folder)]
    problems = [f"{f.title}: {p}" for f in findings for p in f.problems]
    # What is worth doing but no failure (a text the Chinese catalogue leaves in English, as
    # a new module's title is until its author translates it) shows in the test's warnings.
    for note in (f"{f.title}: {n}" for f in findings for n in f.notes):
        warnings.warn(note, UserWarning, stacklevel=2)
    assert problems == [], "\n".join(problems)


def assert_migrations_hold(name: str, database: TestDatabase, instance_path) -> None:
    """Fails unless plugin ``name``'s branch applies on ``database`` (a fresh, empty one:
    ``fresh_database``), agrees with its models, downgrades to nothing and applies again."""
    findings = migrations_problems(name, database, instance_path)
    problems = [f"{f.title}: {p}" for f in findings for p in f.problems]
    assert problems == [], "\n".join(problems)


@pytest.fixture
def houqin_cli(app) -> Callable[..., Result]:
    """``houqin_cli(*args, input=None)``: the ``houqin`` command with ``args`` (any value,
    given as text), run in the test's app, and its click ``Result``."""
    from core.cli import cli

    runner = app.test_cli_runner()

    def invoke(*args: object, input: str | None = None) -> Result:
        return runner.invoke(cli, [str(arg) for arg in args], input=input)

    return invoke


@pytest.fixture
def fresh_database(houqin_database, tmp_path) -> Iterator[TestDatabase]:
    """An empty database of the suite's kind (SQLite, or PostgreSQL when the suite runs on
    it), not migrated, dropped after the test: for ``assert_migrations_hold``."""
    if houqin_database.dialect == "postgresql":
        database = testdb.postgres_database()
    else:
        (tmp_path / "fresh").mkdir()
        database = testdb.sqlite_database(tmp_path / "fresh")
    yield database
    database.drop()
