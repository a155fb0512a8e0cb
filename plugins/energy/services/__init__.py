"""The energy module's rules, free of request objects: ``meters`` and ``readings`` keep the
dials honest, ``usage`` turns readings into use per day and month with cost and comparisons,
``flags`` finds night-time, holiday and sudden use."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from core.sdk import module_settings, school_today, school_zone


def settings() -> dict:
    return module_settings("energy")


def today() -> date:
    return school_today()


def local(moment: datetime) -> datetime:
    """A stored (UTC) moment on the school's clock."""
    return moment.astimezone(school_zone())


def at_school(moment: datetime) -> datetime:
    """A moment as given: with its zone, or, without one, on the school's clock; in UTC."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=school_zone())
    return moment.astimezone(UTC)


def day_start(day: date) -> datetime:
    """The school's midnight beginning ``day``, in UTC."""
    return datetime.combine(day, time(), school_zone()).astimezone(UTC)


def day_after(day: date) -> date:
    return day + timedelta(days=1)
