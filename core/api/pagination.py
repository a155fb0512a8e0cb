"""Bounded pages for every list, in the API and on a page: one helper, ``page_of``, and one
default size, ``PAGE_SIZE``.

In the API a list reads ``?page=&page_size=`` (flask-smorest), at most ``MAX_PAGE_SIZE`` rows
a page, and says its total in ``X-Pagination``. On a page a list reads ``?page=`` from the
page's own links and shows ``PAGE_SIZE`` rows with a link to the next page when there is one.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

from flask import request
from sqlalchemy import Select, func, inspect, select

from core.api.errors import Invalid
from core.extensions import db

# Rows a list shows at a time, unless the API's caller asks for another size: enough for a
# class of students or a week of records on one screen, few enough for a phone.
PAGE_SIZE = 50
MAX_PAGE_SIZE = 100
MAX_PAGE = 1_000_000  # far past any real list; keeps the offset within a 64-bit integer


class Page(NamedTuple):
    """One page of a list on a page: its rows, its number, and whether another follows."""

    rows: list
    number: int
    more: bool


def page_number() -> int:
    """?page=N from the page's own links; a mangled or absurd one shows the first or the last
    page allowed rather than an error about a field the person never saw."""
    page = request.args.get("page", "1")
    return min(max(int(page), 1), MAX_PAGE) if page.isdigit() else 1


def page_of(statement: Select | Sequence, pagination_parameters=None, *,
            dumped_by: Any = None):
    """One page of ``statement``'s rows.

    With the API's ``pagination_parameters`` (in a view under ``@blp.paginate(page_size=
    PAGE_SIZE, max_page_size=MAX_PAGE_SIZE)``): the page's rows as a list, and flask-smorest
    told the total (X-Pagination header). The total rides along with the page (``count(*)
    OVER ()``), so a page costs one query; only a page past the end needs a separate count.

    Without (a page of the web app): a ``Page`` of ``PAGE_SIZE`` rows at ``?page=``, which
    unpacks as ``rows, page, more`` for the template's pager. One row more than a page tells
    whether another follows, without counting them all. A page may also give the rows it has
    already read (a list it filtered itself), with or without ``pagination_parameters``.

    ``dumped_by`` is for a view that returns the page as it is: give the response schema
    (class or instance) and only the columns it dumps are read, as plain rows rather than
    ORM objects — a list of fifty rows then costs no identity map, no instance state and
    nothing to clean up when the session closes. It applies when the statement selects one
    model and every field the schema dumps is a column of that model; otherwise the page is
    ORM objects as without it. The school's criteria and row-level security apply either way.
    """
    if pagination_parameters is None:
        number = page_number()
        start = (number - 1) * PAGE_SIZE
        if isinstance(statement, Select):
            rows = list(db.session.scalars(statement.offset(start).limit(PAGE_SIZE + 1)))
        else:
            rows = list(statement[start:start + PAGE_SIZE + 1])
        return Page(rows[:PAGE_SIZE], number, len(rows) > PAGE_SIZE)
    if pagination_parameters.page > MAX_PAGE:
        raise Invalid(errors={"page": [f"must be at most {MAX_PAGE}"]})
    size = pagination_parameters.page_size
    offset = (pagination_parameters.page - 1) * size
    if not isinstance(statement, Select):  # rows the view read and filtered itself
        pagination_parameters.item_count = len(statement)
        return list(statement[offset:offset + size])
    columns = _dumped_columns(statement, dumped_by) if dumped_by is not None else None
    if columns is not None:
        rows = db.session.execute(
            statement.with_only_columns(*columns, func.count().over().label("total"))
            .limit(size).offset(offset)
        ).all()
        if rows:
            pagination_parameters.item_count = rows[0].total
            return rows
        pagination_parameters.item_count = _count(statement)
        return []
    rows = db.session.execute(
        statement.add_columns(func.count().over().label("total")).limit(size).offset(offset)
    ).all()
    if rows:
        pagination_parameters.item_count = rows[0].total
        return [row[0] for row in rows]
    pagination_parameters.item_count = _count(statement)
    return []


def _count(statement: Select) -> int:
    return db.session.scalar(select(func.count()).select_from(statement.order_by(None).subquery()))


def _dumped_columns(statement: Select, schema: Any) -> tuple | None:
    """The model's column attributes ``schema`` dumps, in its order, or None when a page of
    rows would not dump as the page of objects does."""
    described = statement.column_descriptions
    if len(described) != 1:
        return None
    model = described[0]["entity"]
    if model is None or described[0]["expr"] is not model:
        return None
    key = (schema, model)
    if (known := _COLUMNS.get(key, _UNKNOWN)) is not _UNKNOWN:
        return known
    attributes = (schema() if isinstance(schema, type) else schema).dumped_attributes()
    mapped = inspect(model).column_attrs
    columns = None
    if attributes is not None and all(name in mapped for name in attributes):
        # The rows carry each attribute under its own name; a schema reading one twice needs
        # it once.
        columns = tuple(getattr(model, name) for name in dict.fromkeys(attributes))
    if len(_COLUMNS) >= 1_000:  # schemas and models are few; this only bounds a leak
        _COLUMNS.clear()
    _COLUMNS[key] = columns
    return columns


_UNKNOWN = object()
_COLUMNS: dict[tuple, tuple | None] = {}
