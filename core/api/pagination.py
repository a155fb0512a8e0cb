"""Bounded pages for every list: ``?page=&page_size=`` with a hard maximum."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, func, inspect, select

from core.api.errors import Invalid
from core.extensions import db

MAX_PAGE_SIZE = 100
PAGE_SIZE = 20
MAX_PAGE = 1_000_000  # far past any real list; keeps the offset within a 64-bit integer


def page_of(statement: Select, pagination_parameters, *, dumped_by: Any = None) -> list:
    """Run ``statement`` for one page and tell flask-smorest the total (X-Pagination header).

    The total rides along with the page (``count(*) OVER ()``), so a page costs one query;
    only a page past the end needs a separate count.

    ``dumped_by`` is for a view that returns the page as it is: give the response schema
    (class or instance) and only the columns it dumps are read, as plain rows rather than
    ORM objects — a list of fifty rows then costs no identity map, no instance state and
    nothing to clean up when the session closes. It applies when the statement selects one
    model and every field the schema dumps is a column of that model; otherwise the page is
    ORM objects as without it. The school's criteria and row-level security apply either way.
    """
    if pagination_parameters.page > MAX_PAGE:
        raise Invalid(errors={"page": [f"must be at most {MAX_PAGE}"]})
    size = pagination_parameters.page_size
    offset = (pagination_parameters.page - 1) * size
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
