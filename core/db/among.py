"""``among(column, values)``: a column is one of many values, sent as one parameter.

``column.in_(values)`` renders a placeholder per value, so a query about a thousand students
is compiled afresh and parsed as a thousand-parameter statement each time. On PostgreSQL
``among`` sends ``column = ANY(:values)`` with the values as one array: the statement's text
is the same whatever the count, so SQLAlchemy's compiled cache and the server's prepared
statements serve it. SQLite has no arrays and keeps ``IN``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import ColumnElement, any_, bindparam
from sqlalchemy.dialects.postgresql import ARRAY

from core.extensions import db


def among(column: Any, values: Iterable[Any]) -> ColumnElement[bool]:
    """``column`` is one of ``values`` (none: nothing matches)."""
    values = list(values)
    if db.session.get_bind().dialect.name != "postgresql":
        return column.in_(values)
    return column == any_(bindparam(None, values, type_=ARRAY(column.type)))
