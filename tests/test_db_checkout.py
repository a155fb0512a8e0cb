"""PostgreSQL connections: round trips per request, the idle ping, recovery from connections
the server closed, and the school scope never outliving its transaction (core.db.checkout)."""

import os
import time

import pytest
from houqin_testnotes.models import Note
from psycopg import pq
from sqlalchemy import create_engine, event, make_url, pool, text

from core.extensions import db
from core.tenancy import tenant_context

pytestmark = [pytest.mark.postgres, pytest.mark.houqin_plugins("notes")]


class Trace:
    """The messages the app's connections send, from libpq's own protocol trace."""

    def __init__(self, app, path):
        self.path = path
        self.fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
        with app.app_context():
            event.listen(db.engine, "checkout", self._on_checkout)

    def _on_checkout(self, dbapi_connection, record, proxy):
        dbapi_connection.pgconn.trace(self.fd)
        dbapi_connection.pgconn.set_trace_flags(pq.Trace.SUPPRESS_TIMESTAMPS)

    def sent(self) -> list[str]:
        """Each message the client sent since the last call ("Query …", "Sync", …)."""
        with open(self.path, encoding="utf-8", errors="replace") as trace:
            lines = [line.split("\t", 2)[-1] for line in trace if line.startswith("F\t")]
        os.ftruncate(self.fd, 0)
        os.lseek(self.fd, 0, os.SEEK_SET)
        return lines

    def round_trips(self) -> int:
        # A simple query is one round trip; an extended one ends with its Sync.
        return sum(1 for m in self.sent() if m.startswith(("Query", "Sync")))

    def close(self):
        os.close(self.fd)


@pytest.fixture
def school_app(app_factory, houqin_postgres, make_school, make_user):
    def make(**config):
        app = app_factory(plugins=["notes"], database=houqin_postgres, **config)
        with app.app_context():
            schools = [make_school(slug, modules=("notes",)) for slug in ("ck-a", "ck-b")]
            for school in schools:
                with tenant_context(school):
                    db.session.add(Note(title=f"only {school.slug}"))
                    db.session.commit()
            users = [make_user(school) for school in schools]
            db.session.remove()
        return app, users
    return make


def _titles(response) -> set[str]:
    assert response.status_code == 200, response.get_data(as_text=True)
    return {note["title"] for note in response.get_json()}


def test_a_list_request_takes_as_many_round_trips_as_a_bare_one(school_app, tmp_path):
    app, (user, _) = school_app()
    client = app.test_client()
    trace = Trace(app, tmp_path / "trace")
    client.get("/api/v1/notes", headers=user.headers)  # fills the per-worker caches
    trace.sent()
    assert _titles(client.get("/api/v1/notes", headers=user.headers)) == {"welcome", "only ck-a"}
    sent = trace.sent()
    trace.close()
    # BEGIN with the scope, the page query, the end of the transaction: what a bare
    # Flask-SQLAlchemy view sends too (the driver's BEGIN, its query, its ROLLBACK).
    starts = [m for m in sent if m.startswith(("Query", "Sync"))]
    assert len(starts) == 3, sent
    assert starts[0].startswith('Query\t "BEGIN; SELECT set_config(\'houqin.tenant_id\'')
    assert not any("SELECT 1" in m for m in sent)


def test_a_connection_idle_past_the_limit_is_pinged_first(school_app, tmp_path):
    app, (user, _) = school_app(DB_PING_IDLE_SECONDS=0.2)
    client = app.test_client()
    trace = Trace(app, tmp_path / "trace")
    client.get("/api/v1/notes", headers=user.headers)
    trace.sent()
    client.get("/api/v1/notes", headers=user.headers)
    assert not any('"SELECT 1"' in m for m in trace.sent())
    time.sleep(0.3)
    _titles(client.get("/api/v1/notes", headers=user.headers))
    sent = trace.sent()
    trace.close()
    assert any('"SELECT 1"' in m for m in sent), sent


def _terminate_app_backends(houqin_postgres) -> int:
    role = make_url(houqin_postgres.app_url).username
    owner = create_engine(houqin_postgres.owner_url, poolclass=pool.NullPool)
    try:
        with owner.connect() as connection:
            killed = connection.execute(text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                " WHERE usename = :role AND datname = current_database()"), {"role": role}
            ).scalar()
            for _ in range(100):  # the signal is asynchronous: wait until they are gone
                left = connection.execute(text(
                    "SELECT count(*) FROM pg_stat_activity"
                    " WHERE usename = :role AND datname = current_database()"), {"role": role}
                ).scalar()
                if not left:
                    break
                time.sleep(0.05)
        return killed
    finally:
        owner.dispose()


def test_the_next_request_succeeds_after_the_server_dropped_every_connection(
        school_app, houqin_postgres):
    app, (user, other) = school_app()
    client = app.test_client()
    for _ in range(3):
        _titles(client.get("/api/v1/notes", headers=user.headers))
    assert _terminate_app_backends(houqin_postgres) >= 1
    # Within the idle limit, so no ping: the dropped connection is found on checkout.
    assert _titles(client.get("/api/v1/notes", headers=user.headers)) == {"welcome", "only ck-a"}
    assert _titles(client.get("/api/v1/notes", headers=other.headers)) == {"welcome", "only ck-b"}
    assert _terminate_app_backends(houqin_postgres) >= 1
    response = client.post("/api/v1/notes", headers=user.headers, json={"title": "after"})
    assert response.status_code == 201, response.get_data(as_text=True)


def test_the_scope_never_outlives_its_request(school_app):
    app, (user, other) = school_app()
    client = app.test_client()
    for _ in range(2):
        assert _titles(client.get("/api/v1/notes", headers=user.headers)) == {"welcome",
                                                                               "only ck-a"}
        assert _titles(client.get("/api/v1/notes", headers=other.headers)) == {"welcome",
                                                                                "only ck-b"}
    # A refused write rolls back; the next request on the same connection is still its own.
    assert client.post("/api/v1/notes", headers=user.headers, json={}).status_code == 422
    assert _titles(client.get("/api/v1/notes", headers=other.headers)) == {"welcome", "only ck-b"}
    with app.app_context():
        # The same pooled connection, outside any school: the settings are gone with the
        # transaction, so row-level security shows nothing.
        with db.engine.connect() as connection:
            assert connection.execute(
                text("SELECT coalesce(current_setting('houqin.tenant_id', true), '')")
            ).scalar() == ""
            assert connection.execute(text("SELECT count(*) FROM notes")).scalar() == 0
        with db.engine.connect() as connection:
            connection.execution_options(isolation_level="AUTOCOMMIT")
            assert connection.execute(text("SELECT count(*) FROM notes")).scalar() == 0


def test_a_transaction_begun_outside_the_session_carries_the_scope(school_app):
    app, _ = school_app()
    with app.app_context():
        from core.schools.registry import tenant_by_slug
        school = tenant_by_slug("ck-a")
        with tenant_context(school), db.engine.begin() as connection:
            titles = set(connection.execute(text("SELECT title FROM notes")).scalars())
        assert titles == {"welcome", "only ck-a"}
        with db.engine.begin() as connection:
            assert connection.execute(text("SELECT count(*) FROM notes")).scalar() == 0
