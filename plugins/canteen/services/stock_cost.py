"""Food cost (伙食成本): the cost of the food issued to the kitchen, per day and meal, and per
eater from the number of people who ate.

Issues taken back count for nothing (their "return" entries net them out on the same day).
Per-eater figures are integer fen, rounded half-up; a day with no eaters counted has none.
"""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import func, select

from core.sdk import db, require_tenant

from ..models import StockMovement
from . import counts


def _eaters(start: date, end: date) -> dict[date, int]:
    """The meals eaten each day, from the meal counts (students and staff)."""
    return counts.eaters_by_day(start, end)


def _per_eater(cost_fen: int, eaters: int | None) -> int | None:
    if not eaters:
        return None
    return int((Decimal(cost_fen) / eaters).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def food_cost(start: date, end: date, eaters: dict[date, int]) -> dict[str, Any]:
    """The food cost from ``start`` to ``end``, both included, given each day's eaters.

    Per day: the cost, by meal (the key "" for issues for no meal in particular), the eaters
    and the cost per eater. For the period: the total, by meal, the eaters of the period's
    days and the cost per eater (total cost ÷ total eaters). Cost on days with no eaters is
    still in the total and is also given apart, because it makes the per-eater figure high.
    """
    require_tenant()
    rows = db.session.execute(
        select(StockMovement.day, StockMovement.slot, func.sum(StockMovement.cost_fen))
        .where(StockMovement.kind.in_(("out", "return")), StockMovement.day >= start,
               StockMovement.day <= end)
        .group_by(StockMovement.day, StockMovement.slot)).all()
    by_day: dict[date, dict[str, int]] = {}
    for day, slot, cost in rows:
        if cost:
            by_day.setdefault(day, {})[slot or ""] = -int(cost)
    eaters = {day: count for day, count in eaters.items() if start <= day <= end}
    days, by_slot, total, uncounted = [], {}, 0, 0
    for day in sorted(set(by_day) | set(eaters)):
        slots = by_day.get(day, {})
        cost = sum(slots.values())
        for slot, fen in slots.items():
            by_slot[slot] = by_slot.get(slot, 0) + fen
        total += cost
        if not eaters.get(day):
            uncounted += cost
        days.append({"day": day, "cost_fen": cost, "by_slot": slots,
                     "eaters": eaters.get(day), "per_eater_fen": _per_eater(cost,
                                                                            eaters.get(day))})
    all_eaters = sum(eaters.values()) if eaters else None
    return {"start": start, "end": end, "days": days, "by_slot": by_slot, "cost_fen": total,
            "eaters": all_eaters, "per_eater_fen": _per_eater(total, all_eaters),
            "cost_without_eaters_fen": uncounted}
