"""A race that reaches the request unhandled still answers as what it is: a conflict (409) or
a database busy for a moment (503), each with ``Retry-After``, never an internal error.

Modules handle their own races with ``core.db.races.first_writer`` and say exactly what
clashed; this is the net under the ones that do not. The transaction is rolled back first, so
nothing of the losing request is kept. Integrity errors that are not races (a missing value,
a broken reference) stay internal errors: they are mistakes in the code, not in the request.
A write already committed when its answer broke off answers with what it made instead
(``core.api.rules.committed_answer``).
"""

from __future__ import annotations

import logging

from flask import Flask, request
from flask_babel import gettext as _
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm.exc import StaleDataError

from core.api.errors import problem_response
from core.api.rules import committed_answer
from core.db.races import (
    clashing_fields,
    is_lock_timeout,
    is_retryable,
    is_unique_violation,
    lost_race_message,
)
from core.extensions import db

log = logging.getLogger("houqin.races")
# Seconds: a crossed transaction goes through at once when repeated; a busy database soon.
RETRY_AFTER_CONFLICT = 1
RETRY_AFTER_BUSY = 5


def _answer(status: int, slug: str, detail: str, retry_after: int | None = None,
            errors: dict | None = None, title: str | None = None):
    response = problem_response(status, slug, title=title, detail=detail, errors=errors)
    if retry_after is not None:
        response.headers["Retry-After"] = str(retry_after)
    return response


def install(app: Flask) -> None:
    @app.errorhandler(DBAPIError)
    def _database_error(exc: DBAPIError):
        db.session.rollback()
        if (answer := committed_answer(exc)) is not None:
            return answer
        if is_unique_violation(exc):
            log.warning("unhandled unique-index race on %s %s", request.method, request.path)
            message = lost_race_message()
            return _answer(409, "conflict", message,
                           errors={field: [message] for field in clashing_fields(exc)} or None)
        if is_retryable(exc):
            return _answer(409, "conflict", _("another change crossed this one at the same "
                                              "moment; send it again"), RETRY_AFTER_CONFLICT)
        if is_lock_timeout(exc):
            return _answer(503, "busy", _("the database is busy with another change; try "
                                          "again in a few seconds"), RETRY_AFTER_BUSY,
                           title=_("Busy for a moment"))
        raise exc

    @app.errorhandler(Exception)
    def _after_commit(exc: Exception):
        # Whatever else broke off an answer to a write that was already committed.
        if (answer := committed_answer(exc)) is not None:
            return answer
        raise exc

    @app.errorhandler(StaleDataError)
    def _stale(exc: StaleDataError):
        db.session.rollback()
        return _answer(409, "conflict", lost_race_message())
