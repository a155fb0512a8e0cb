"""SQLite as the embedded default: foreign keys on, readers beside one writer (WAL), and writes
that take turns instead of failing.

SQLite has one writer at a time and no row locks (``SELECT … FOR UPDATE`` is dropped), and the
driver left to itself commits around savepoints. So the transaction is ours (the driver
begins and commits nothing by itself), and a transaction that writes holds the write lock
from its first write (``BEGIN IMMEDIATE``) to its end, waiting for the writer before it for up
to ``HOUQIN_SQLITE_BUSY_SECONDS``; past that the request answers 503 (busy), not 500.

- A request that may change something (any method but GET, HEAD and OPTIONS) holds the lock
  from its first statement to its commit: two payments on one bill run one after the other,
  as the bill's row lock makes them on PostgreSQL, and what they read cannot change under
  them. What it reads after its commit, for its answer, is a plain read; a lock it still
  holds when it ends is let go.
- Anything else (a page, a job, a command) reads as PostgreSQL's READ COMMITTED does, each
  statement seeing what is committed when it runs, and takes the lock at its first write,
  savepoint or locking read (``FOR UPDATE``). ``begin_writing()`` takes it up front, before
  reading what a write depends on. No read transaction is held open for a write to upgrade:
  SQLite refuses such an upgrade at once, without waiting, when another writer got there
  first.
"""

from __future__ import annotations

from contextvars import ContextVar

from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session

BUSY_SECONDS = 15
# Methods that change nothing: their requests read until they write.
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# In the connection's info: None (no transaction), "read" (begun, not yet writing), "write".
_STATE = "houqin.sqlite"
_WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE", "SAVEPOINT", "CREATE", "DROP", "ALTER")
# In a request's environ: its transaction ended (committed or rolled back), it holds the lock.
_REQUEST_ENDED, _REQUEST_LOCKED = "houqin.sqlite.ended", "houqin.sqlite.locked"
# The transaction about to begin in this thread (or task) is one that writes.
_write_next: ContextVar[bool] = ContextVar("houqin_sqlite_write_next", default=False)


def _request_environ() -> dict | None:
    from flask import has_request_context, request

    return request.environ if has_request_context() else None


def _writing_request() -> bool:
    """A request that may change something, before its first commit: once its write is
    committed, whatever it reads for the answer waits for no one and holds no one up."""
    from flask import request

    environ = _request_environ()
    return (environ is not None and request.method not in SAFE_METHODS
            and not environ.get(_REQUEST_ENDED))


def _note_lock(connection: Connection) -> None:
    connection.info[_STATE] = "write"
    if (environ := _request_environ()) is not None:
        environ[_REQUEST_LOCKED] = True


def _connector(busy_seconds: float):
    def on_connect(dbapi_connection, connection_record) -> None:
        # The driver must not begin or commit on its own: ``_on_begin`` begins every one.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_seconds * 1000)}")
        cursor.close()

    return on_connect


def _on_begin(connection: Connection) -> None:
    write = _write_next.get() or _writing_request()
    connection.info[_STATE] = "read"
    if write:
        connection.exec_driver_sql("BEGIN IMMEDIATE")
        _note_lock(connection)
    # Otherwise each read stands alone and sees what is committed when it runs, as on
    # PostgreSQL (READ COMMITTED); the lock is taken at the first write.


def _on_end(connection: Connection) -> None:
    connection.info[_STATE] = None
    if (environ := _request_environ()) is not None:
        environ[_REQUEST_ENDED] = True
        environ.pop(_REQUEST_LOCKED, None)


def _take_write_lock(connection: Connection) -> None:
    """Begin the transaction open (to SQLAlchemy) on ``connection`` in SQLite, with the write
    lock, waiting for the writer before it up to the busy timeout."""
    if connection.info.get(_STATE) != "read":
        return
    raw = connection.connection.dbapi_connection
    if raw.in_transaction:  # begun by hand beneath SQLAlchemy: left as it is
        return
    raw.execute("BEGIN IMMEDIATE")
    _note_lock(connection)


def _before_execute(connection, clauseelement, multiparams, params, execution_options):
    # A locking read promises the caller that what it read stays so until commit.
    if getattr(clauseelement, "_for_update_arg", None) is not None:
        _take_write_lock(connection)


def _before_cursor_execute(connection, cursor, statement, parameters, context, executemany):
    if connection.info.get(_STATE) == "read" and statement.lstrip()[:9].upper().startswith(
            _WRITES):
        _take_write_lock(connection)


def begin_writing(session: Session | None = None) -> None:
    """Take the database's write lock now, for a transaction that will write, before it reads
    what its write depends on (a first writer's check, an audit line, a sign-in). Waits for
    another writer up to the busy timeout. Does nothing on PostgreSQL, where rows are locked
    one by one as they are written."""
    if session is None:
        from core.extensions import db

        session = db.session
    if session.get_bind().dialect.name != "sqlite":
        return
    token = _write_next.set(True)  # read by ``_on_begin`` if this begins the transaction
    try:
        connection = session.connection()
    finally:
        _write_next.reset(token)
    _take_write_lock(connection)


def configure(engine: Engine, busy_seconds: float = BUSY_SECONDS) -> None:
    if engine.dialect.name != "sqlite" or event.contains(engine, "begin", _on_begin):
        return
    event.listen(engine, "connect", _connector(busy_seconds))
    event.listen(engine, "begin", _on_begin)
    for ended in ("commit", "rollback"):
        event.listen(engine, ended, _on_end)
    event.listen(engine, "before_execute", _before_execute)
    event.listen(engine, "before_cursor_execute", _before_cursor_execute)


def install(app) -> None:
    """End a transaction a request left holding the write lock, when the request ends (the
    session may outlive it: a command or a test that shares its app context)."""
    from core.extensions import db

    @app.teardown_request
    def _release(exc) -> None:
        if (environ := _request_environ()) is not None and environ.pop(_REQUEST_LOCKED, None):
            db.session.rollback()
