"""Use per day and per month, worked out from readings.

The rule: the units between two readings of a meter were used evenly over the time between
them, so each day (on the school's clock) gets the share of the interval it covers — a
reading at 08:00 on Monday and the next at 08:00 on Wednesday give Monday 16 hours' worth,
Tuesday 24 and Wednesday 8. A day no pair of readings spans has no figure (it is not zero,
it is unknown), and nothing is extrapolated past a meter's last reading. Shares are kept as
exact decimals and rounded to 0.001 of a unit only when shown or summed over a period, so a
month's days add up to the month.

The school's use of a kind is the sum of its top-level meters (sub-meters are inside their
parent's figure); a parent's use minus its sub-meters' is "unmetered". Cost comes from the
school's own tiered tariff for each month's use; per student and per square metre divide by
the school's enrolled students and floor area."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import and_, func, select

from core.sdk import db, people

from ..models import KINDS, Meter, Reading
from ..places import building_name
from . import day_after, day_start, local, settings

UNIT = Decimal("0.001")
CENT = Decimal("0.01")


@dataclass(frozen=True)
class Interval:
    meter_id: uuid.UUID
    start: datetime
    end: datetime
    used: Decimal


def spread(interval: Interval) -> dict[date, Decimal]:
    """The interval's units shared out over the school days it covers, by time covered."""
    total = Decimal(int((interval.end - interval.start).total_seconds()))
    if total <= 0:
        return {}
    shares: dict[date, Decimal] = {}
    day = local(interval.start).date()
    last = local(interval.end).date()
    while day <= last:
        begin = max(interval.start, day_start(day))
        end = min(interval.end, day_start(day_after(day)))
        covered = Decimal(int((end - begin).total_seconds()))
        if covered > 0:
            shares[day] = interval.used * covered / total
        day = day_after(day)
    return shares


def intervals(start: date, end: date, meter_ids: Iterable[uuid.UUID] | None = None
              ) -> list[Interval]:
    """The intervals between consecutive readings that touch the days ``start``–``end``: in
    three statements for every meter (the reading before the days, those within, the one
    after), never one a meter."""
    since, until = day_start(start), day_start(day_after(end))
    chosen = list(meter_ids) if meter_ids is not None else None

    def scoped(query):
        return query.where(Reading.meter_id.in_(chosen)) if chosen is not None else query

    before = scoped(select(Reading.meter_id, func.max(Reading.read_at).label("at"))
                    .where(Reading.read_at < since).group_by(Reading.meter_id)).subquery()
    after = scoped(select(Reading.meter_id, func.min(Reading.read_at).label("at"))
                   .where(Reading.read_at >= until).group_by(Reading.meter_id)).subquery()
    columns = (Reading.meter_id, Reading.read_at, Reading.used)
    rows = set(db.session.execute(scoped(select(*columns).where(
        Reading.read_at >= since, Reading.read_at < until))).all())
    for edge in (before, after):
        rows |= set(db.session.execute(select(*columns).join(edge, and_(
            Reading.meter_id == edge.c.meter_id, Reading.read_at == edge.c.at))).all())
    found: list[Interval] = []
    previous: dict[uuid.UUID, datetime] = {}
    for meter_id, read_at, used in sorted(rows, key=lambda r: (str(r[0]), r[1])):
        if used is not None and meter_id in previous:
            found.append(Interval(meter_id, previous[meter_id], read_at, used))
        previous[meter_id] = read_at
    return found


def daily(start: date, end: date, meter_ids: Iterable[uuid.UUID] | None = None
          ) -> dict[uuid.UUID, dict[date, Decimal]]:
    """Each meter's use on each day from ``start`` to ``end`` that readings span."""
    days: dict[uuid.UUID, dict[date, Decimal]] = defaultdict(dict)
    for interval in intervals(start, end, meter_ids):
        for day, share in spread(interval).items():
            if start <= day <= end:
                days[interval.meter_id][day] = days[interval.meter_id].get(day, 0) + share
    return dict(days)


