"""The canteen's rules, for the school in context. No request objects here: the API, the
pages and the jobs all come through these functions, one module an area; what every area
shares is here."""

from __future__ import annotations

from copy import deepcopy
from datetime import date, datetime, timedelta
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

from flask_babel import gettext as _

from core.sdk import RuleBroken, module_settings, require_tenant


def settings() -> dict[str, Any]:
    """The school's canteen settings; one added since the school saved its own has its default."""
    return {**deepcopy(_defaults()), **module_settings("canteen")}


@cache
def _defaults() -> dict[str, Any]:
    # Built once per process, not on each of the many reads a page or a report makes.
    from ..schemas import CanteenSettingsSchema

    return CanteenSettingsSchema().load({})


def yuan(fen: int | None, missing: str = "") -> str:
    """Fen as yuan for people to read, exactly (1234 -> 12.34, -150 -> -1.50); ``missing``
    when there is no amount."""
    if fen is None:
        return missing
    sign = "-" if fen < 0 else ""
    return f"{sign}{abs(fen) // 100}.{abs(fen) % 100:02d}"


def school_zone() -> ZoneInfo:
    return ZoneInfo(require_tenant().timezone)


def today() -> date:
    """The date at the school, in its own time zone."""
    return datetime.now(school_zone()).date()


def week_of(day: date) -> list[date]:
    monday = day - timedelta(days=day.weekday())
    return [monday + timedelta(days=n) for n in range(7)]


def check_slot(slot: str) -> None:
    if slot not in settings()["meal_slots"]:
        raise RuleBroken(_("this school does not serve %(slot)s (see the canteen settings)",
                           slot=slot), "slot")
