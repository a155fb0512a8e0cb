"""Bounded pages for every list, in the API and on a page: one helper, ``page_of``, and one
default size, ``PAGE_SIZE``.

In the API a list reads ``?page=&page_size=`` (flask-smorest), at most ``MAX_PAGE_SIZE`` rows
a page, and says its total in ``X-Pagination``. On a page a list reads ``?page=`` from the
page's own links and shows ``PAGE_SIZE`` rows with a link to the next page when there is one.
"""

from __future__ import annotations

from typing import NamedTuple

from flask import request
from sqlalchemy import Select, func, select

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


def page_of(statement: Select, pagination_parameters=None):
    """One page of ``statement``'s rows.

    With the API's ``pagination_parameters`` (in a view under ``@blp.paginate(page_size=
    PAGE_SIZE, max_page_size=MAX_PAGE_SIZE)``): the page's rows as a list, and flask-smorest
    told the total (X-Pagination header). The total rides along with the page (``count(*)
    OVER ()``), so a page costs one query; only a page past the end needs a separate count.

    Without (a page of the web app): a ``Page`` of ``PAGE_SIZE`` rows at ``?page=``, which
    unpacks as ``rows, page, more`` for the template's pager. One row more than a page tells
    whether another follows, without counting them all.
    """
    if pagination_parameters is None:
        number = page_number()
        limited = statement.offset((number - 1) * PAGE_SIZE).limit(PAGE_SIZE + 1)
        rows = list(db.session.scalars(limited))
        return Page(rows[:PAGE_SIZE], number, len(rows) > PAGE_SIZE)
    if pagination_parameters.page > MAX_PAGE:
        raise Invalid(errors={"page": [f"must be at most {MAX_PAGE}"]})
    size = pagination_parameters.page_size
    offset = (pagination_parameters.page - 1) * size
    rows = db.session.execute(
        statement.add_columns(func.count().over().label("total")).limit(size).offset(offset)
    ).all()
    if rows:
        pagination_parameters.item_count = rows[0].total
        return [row[0] for row in rows]
    pagination_parameters.item_count = db.session.scalar(
        select(func.count()).select_from(statement.order_by(None).subquery())
    )
    return []
