"""Bounded pages for every list: ``?page=&page_size=`` with a hard maximum."""

from __future__ import annotations

from sqlalchemy import Select, func, select

from core.extensions import db

MAX_PAGE_SIZE = 100
PAGE_SIZE = 20


def page_of(statement: Select, pagination_parameters) -> list:
    """Run ``statement`` for one page and tell flask-smorest the total (X-Pagination header)."""
    total = db.session.scalar(select(func.count()).select_from(statement.order_by(None).subquery()))
    pagination_parameters.item_count = total
    size = pagination_parameters.page_size
    offset = (pagination_parameters.page - 1) * size
    return list(db.session.scalars(statement.limit(size).offset(offset)))
