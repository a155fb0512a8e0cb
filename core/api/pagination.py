"""Bounded pages for every list: ``?page=&page_size=`` with a hard maximum."""

from __future__ import annotations

from sqlalchemy import Select, func, select

from core.api.errors import Invalid
from core.extensions import db

MAX_PAGE_SIZE = 100
PAGE_SIZE = 20
MAX_PAGE = 1_000_000  # far past any real list; keeps the offset within a 64-bit integer


def page_of(statement: Select, pagination_parameters) -> list:
    """Run ``statement`` for one page and tell flask-smorest the total (X-Pagination header).

    The total rides along with the page (``count(*) OVER ()``), so a page costs one query;
    only a page past the end needs a separate count.
    """
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
