"""Leak and waste flags (杜绝长流水、长明灯): use at night or on a day the school is closed
above the school's own limit, and a day's use far above the meter's usual day.

No regulation gives these figures, so every threshold is the school's setting and a flag
whose setting is empty is off. Night-time use is seen only where a meter was read at the
start and the end of the night (a guard's rounds): the rate between two such readings is
compared with the limit per hour. A holiday is a day the school calendar does not keep as a
school day. A jump is a day above the median of the meter's 28 days before it (at least 7
of them known) times the factor."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from statistics import median

from sqlalchemy import select

from core.sdk import db, school_days, school_zone

from ..models import Meter
from . import local, settings, usage

HISTORY = 28
KNOWN = 7


@dataclass(frozen=True)
class Flag:
    meter_id: uuid.UUID
    number: str
    kind: str  # the meter's kind
    unit: str
    flag: str  # night, holiday, jump
    day: date
    used: Decimal
    limit: Decimal


def night_of(start: datetime, end: datetime, begins: int, ends: int) -> date | None:
    """The night (named by the evening it begins on) that holds the whole interval, if any."""
    first, last = local(start), local(end)
    for evening in (first.date() - timedelta(days=1), first.date()):
        opens = datetime.combine(evening, time(begins), school_zone())
        closes = datetime.combine(evening + timedelta(days=1 if ends <= begins else 0),
                                  time(ends), school_zone())
        if opens <= first and last <= closes:
            return evening
    return None


def find(start: date, end: date) -> list[Flag]:
    """Every flag of the days ``start``–``end``, for all the school's meters at once."""
    known = settings()
    meters = {m.id: m for m in db.session.scalars(select(Meter))}
    found: list[Flag] = []

    def flag(meter_id, name, day, used, limit):
        meter = meters[meter_id]
        found.append(Flag(meter_id, meter.number, meter.kind, meter.unit, name, day,
                          usage.shown(used), limit))

    for interval in usage.intervals(start, end):
        limit = known[meters[interval.meter_id].kind]["night_limit"]
        night = night_of(interval.start, interval.end, known["night_starts"],
                         known["night_ends"])
        if not limit or night is None or not start <= night <= end:
            continue
        hours = Decimal(int((interval.end - interval.start).total_seconds())) / 3600
        if hours > 0 and interval.used / hours > Decimal(limit):
            flag(interval.meter_id, "night", night, interval.used, Decimal(limit))
    history = usage.daily(start - timedelta(days=HISTORY), end)
    closed = set(_days(start, end)) - set(school_days(start, end))  # one read of the calendar
    factor = Decimal(known["jump_factor"]) if known["jump_factor"] else None
    for meter_id, days in history.items():
        if meter_id not in meters:
            continue
        holiday = known[meters[meter_id].kind]["holiday_limit"]
        for day, used in sorted(days.items()):
            if not start <= day <= end:
                continue
            if holiday and day in closed and usage.shown(used) > Decimal(holiday):
                flag(meter_id, "holiday", day, used, Decimal(holiday))
            before = [days[d] for d in _days(day - timedelta(days=HISTORY),
                                             day - timedelta(days=1)) if d in days]
            if factor and len(before) >= KNOWN:
                usual = median(before)
                if usual > 0 and used > usual * factor:
                    flag(meter_id, "jump", day, used, (usual * factor).quantize(usage.UNIT))
    return sorted(found, key=lambda f: (f.day, f.number, f.flag))


def _days(start: date, end: date) -> list[date]:
    return [start + timedelta(days=n) for n in range((end - start).days + 1)]
