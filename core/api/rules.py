"""Run a view's domain work as one transaction: commit on success; on a broken rule, roll back
and answer with a 4xx that names the field.

Once the commit has gone through, the write is the client's: the answer is built from what was
written (the commit expires nothing, so nothing is read again), and if building it still fails
(the database gone between the commit and the answer), the client hears that the record was
made, with its id, rather than a 500 that would make it send the payment again."""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import wraps

from flask import Response, has_request_context, jsonify, request
from sqlalchemy import inspect
from sqlalchemy.exc import NoInspectionAvailable

from core.api.errors import Conflict, Invalid, NotFound
from core.extensions import db
from core.rules import RuleBroken

log = logging.getLogger("houqin.requests")
_COMMITTED = "houqin.committed"  # in the request's environ: what the view's commit made


def transactional(view: Callable) -> Callable:
    @wraps(view)
    def wrapper(*args, **kwargs):
        try:
            result = view(*args, **kwargs)
        except RuleBroken as exc:
            db.session.rollback()
            errors = {exc.field: [str(exc)]}
            if exc.status == 404:
                raise NotFound(str(exc)) from exc
            if exc.status == 409:
                raise Conflict(str(exc), errors=errors) from exc
            raise Invalid(errors=errors, status=exc.status) from exc
        except Exception:
            db.session.rollback()
            raise
        commit_keeping_values()
        remember_committed(result)
        return result

    return wrapper


def remember_committed(result) -> None:
    """Keep what a committed write answers with, for ``committed_answer``: kept with the
    request, not with the app context it may share."""
    if has_request_context():
        request.environ[_COMMITTED] = result


def commit_keeping_values() -> None:
    """Commit without expiring what was written, so the answer is built without reading it
    again (the database may be gone by then)."""
    session = db.session()
    expiring, session.expire_on_commit = session.expire_on_commit, False
    try:
        session.commit()
    finally:
        session.expire_on_commit = expiring


def committed_answer(exc: BaseException):
    """The answer for a request whose write was committed before ``exc`` broke off building
    its response: 201 (or the status the view chose) with the record's id; for a page
    (``core.web.forms.submitted``), the answer it built before committing, usually the
    redirect to what was saved. None when nothing was committed, so the error is answered as
    it is."""
    if not has_request_context() or _COMMITTED not in request.environ:
        return None
    result = request.environ.pop(_COMMITTED)
    if isinstance(result, Response):  # a page's answer, built before its commit
        log.error("the answer to a committed %s %s failed (%r); answering as built",
                  request.method, request.path, exc)
        return result
    status = 201 if request.method == "POST" else 200
    if isinstance(result, tuple):
        result, *rest = result
        if rest and isinstance(rest[0], int) and 200 <= rest[0] < 300:
            status = rest[0]
    log.error("the answer to a committed %s %s failed (%r); answering with its id",
              request.method, request.path, exc)
    body = {}
    if (found := _written_id(result)) is not None:
        body["id"] = found
    return jsonify(body), status


def _written_id(result) -> str | None:
    if isinstance(result, dict):
        found = result.get("id")
    else:
        try:
            state = inspect(result)
        except NoInspectionAvailable:
            return None
        if not hasattr(state, "identity") or state.identity is None:
            return None
        # Its key, kept by the session even when its values were expired: no query, as
        # the database may be what failed.
        keys = dict(zip((column.key for column in state.mapper.primary_key), state.identity,
                        strict=True))
        found = keys.get("id", next(iter(keys.values())) if len(keys) == 1 else None)
    return None if found is None else str(found)
