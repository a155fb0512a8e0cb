"""The canteen's rules, for the school in context. No request objects here: the API, the
pages and the jobs all come through these functions, one module an area; what every area
shares is here."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from copy import deepcopy
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from core.sdk import RuleBroken, _, module_settings, require_tenant
from core.sdk import school_days as calendar_school_days
from core.sdk import school_today as today  # noqa: F401  (the areas say services.today)
from core.sdk import school_zone as school_zone
from core.sdk import yuan as yuan  # the areas and templates say services.yuan


@dataclass
class _ReadOnce:
    """What a read-only compilation has read so far of one school's settings and calendar."""

    tenant_id: int
    settings: dict[str, Any] | None = None
    school_days: dict[tuple[date, date], list[date]] = field(default_factory=dict)


_read_once: ContextVar[_ReadOnce | None] = ContextVar("canteen_read_once", default=None)


def _held() -> _ReadOnce | None:
    held = _read_once.get()
    # Opened for another school (a tenant_context inside the block): not this school's reads.
    return held if held is not None and held.tenant_id == require_tenant().id else None


@contextmanager
def reading_once() -> Iterator[None]:
    """Within the block, ``settings()`` and the calendar questions below read the school's
    canteen settings and calendar from the database once, then answer from what they read.
    For a read-only compilation such as the daily report, whose every section asks for them;
    never around a change to them, which would not be seen. Blocks nest (the outer one
    holds)."""
    if _held() is not None:
        yield
        return
    token = _read_once.set(_ReadOnce(require_tenant().id))
    try:
        yield
    finally:
        _read_once.reset(token)


def settings() -> dict[str, Any]:
    """The school's canteen settings; one added since the school saved its own has its default.
    Each call returns its own copy."""
    held = _held()
    if held is None:
        return _read_settings()
    if held.settings is None:
        held.settings = _read_settings()
    return deepcopy(held.settings)


def _read_settings() -> dict[str, Any]:
    return module_settings("canteen")


def school_days(start: date, end: date) -> list[date]:
    """The school days from ``start`` to ``end`` (``core.sdk.school_days``), read once per
    period within ``reading_once()``."""
    held = _held()
    if held is None:
        return calendar_school_days(start, end)
    if (start, end) not in held.school_days:
        held.school_days[start, end] = calendar_school_days(start, end)
    return list(held.school_days[start, end])


def is_school_day(day: date) -> bool:
    """Whether ``day`` is a school day in the school's calendar (``core.sdk.is_school_day``)."""
    return school_days(day, day) == [day]


def week_of(day: date) -> list[date]:
    monday = day - timedelta(days=day.weekday())
    return [monday + timedelta(days=n) for n in range(7)]


def check_slot(slot: str) -> None:
    if slot not in settings()["meal_slots"]:
        raise RuleBroken(_("this school does not serve %(slot)s (see the canteen settings)",
                           slot=slot), "slot")
