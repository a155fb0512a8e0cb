"""Two requests writing the same record at the same moment: the first writer wins, the other
hears who won (or a clear 409), never an error.

A unique index is the only thing that really stops a second till from selling with the same
Idempotency-Key or a second nurse from recording the same worker's morning check: both
requests look first, find nothing, and write. ``first_writer`` runs the write in a savepoint;
when it loses on a unique index (or on a version another request moved), the savepoint is
rolled back, the rest of the transaction stays usable, and the caller's ``winner`` says what
the loser gets instead. Other integrity errors (a missing value, a broken reference) are
mistakes, not races, and are raised as they are.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from flask_babel import gettext as _
from sqlalchemy import Index, UniqueConstraint
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from core.db.sqlite import begin_writing
from core.extensions import db
from core.rules import RuleBroken

T = TypeVar("T")

UNIQUE_VIOLATION = "23505"
# PostgreSQL gave up on one of two transactions that crossed: running it again succeeds.
RETRY_STATES = frozenset({"40001", "40P01"})  # serialization failure, deadlock
# A lock that was not granted in time (lock_timeout).
LOCK_STATES = frozenset({"55P03"})
_PG_KEY = re.compile(r"Key \((.+?)\)=")
_SQLITE_UNIQUE = frozenset({"SQLITE_CONSTRAINT_UNIQUE", "SQLITE_CONSTRAINT_PRIMARYKEY"})


def _sqlstate(exc: DBAPIError) -> str | None:
    orig = exc.orig
    return getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)


def is_unique_violation(exc: BaseException) -> bool:
    """Whether ``exc`` is a write that met a unique index (PostgreSQL SQLSTATE 23505, SQLite
    "UNIQUE constraint failed"), as opposed to a NOT NULL, foreign key or check failure."""
    if not isinstance(exc, IntegrityError):
        return False
    if _sqlstate(exc) == UNIQUE_VIOLATION:
        return True
    name = getattr(exc.orig, "sqlite_errorname", None)
    if name is not None:
        return name in _SQLITE_UNIQUE
    return str(exc.orig).startswith("UNIQUE constraint failed")


def is_retryable(exc: BaseException) -> bool:
    """A transaction the database abandoned because another crossed it (PostgreSQL
    serialization failure or deadlock): the same request again will go through."""
    return isinstance(exc, DBAPIError) and _sqlstate(exc) in RETRY_STATES


def is_lock_timeout(exc: BaseException) -> bool:
    """A write that waited for another writer's lock longer than allowed: SQLite's "database
    is locked" after its busy timeout, PostgreSQL's lock_timeout."""
    if not isinstance(exc, DBAPIError):
        return False
    if _sqlstate(exc) in LOCK_STATES:
        return True
    name = getattr(exc.orig, "sqlite_errorname", None) or ""
    return name.startswith("SQLITE_BUSY") or str(exc.orig).startswith("database is locked")


def clashing_fields(exc: IntegrityError) -> list[str]:
    """The columns of the unique index a write met, other than the school's own id: what the
    two writers had in common. Empty when the database does not say."""
    orig = exc.orig
    message = str(orig)
    if message.startswith("UNIQUE constraint failed: "):  # SQLite: table.column, ...
        columns = [part.strip().rsplit(".", 1)[-1]
                   for part in message.removeprefix("UNIQUE constraint failed: ").split(",")]
    else:  # PostgreSQL: "Key (day, worker_id)=(…) already exists.", and the index's name
        diag = getattr(orig, "diag", None)
        key = _PG_KEY.match(getattr(diag, "message_detail", None) or "")
        columns = ([part.strip().strip('"') for part in key.group(1).split(",")] if key
                   else _index_columns(getattr(diag, "constraint_name", None)))
    return [column for column in columns if column != "tenant_id"]


def _index_columns(name: str | None) -> list[str]:
    if not name:
        return []
    for table in db.metadata.tables.values():
        for item in (*table.indexes, *table.constraints):
            if isinstance(item, Index | UniqueConstraint) and item.name == name:
                return [column.name for column in item.columns]
        if table.primary_key.name == name:
            return [column.name for column in table.primary_key.columns]
    return []


def first_writer(write: Callable[[], T] | T, *, field: str | None = None,
                 message: str | None = None,
                 winner: Callable[[], T | None] | None = None,
                 changes: Mapping[str, Any] | None = None) -> T:
    """Run ``write`` (which adds or changes rows) in a savepoint and return what it returns;
    ``write`` may also be one row, which is added if new, with ``changes`` (attribute names
    to values) set on it inside the savepoint. Make the changes inside ``write`` or through
    ``changes``: whatever was pending before is written ahead of the savepoint, outside its
    protection.

    If another request wrote the same unique key first (or moved the version of a row this
    one changes), the savepoint is rolled back and ``winner`` is asked, with the other
    request's rows now in view: it returns the record that won, which is returned instead (a
    replay of an Idempotency-Key), or raises the caller's own refusal, or returns None. With
    no winner to return, a ``RuleBroken`` with status 409 names ``field`` (by default the
    last column of the index that clashed, the one unique within the others) and says
    ``message`` (by default that someone saved the same record at the same moment)."""
    if not callable(write):
        write = _adding(write, changes or {})
    elif changes:
        raise TypeError("changes are set on a row, not by a function")
    begin_writing()  # on SQLite the savepoint sits in a transaction that holds the lock
    saved = False  # False: what was pending before failed, and the transaction with it
    try:
        with db.session.begin_nested():
            saved = True
            result = write()
    except (IntegrityError, StaleDataError) as exc:
        if isinstance(exc, IntegrityError) and not is_unique_violation(exc):
            raise
        if saved and winner is not None and (found := winner()) is not None:
            return found
        if field is None:
            clashed = clashing_fields(exc) if isinstance(exc, IntegrityError) else ["version"]
            field = clashed[-1] if clashed else "id"
        raise RuleBroken(message or lost_race_message(), field, status=409) from None
    return result


def _adding(row: T, changes: Mapping[str, Any]) -> Callable[[], T]:
    def add() -> T:
        for key, value in changes.items():
            setattr(row, key, value)
        db.session.add(row)
        db.session.flush()
        return row

    return add


def lost_race_message() -> str:
    return _("someone else saved the same record at the same moment; reload it and check")
