"""The embedded SQLite keeps transactions whole and lets writes take turns: a savepoint sits in
a transaction, a request that may write holds the one write lock from its first statement,
anything else takes it at its first write and waits for it, and a write kept waiting too long
answers 503 with Retry-After."""

import sqlite3
import threading
import time

import pytest
from flask import Blueprint
from sqlalchemy import select
from sqlalchemy.engine import make_url

from core.db.sqlite import begin_writing
from core.extensions import db
from core.permissions import public
from core.schools.models import District


@pytest.fixture(autouse=True)
def _sqlite_only(app):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite's own transactions")


def other_connection(app, busy_ms: int = 0) -> sqlite3.Connection:
    """Another process's connection to the same file."""
    path = make_url(app.config["SQLALCHEMY_DATABASE_URI"]).database
    other = sqlite3.connect(path, isolation_level=None, timeout=busy_ms / 1000,
                            check_same_thread=False)
    return other


def locked_for_others(app) -> bool:
    other = other_connection(app)
    try:
        other.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError as exc:
        assert "locked" in str(exc)
        return True
    finally:
        other.close()
    return False


def districts() -> list[str]:
    db.session.rollback()
    return sorted(db.session.scalars(select(District.slug)))


def test_a_savepoint_opened_outside_a_transaction_opens_one(app):
    db.session.rollback()
    with db.session.begin_nested():
        db.session.add(District(slug="saved", name="saved"))
    # The savepoint was released, not committed: the transaction around it still decides.
    db.session.rollback()
    assert districts() == []


def test_a_rolled_back_savepoint_keeps_the_rest_of_the_transaction(app):
    db.session.add(District(slug="kept", name="kept"))
    db.session.flush()
    with pytest.raises(RuntimeError), db.session.begin_nested():
        db.session.add(District(slug="undone", name="undone"))
        db.session.flush()
        raise RuntimeError
    db.session.commit()
    assert districts() == ["kept"]


def test_reads_hold_no_lock_and_a_first_write_takes_it(app):
    db.session.rollback()
    assert districts() == []
    assert not locked_for_others(app)
    db.session.add(District(slug="written", name="written"))
    db.session.flush()
    assert locked_for_others(app)
    db.session.commit()
    assert not locked_for_others(app)


def test_begin_writing_and_a_locking_read_take_the_lock_up_front(app):
    db.session.rollback()
    begin_writing()
    assert locked_for_others(app)
    db.session.rollback()
    db.session.scalars(select(District).with_for_update()).all()
    assert locked_for_others(app)
    db.session.rollback()


def test_a_write_after_reading_waits_for_the_writer_before_it(app):
    """A transaction that read before another committed a write still gets its turn: SQLite
    would refuse a read transaction's upgrade at once, so none is kept open."""
    db.session.rollback()
    assert districts() == []
    other = other_connection(app)
    other.execute("BEGIN IMMEDIATE")
    try:
        other.execute("INSERT INTO districts (slug, name, timezone, created_at) "
                      "VALUES ('first', 'first', 'Asia/Shanghai', '2026-01-01 00:00:00')")
    except BaseException:
        other.rollback()
        other.close()
        raise
    releasing = threading.Timer(0.5, other.execute, ("COMMIT",))
    releasing.start()
    started = time.monotonic()
    try:
        db.session.add(District(slug="second", name="second"))
        db.session.commit()
    finally:
        releasing.join()
        other.close()
    assert time.monotonic() - started >= 0.4
    assert districts() == ["first", "second"]


def test_a_request_that_may_write_holds_the_lock_from_its_first_statement(app):
    seen = {}
    routes = Blueprint("locking", __name__)

    @routes.route("/locking", methods=["GET", "POST"])
    @public
    def look():
        db.session.scalars(select(District)).all()
        seen["locked"] = locked_for_others(app)
        db.session.rollback()
        return {}

    app.register_blueprint(routes)
    client = app.test_client()
    client.get("/locking")
    assert seen == {"locked": False}
    client.post("/locking")
    assert seen == {"locked": True}


def test_a_write_kept_waiting_past_the_busy_seconds_answers_503(app_factory):
    app = app_factory(SQLITE_BUSY_SECONDS=0.2)
    routes = Blueprint("waiting", __name__)

    @routes.post("/waiting")
    @public
    def write():
        db.session.add(District(slug="waited", name="waited"))
        db.session.commit()
        return {}, 201

    app.register_blueprint(routes)
    with app.app_context():
        other = other_connection(app)
        other.execute("BEGIN IMMEDIATE")  # another request is writing
        try:
            started = time.monotonic()
            answer = app.test_client().post("/waiting", headers={"Accept": "application/json"})
            waited = time.monotonic() - started
        finally:
            other.rollback()
            other.close()
        assert answer.status_code == 503
        assert int(answer.headers["Retry-After"]) > 0
        assert 0.2 <= waited < 5
        assert districts() == []


def test_a_request_reads_freely_after_its_commit_and_holds_nothing_once_over(app):
    seen = {}
    routes = Blueprint("committing", __name__)

    @routes.post("/committing")
    @public
    def write():
        db.session.add(District(slug="written", name="written"))
        db.session.commit()
        db.session.scalars(select(District)).all()  # the answer's read
        seen["after_commit"] = locked_for_others(app)
        db.session.add(District(slug="left", name="left"))  # never committed
        db.session.flush()
        return {}, 201

    app.register_blueprint(routes)
    assert app.test_client().post("/committing").status_code == 201
    assert seen == {"after_commit": False}
    # The session outlives the request here (the test shares its app context), as a
    # command's does: what the request left uncommitted is gone, and so is its lock.
    assert not locked_for_others(app)
    assert districts() == ["written"]