def top_level(kind: str | None = None) -> dict[uuid.UUID, str]:
    """The meters (retired ones too: their history counts) that are nobody's sub-meter."""
    query = select(Meter.id, Meter.kind).where(Meter.parent_id.is_(None))
    if kind:
        query = query.where(Meter.kind == kind)
    return dict(db.session.execute(query).all())


def school_daily(start: date, end: date) -> dict[str, dict[date, Decimal]]:
    """The school's use of each kind on each day: its top-level meters' added up."""
    kinds = top_level()
    totals: dict[str, dict[date, Decimal]] = {kind: {} for kind in KINDS}
    for meter_id, days in daily(start, end, kinds).items():
        for day, used in days.items():
            totals[kinds[meter_id]][day] = totals[kinds[meter_id]].get(day, 0) + used
    return totals


def month_end(first: date) -> date:
    return (first.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)


def year_ago(day: date) -> date:
    """The same day a year before (28 February for the 29th)."""
    try:
        return day.replace(year=day.year - 1)
    except ValueError:
        return day.replace(year=day.year - 1, day=28)


def total(days: dict[date, Decimal], start: date, end: date) -> Decimal | None:
    found = [used for day, used in days.items() if start <= day <= end]
    return sum(found, Decimal(0)).quantize(UNIT, ROUND_HALF_UP) if found else None


def shown(used: Decimal) -> Decimal:
    return used.quantize(UNIT, ROUND_HALF_UP)


def cost(units: Decimal, tiers: list[dict]) -> Decimal | None:
    """What ``units`` in a month cost on a tiered tariff, in yuan to the fen; none without a
    tariff. Each step's units cost its price: on steps up to 10 at 3 and then 5, 12 units
    cost 10 × 3 + 2 × 5 = 40."""
    if not tiers:
        return None
    charged, below, left = Decimal(0), Decimal(0), units
    for step in tiers:
        limit = Decimal(step["up_to"]) if step["up_to"] != "" else None
        span = left if limit is None else min(left, limit - below)
        if span > 0:
            charged += span * Decimal(step["price"])
            left -= span
        if limit is not None:
            below = limit
        if left <= 0:
            break
    return charged.quantize(CENT, ROUND_HALF_UP)


def students() -> int:
    return sum(people.enrolled_by_class().values())


def ratio(amount: Decimal | None, by: Decimal | int | None) -> Decimal | None:
    if amount is None or not by:
        return None
    return (amount / Decimal(by)).quantize(UNIT, ROUND_HALF_UP)


def change(now: Decimal | None, before: Decimal | None) -> Decimal | None:
    """Percent change from ``before`` (negative: a saving)."""
    if now is None or not before:
        return None
    return ((now - before) * 100 / before).quantize(Decimal("0.1"), ROUND_HALF_UP)


@dataclass(frozen=True)
class KindMonth:
    kind: str
    used: Decimal | None
    cost: Decimal | None
    last_year: Decimal | None
    change: Decimal | None
    per_student: Decimal | None
    per_area: Decimal | None


def month(first: date) -> list[KindMonth]:
    """The school's use of each kind in the month beginning ``first``, its cost, the same
    month last year and the use per student and per square metre."""
    known = settings()
    end, before = month_end(first), year_ago(first)
    this = school_daily(first, end)
    last = school_daily(before, month_end(before))
    enrolled = students()
    area = Decimal(known["floor_area"]) if known["floor_area"] else None
    found = []
    for kind in KINDS:
        used = total(this[kind], first, end)
        earlier = total(last[kind], before, month_end(before))
        found.append(KindMonth(kind, used, cost(used, known[kind]["tiers"])
                               if used is not None else None, earlier, change(used, earlier),
                               ratio(used, enrolled), ratio(used, area)))
    return found


def months(last_first: date, count: int = 12) -> dict[str, list[tuple[date, Decimal | None,
                                                                       Decimal | None]]]:
    """Each kind's use in the ``count`` months up to ``last_first``, with the same month a
    year before: (first day, use, use a year before)."""
    firsts = [last_first]
    while len(firsts) < count:
        firsts.insert(0, (firsts[0] - timedelta(days=1)).replace(day=1))
    this = school_daily(firsts[0], month_end(last_first))
    before = school_daily(year_ago(firsts[0]), month_end(year_ago(last_first)))
    return {kind: [(first, total(this[kind], first, month_end(first)),
                    total(before[kind], year_ago(first), month_end(year_ago(first))))
                   for first in firsts] for kind in KINDS}


