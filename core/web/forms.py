"""What every page with a form needs: errors by field, the status of a refusal, the record the
address names, the values a schema loads, and pages of a list."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from datetime import date
from typing import Any, TypeVar

from flask import request
from marshmallow import ValidationError
from sqlalchemy import Select

from core.api.errors import NotFound
from core.api.pagination import MAX_PAGE
from core.api.schema import MAX_YEAR, MIN_YEAR
from core.extensions import db
from core.rules import RuleBroken, flatten_messages

PAGE = 50
Row = TypeVar("Row")


def form_errors(exc: Exception, prefix: str = "") -> dict[str, str]:
    """The refusal's messages by form field; where several forms share a page, each form's
    inputs carry a prefix (``guardian_name``) so each error lands in its own form."""
    if isinstance(exc, ValidationError):
        return {prefix + field: " ".join(flatten_messages(messages))
                for field, messages in exc.normalized_messages().items()}
    return {prefix + exc.field: str(exc)}


def refusal_status(exc: Exception) -> int:
    """Undo a refused form's writes and say which status the page answers with. A record the
    address names that this school does not have is a 404 page, not an error next to a field."""
    db.session.rollback()
    if isinstance(exc, RuleBroken):
        if exc.status == 404:
            raise NotFound(str(exc)) from exc
        return exc.status
    return 422


def found(lookup: Callable[[uuid.UUID], Row], row_id: uuid.UUID) -> Row:
    """The record the address names, looked up before the form is read, so that another
    school's id is a 404 whatever the form holds."""
    try:
        return lookup(row_id)
    except RuleBroken as exc:
        raise NotFound(str(exc)) from exc


def schema_fields(form: dict[str, str], names: Iterable[str], prefix: str = "",
                  optional: Iterable[str] = (), checkboxes: Iterable[str] = ()) -> dict[str, Any]:
    """The values a schema loads from a form: inputs may carry a prefix, an empty optional
    input means "none", and an unticked checkbox is absent from the form, so it means False."""
    checkboxes = set(checkboxes)
    data: dict[str, Any] = {name: form[prefix + name] for name in names
                            if prefix + name in form and name not in checkboxes}
    for name in optional:
        if data.get(name, "").strip() == "":
            data[name] = None
    for name in checkboxes:
        data[name] = prefix + name in form
    return data


def prefixed(errors: dict[str, str], prefix: str) -> dict[str, str]:
    return {prefix + field: message for field, message in errors.items()}


def page_number() -> int:
    """?page=N from the page's own links; a mangled or absurd one shows the first or the last
    page allowed rather than an error about a field the person never saw."""
    page = request.args.get("page", "1")
    return min(max(int(page), 1), MAX_PAGE) if page.isdigit() else 1


def day_arg(name: str, default: date) -> date:
    """``?name=2026-11-16`` from the page's own links; a mangled day, or one outside the years
    the calendar keeps (where the links to the day before and after would overflow), shows
    ``default`` instead."""
    return _asked_day(request.args.get(name, ""), default)


def month_arg(name: str, default: date) -> date:
    """The first day of the month ``?name=2026-11`` names; else ``default`` (as ``day_arg``)."""
    return _asked_day(request.args.get(name, "") + "-01", default)


def _asked_day(text: str, default: date) -> date:
    try:
        asked = date.fromisoformat(text)
    except ValueError:
        return default
    return asked if MIN_YEAR <= asked.year <= MAX_YEAR else default


def page_of(query: Select) -> tuple[list, int, bool]:
    """One page of the query's rows, its number, and whether another follows (one row more
    than a page tells, without counting them all)."""
    number = page_number()
    limited = query.offset((number - 1) * PAGE).limit(PAGE + 1)
    rows = list(db.session.scalars(limited))
    return rows[:PAGE], number, len(rows) > PAGE
