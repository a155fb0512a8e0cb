"""The safety module's rules, free of request objects: ``hazards`` takes a hidden hazard from
its report through its owner's fix and someone else's verification to closure, and tells the
director and the district when it runs late."""

from __future__ import annotations

from datetime import date, datetime

from core.sdk import module_settings, school_today, school_zone


def settings() -> dict:
    return module_settings("safety")


def today() -> date:
    return school_today()


def local(moment: datetime) -> datetime:
    """A stored (UTC) moment on the school's clock."""
    return moment.astimezone(school_zone())
