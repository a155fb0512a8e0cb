"""The canteen figures the charts draw: the food-safety records missing each day, and the food
cost per eater week by week. Each series is a few grouped queries over the whole period, never
a query a day; money stays integer fen.

Missing records of a day are those the daily report (``report``) asks of every day, by area:

- samples: dishes on the menu without a retained sample of that meal;
- morning checks: kitchen workers expected that day (working in the kitchen, still on the
  staff) without a morning check, on a school day or a meal day;
- hygiene: a meal day without an accompanied meal, without a disinfection record.

The report flags more (meal counts, certificates, stock past its date), but those are
standing states or other people's tasks; these three are the records the kitchen keeps each
day, which is what a month of bars should show. A week's food cost per eater is the week's
issues (Monday to Sunday) over the meals counted that week, as ``stock_cost`` works out a
day's and a month's.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import and_, distinct, func, or_, select

from core.sdk import db, people, require_tenant

from ..models import KitchenWorker, MenuItem, MorningCheck, Sample
from . import counts, hygiene
from .stock_cost import _per_eater, food_cost


@dataclass(frozen=True)
class MissingDay:
    day: date
    samples: int
    checks: int
    hygiene: int

    @property
    def total(self) -> int:
        return self.samples + self.checks + self.hygiene


def _unsampled(start: date, end: date) -> dict[date, int]:
    """Dishes served each day without a retained sample of their meal."""
    sampled = and_(Sample.day == MenuItem.day, Sample.slot == MenuItem.slot,
                   Sample.dish_id == MenuItem.dish_id)
    return dict(db.session.execute(
        select(MenuItem.day, func.count(distinct(MenuItem.id)))
        .outerjoin(Sample, sampled)
        .where(MenuItem.day >= start, MenuItem.day <= end, Sample.id.is_(None))
        .group_by(MenuItem.day)).all())


def _unchecked(start: date, end: date, due: set[date]) -> dict[date, int]:
    """Workers expected on each ``due`` day without a morning check: the kitchen's workers
    over the period in one query, their checks in another."""
    records = db.session.execute(
        select(KitchenWorker.id, KitchenWorker.staff_id, KitchenWorker.started_on,
               KitchenWorker.ended_on)
        .where(KitchenWorker.started_on <= end,
               or_(KitchenWorker.ended_on.is_(None), KitchenWorker.ended_on >= start))).all()
    if not records:
        return {}
    active = {s.id for s in people.staff([r.staff_id for r in records]) if s.active}
    checked = {(day, worker_id) for day, worker_id in db.session.execute(
        select(MorningCheck.day, MorningCheck.worker_id)
        .where(MorningCheck.day >= start, MorningCheck.day <= end))}
    found: dict[date, int] = {}
    for day in due:
        found[day] = sum(1 for worker_id, staff_id, started, ended in records
                         if staff_id in active and started <= day
                         and (ended is None or ended >= day) and (day, worker_id) not in checked)
    return found


def missing_by_day(start: date, end: date) -> list[MissingDay]:
    """Each day from ``start`` to ``end``: the samples, morning checks and hygiene records
    missing, as the daily report counts them."""
    require_tenant()
    covered = hygiene.coverage(start, end)  # also says which days were meal days
    due = {c.day for c in covered if c.school_day or c.meal_day}
    unsampled, unchecked = _unsampled(start, end), _unchecked(start, end, due)
    return [MissingDay(c.day, unsampled.get(c.day, 0), unchecked.get(c.day, 0),
                       len(c.missing)) for c in covered]


@dataclass(frozen=True)
class WeekCost:
    monday: date
    cost_fen: int
    eaters: int | None  # meals counted that week; None when none were
    per_eater_fen: int | None


def cost_by_week(start: date, end: date) -> list[WeekCost]:
    """Every week (Monday to Sunday) that holds a day from ``start`` to ``end``, whole: its
    food cost, its meals counted and the cost per eater (none without a count)."""
    require_tenant()
    first = start - timedelta(days=start.weekday())
    last = end + timedelta(days=6 - end.weekday())
    cost = food_cost(first, last, counts.eaters_by_day(first, last))
    weeks = {first + timedelta(weeks=n): [0, None]
             for n in range((last - first).days // 7 + 1)}
    for found in cost["days"]:
        week = weeks[found["day"] - timedelta(days=found["day"].weekday())]
        week[0] += found["cost_fen"]
        if found["eaters"]:
            week[1] = (week[1] or 0) + found["eaters"]
    return [WeekCost(monday, fen, eaters, _per_eater(fen, eaters))
            for monday, (fen, eaters) in weeks.items()]
