"""The energy module's periodic job: raise yesterday's leak and waste flags."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

from core.sdk import N_, JobContext, notify

from .services import flags, today

# The notice kinds a school routes apart (houqin_notice_kinds).
LEAKS = "energy.leaks"  # use at night or on a closed day: something left running
JUMPS = "energy.jumps"  # a day well above the meter's usual
KIND_OF_FLAG = {"night": LEAKS, "holiday": LEAKS, "jump": JUMPS}

MESSAGES = {
    "night": N_("Meter %(number)s used %(used)s %(unit)s during the night of %(day)s "
                "(limit %(limit)s an hour): a tap or a light left on?"),
    "holiday": N_("Meter %(number)s used %(used)s %(unit)s on %(day)s, a day the school was "
                  "closed (limit %(limit)s)"),
    "jump": N_("Meter %(number)s used %(used)s %(unit)s on %(day)s, above its usual day "
               "(%(limit)s)"),
}


def raise_flags(ctx: JobContext) -> int:
    """Raise a notification for each flag of yesterday, for whoever sees the energy pages.
    Core's scheduler runs it for every school with the module on; a flag raised twice (the
    job retried) updates the same notification."""
    return len(raise_day(today() - timedelta(days=1), ctx.progress))


def raise_day(day: date, progress: Callable[[int, int], object] | None = None
              ) -> list[flags.Flag]:
    """Raise the flags of ``day`` in the school in context as notifications (the job's work,
    and ``houqin energy flags`` run by hand); the flags raised."""
    found = flags.find(day, day)
    for number, flag in enumerate(found, start=1):
        notify(f"energy:{flag.flag}:{flag.meter_id}:{flag.day}", "energy.read",
               MESSAGES[flag.flag],
               {"number": flag.number, "used": str(flag.used), "unit": flag.unit,
                "day": flag.day.isoformat(), "limit": str(flag.limit)},
               source="energy", endpoint="energy_pages.meter",
               endpoint_args={"meter_id": str(flag.meter_id)}, kind=KIND_OF_FLAG[flag.flag])
        if progress is not None:
            progress(number, len(found))
    return found
