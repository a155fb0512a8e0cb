"""The canteen's daily reminders: each area says what needs attention, and the job raises one
in-app notification per finding for the people who can act on it. Keys carry the day, so a
job that runs twice (a retry, a manual run) raises nothing twice."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from core.sdk import N_, JobContext, notify

from . import services
from .services import samples


@dataclass(frozen=True)
class Finding:
    key: str
    permission: str
    message: str  # an untranslated msgid, marked with N_
    params: dict[str, Any]
    endpoint: str
    endpoint_args: dict[str, Any] = field(default_factory=dict)


def _samples(today: date, now: datetime) -> Iterable[Finding]:
    yesterday = today - timedelta(days=1)
    register = samples.sample_day(yesterday, now)
    if register["missing"]:
        yield Finding(f"canteen:samples-missing:{yesterday}", "canteen.samples.write",
                      N_("%(count)s dishes served on %(day)s have no retained sample"),
                      {"count": len(register["missing"]), "day": yesterday.isoformat()},
                      "canteen_pages.samples", {"day": yesterday.isoformat()})
    if register["overdue"]:
        yield Finding(f"canteen:samples-overdue:{today}", "canteen.samples.write",
                      N_("%(count)s retained samples are due for disposal"),
                      {"count": len(register["overdue"])},
                      "canteen_pages.samples", {"day": today.isoformat()})


# Each area's reminders: (today, now) -> findings.
REMINDERS: list[Callable[[date, datetime], Iterable[Finding]]] = [_samples]


def findings(today: date, now: datetime) -> list[Finding]:
    return [found for reminder in REMINDERS for found in reminder(today, now)]


def daily_reminders(ctx: JobContext) -> int:
    """Raise today's canteen reminders for the school the job runs for."""
    found = findings(services.today(), datetime.now(UTC))
    for number, finding in enumerate(found, start=1):
        notify(finding.key, finding.permission, finding.message, finding.params,
               source="canteen", endpoint=finding.endpoint, endpoint_args=finding.endpoint_args)
        ctx.progress(number, len(found), finding.key)
    return len(found)
