"""The energy module's periodic job: raise yesterday's leak and waste flags."""

from __future__ import annotations

from datetime import timedelta

from core.sdk import N_, JobContext, notify

from .services import flags, today

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
    yesterday = today() - timedelta(days=1)
    found = flags.find(yesterday, yesterday)
    for number, flag in enumerate(found, start=1):
        notify(f"energy:{flag.flag}:{flag.meter_id}:{flag.day}", "energy.read",
               MESSAGES[flag.flag],
               {"number": flag.number, "used": str(flag.used), "unit": flag.unit,
                "day": flag.day.isoformat(), "limit": str(flag.limit)},
               source="energy", endpoint="energy_pages.meter",
               endpoint_args={"meter_id": str(flag.meter_id)})
        ctx.progress(number, len(found))
    return len(found)
