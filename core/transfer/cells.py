"""How a spreadsheet cell becomes a field's value, for a module's register columns
(``RegisterColumn(..., convert=cells.day)``). Each raises ``CellError`` with the reason, which
the import shows under the column's header; an empty cell gives ``None`` (or "" as text)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _

from core.money import whole_fen
from core.transfer.columns import CellError, _choice, _date, _flag, _text

__all__ = ["CellError", "choice", "day", "flag", "listing", "moment", "text", "whole", "yuan_fen"]

text = _text  # the cell as stripped text ("" when empty); refuses what no register holds
day = _date  # an ISO date text ("2019-05-01"); 2019/5/1 and a date cell are read too
flag = _flag  # True/False from 是/否, yes/no, 1/0; None when empty
choice = _choice  # choice({"蔬菜": "vegetables", ...}): one of the listed words, to its value


def moment(value: Any) -> str | None:
    """A day and a time as a school's sheet writes them, on the school's clock: "2019-05-01
    09:30" (seconds, a "T", / or . between the date's parts are read too) or a date-time
    cell; a day alone is its first minute. An ISO text without a zone, which the module reads
    in the school's zone; None when empty."""
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return value.replace(tzinfo=None, microsecond=0).isoformat()
    if isinstance(value, date):
        return datetime.combine(value, datetime.min.time()).isoformat()
    found = _text(value)
    day_part, _space, clock = found.replace("T", " ").partition(" ")
    try:
        day = date.fromisoformat(_date(day_part))
        hour, minute, *second = (int(part) for part in clock.strip().split(":")) \
            if clock.strip() else (0, 0)
        return datetime(day.year, day.month, day.day, hour, minute,
                        second[0] if second else 0).isoformat()
    except (CellError, ValueError, TypeError):
        raise CellError(_("“%(value)s” is not a day and time such as 2019-05-01 09:30",
                          value=found)) from None


def whole(value: Any) -> int | None:
    """A whole number (a count, grams); None when empty."""
    found = _text(value)
    if not found:
        return None
    try:
        number = Decimal(found)
        if number == number.to_integral_value():
            return int(number)
    except ArithmeticError:
        pass
    raise CellError(_("“%(value)s” is not a whole number", value=found))


def yuan_fen(value: Any) -> int | None:
    """An amount in yuan (85.50 as typed or as a number cell) in whole fen; None when empty."""
    found = _text(value)
    if not found:
        return None
    if isinstance(value, float):  # a number cell: 85.5 is 85.50, not 85.4999…
        found = f"{value:.2f}" if round(value, 2) == value else found
    fen = whole_fen(found)
    if fen is None:
        raise CellError(_("“%(value)s” is not an amount in yuan such as 85.50", value=found))
    return fen


def listing(value: Any) -> list[str]:
    """A list written in one cell, split at 、 , ， ; or ；  (花生、鸡蛋)."""
    found = _text(value)
    for mark in ("，", ",", ";", "；"):
        found = found.replace(mark, "、")
    return [part.strip() for part in found.split("、") if part.strip()]
