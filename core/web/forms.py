"""What every page with a form needs: one way to handle what a form sends (``submitted``),
errors by field, the status of a refusal, the record the address names, the values a schema
loads, and pages of a list."""

from __future__ import annotations

import inspect
import uuid
from collections.abc import Callable, Collection, Iterable
from datetime import date
from functools import wraps
from typing import Any, TypeVar

from flask import flash, make_response, request
from flask_babel import gettext as _
from marshmallow import ValidationError
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm.exc import StaleDataError

from core.api.errors import NotFound
from core.api.pagination import PAGE_SIZE, Page, page_number, page_of
from core.api.rules import commit_keeping_values, remember_committed
from core.api.schema import MAX_YEAR, MIN_YEAR
from core.db.races import clashing_fields, is_retryable, is_unique_violation, lost_race_message
from core.extensions import db
from core.rules import RuleBroken, flatten_messages

Row = TypeVar("Row")
# Pages of a list: the API's helper, the same default size (core.api.pagination).
__all__ = ["PAGE_SIZE", "Page", "day_arg", "form_errors", "found", "month_arg", "page_number",
           "page_of", "prefixed", "refusal_status", "schema_fields", "submitted"]


def submitted(refused: Callable[..., Any], *, prefix: str = "", field: str | None = None,
              saved: str | None = None, picked: Collection[str] | bool = ()) -> Callable:
    """A page's form handler, as ``transactional`` is the API's (since core 0.1.0, issue 14). The view
    reads the form, does its work and returns its answer, usually a redirect; this commits it.

    - A refusal (``ValidationError``, ``RuleBroken``) undoes everything the view wrote and
      answers ``refused(errors, form, status, **view_args)``: the page again, with each
      error by its field (``prefix`` before each field's name where several forms share a
      page; ``field`` to show every message by that one field instead) and the values
      posted, with 422 (or the rule's own status: 409 for a clash). A rule naming a record
      this school does not have is a 404 page, unless the form picked it from a list (a
      student, a class: fields named in ``picked``, or all with ``picked=True``), which makes
      it the form's error, 422 by that field: the record went while the page was open.
    - A race lost to another request (a unique index, a moved version, a transaction the
      database abandoned), at any point up to the commit, undoes everything too and answers
      ``refused`` with 409: the message by the fields that clashed, or at the top of the page.
    - Once committed, the write is the person's: the answer was built before the commit, and
      if anything breaks off sending it, it is sent as built rather than as a 500 that would
      make them send the form again (``core.api.rules.committed_answer``). ``saved`` is a
      notice shown on the page the answer leads to.

    Example::

        @bp.route("/suppliers", methods=["POST"])
        @requires("canteen.suppliers.manage")
        @forms.submitted(_render_list)   # _render_list(errors, form, status)
        def add_supplier():
            supplier = services.create_supplier(SupplierSchema().load(
                forms.schema_fields(request.form, SUPPLIER_FIELDS)))
            return redirect(url_for("canteen_pages.supplier", supplier_id=supplier.id))
    """
    def decorate(view: Callable) -> Callable:
        _takes_view_args(refused, view)

        @wraps(view)
        def handler(*args, **kwargs):
            try:
                answer = make_response(view(*args, **kwargs))
                commit_keeping_values()
            except (ValidationError, RuleBroken) as exc:
                if isinstance(exc, RuleBroken) and exc.status == 404 and (
                        picked is True or exc.field in picked):
                    db.session.rollback()
                    status = 422
                else:
                    status = refusal_status(exc)
                return refused(_shown(form_errors(exc, prefix), field), request.form.to_dict(),
                               status, **kwargs)
            except (DBAPIError, StaleDataError) as exc:
                db.session.rollback()
                if not (is_unique_violation(exc) or is_retryable(exc)
                        or isinstance(exc, StaleDataError)):
                    raise  # a mistake in the code, or a busy database: answered elsewhere
                return refused(_race_errors(exc, prefix, field), request.form.to_dict(), 409,
                               **kwargs)
            except Exception:
                db.session.rollback()
                raise
            remember_committed(answer)
            if saved:
                flash(saved)
            return answer

        return handler

    return decorate


def _takes_view_args(refused: Callable, view: Callable) -> None:
    """Refuse at start, not with a 500 on the first refused form: the page helper must take
    the address's parameters the view takes (``item_id``), which a refusal passes on."""
    try:
        wanted = [name for name, parameter in inspect.signature(view).parameters.items()
                  if parameter.kind in (parameter.POSITIONAL_OR_KEYWORD, parameter.KEYWORD_ONLY)]
        helper = inspect.signature(refused)
    except (TypeError, ValueError):  # a builtin or C function: nothing to read
        return
    try:
        helper.bind({}, {}, 422, **dict.fromkeys(wanted))
    except TypeError as exc:
        name = getattr(refused, "__qualname__", repr(refused))
        raise TypeError(
            f"forms.submitted({name}) on {view.__qualname__}: {name} must take the view's"
            f" parameters {wanted} as keywords (give it **view_args): {exc}") from None


def _shown(errors: dict[str, str], field: str | None) -> dict[str, str]:
    return {field: " ".join(errors.values())} if field else errors


def _race_errors(exc: Exception, prefix: str, field: str | None) -> dict[str, str]:
    """The lost race's message by each posted field that clashed; with none, at the top."""
    if is_retryable(exc):
        message = _("another change crossed this one at the same moment; send it again")
    else:
        message = lost_race_message()
    if field:
        return {field: message}
    clashed = clashing_fields(exc) if is_unique_violation(exc) else []
    errors = {prefix + name: message for name in clashed if prefix + name in request.form}
    if not errors:
        flash(message)
    return errors


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

