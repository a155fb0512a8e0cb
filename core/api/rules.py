"""Run a view's domain work as one transaction: commit on success; on a broken rule, roll back
and answer with a 4xx that names the field."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from core.api.errors import Conflict, Invalid, NotFound
from core.extensions import db
from core.rules import RuleBroken


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
        db.session.commit()
        return result

    return wrapper