@dataclass(frozen=True)
class Unmetered:
    meter: Meter
    used: Decimal | None
    sub_used: Decimal
    unmetered: Decimal | None


def unmetered(start: date, end: date) -> list[Unmetered]:
    """Each parent meter's use over the days, its sub-meters' and what is left over."""
    parents = {m.id: m for m in db.session.scalars(
        select(Meter).where(Meter.id.in_(select(Meter.parent_id).where(
            Meter.parent_id.is_not(None)))).order_by(Meter.number))}
    children = dict(db.session.execute(select(Meter.id, Meter.parent_id).where(
        Meter.parent_id.in_(list(parents)))).all()) if parents else {}
    days = daily(start, end, [*parents, *children])
    found = []
    for parent_id, meter in parents.items():
        used = total(days.get(parent_id, {}), start, end)
        sub = sum((total(days.get(child, {}), start, end) or Decimal(0)
                   for child, parent in children.items() if parent == parent_id), Decimal(0))
        found.append(Unmetered(meter, used, sub, used - sub if used is not None else None))
    return found


@dataclass(frozen=True)
class Progress:
    year: int
    kind: str
    percent: int
    through: date
    used: Decimal | None
    last_year: Decimal | None
    saved: Decimal | None  # percent saved so far against the same days last year
    on_track: bool | None


def targets(today: date) -> list[Progress]:
    """Each saving target of this year: the use from 1 January to yesterday against the same
    days last year."""
    through = today - timedelta(days=1)
    found = []
    for target in settings()["targets"]:
        if target["year"] != today.year or through.year != today.year:
            continue
        first = date(today.year, 1, 1)
        this = school_daily(first, through)[target["kind"]]
        before = school_daily(year_ago(first), year_ago(through))[target["kind"]]
        used = total(this, first, through)
        earlier = total(before, year_ago(first), year_ago(through))
        moved = change(used, earlier)
        saved = -moved if moved is not None else None
        found.append(Progress(target["year"], target["kind"], target["percent"], through,
                              used, earlier, saved,
                              saved >= target["percent"] if saved is not None else None))
    return found


@dataclass(frozen=True)
class BuildingUse:
    building: str
    kind: str
    used: Decimal | None
    per_area: Decimal | None


def buildings(start: date, end: date) -> list[BuildingUse]:
    """Each building's use of each kind over the days, and per square metre where the
    settings give the building's floor area (core keeps no floor area: the settings name each
    building as core does). A building's use is that of its meters that are not inside
    another meter of the same building (a sub-meter of the building's own meter is already
    in it). A meter whose building name matched none of the school's counts under that name."""
    found = db.session.execute(select(Meter.id, Meter.kind, Meter.building_id,
                                      Meter.unmatched_building, Meter.parent_id)
                               .where((Meter.building_id.is_not(None))
                                      | (Meter.unmatched_building != ""))).all()
    rows = [(meter_id, kind, building_name(building_id, unmatched), parent)
            for meter_id, kind, building_id, unmatched, parent in found]
    where = {meter_id: building for meter_id, _kind, building, _parent in rows}
    counted = {meter_id: (kind, building) for meter_id, kind, building, parent in rows
               if parent is None or where.get(parent) != building}
    days = daily(start, end, counted)
    areas = {entry["building"]: Decimal(entry["area"])
             for entry in settings()["building_areas"]}
    totals: dict[tuple[str, str], Decimal | None] = {}
    for meter_id, (kind, building) in counted.items():
        used = total(days.get(meter_id, {}), start, end)
        if used is not None or (building, kind) not in totals:
            before = totals.get((building, kind))
            totals[(building, kind)] = (before or 0) + used if used is not None else before
    return [BuildingUse(building, kind, used, ratio(used, areas.get(building)))
            for (building, kind), used in sorted(totals.items(),
                                                 key=lambda item: (item[0][0],
                                                                   KINDS.index(item[0][1])))]
