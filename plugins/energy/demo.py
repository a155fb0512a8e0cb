"""The energy module's share of a demo school's life: a water meter with a sub-meter for the
teaching building, an electricity meter behind a current transformer and the canteen's gas
meter, read every morning for the last few weeks (and on some evenings, as a guard would),
through the module's own services."""

from __future__ import annotations

import random
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import func, select

from core.sdk import TenantRef, buildings, db, school_today, school_zone

from .models import Meter
from .services import meters, readings

WEEKS = 4
# number, kind, building, digits, multiplier, a school day's use (a dial's units), a parent
METERS = (
    ("SB-001", "water", "全校", 6, 1, (28, 40), None),
    ("SB-002", "water", "教学楼", 5, 1, (9, 15), "SB-001"),
    ("DB-001", "electricity", "全校", 6, 40, (18, 30), None),
    ("RQ-001", "gas", "食堂", 6, 1, (20, 35), None),
)


def live(tenant: TenantRef, days: int, rng: random.Random) -> None:
    if db.session.scalar(select(func.count()).select_from(Meter)):
        return  # the school has its meters already
    today = school_today()
    span = min(days, WEEKS * 7)
    first = today - timedelta(days=span)
    made: dict[str, Meter] = {}
    # The meters are in the school's buildings of these names, when it has them ("全校", the
    # whole school's meter, is in none).
    building_ids = {b.name: b.id for b in buildings()}
    for number, kind, building, digits, multiplier, _use, parent in METERS:
        made[number] = meters.create({
            "number": number, "kind": kind, "building_id": building_ids.get(building),
            "location": "",
            "parent_id": made[parent].id if parent else None, "digits": digits,
            "multiplier": multiplier, "installed_on": first})
    dials = {number: Decimal(rng.randrange(1000, 9000)) for number, *_rest in METERS}
    now = datetime.now(UTC)
    for offset in range(span + 1):
        day = first + timedelta(days=offset)
        weekend = day.weekday() >= 5
        for number, _kind, _building, _digits, _multiplier, (low, high), _parent in METERS:
            at = datetime.combine(day, time(7, 30), school_zone())
            if at.astimezone(UTC) > now:
                continue
            if offset:
                share = Decimal(rng.randrange(low * 10, high * 10)) / 10
                dials[number] += share / 4 if weekend else share
            readings.record(made[number].id, {"read_at": at, "value": dials[number]})
            # A guard's evening round on the main water meter, two days a week.
            if number == "SB-001" and day.weekday() in (1, 3):
                evening = datetime.combine(day, time(22), school_zone())
                if evening.astimezone(UTC) <= now:
                    dials[number] += Decimal(rng.randrange(150, 250)) / 10
                    readings.record(made[number].id, {"read_at": evening,
                                                      "value": dials[number]})
