"""Food out of stock: issued to the kitchen first-expiry-first-out, taken back whole when an
issue was a mistake, or discarded with a reason. Each writes entries of the ledger only."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select

from core.sdk import RuleBroken, _, db, require_tenant, uuid7

from ..models import StockLot, StockMovement
from ..schemas.stock import MAX_QUANTITY, QUANTITY_PLACES
from . import check_slot, today
from .stock import balances, cost_of, exact, held, held_query, normal, who, with_lots


@dataclass
class Issued:
    issue_id: uuid.UUID
    day: date
    slot: str | None
    food: str
    unit: str
    quantity: Decimal
    cost_fen: int = 0
    lines: list[dict[str, Any]] = field(default_factory=list)
    skipped: list[StockLot] = field(default_factory=list)  # expired lots passed over
    warnings: list[str] = field(default_factory=list)


def _lots_of(food: str, unit: str, received_by: date) -> list[StockLot]:
    """The food's lots on hand, in FEFO order, locked against a concurrent issue (their
    balances are read again once the lock is held)."""
    lots = db.session.scalars(
        held_query().where(StockLot.food == food, StockLot.unit == unit,
                           StockLot.received_on <= received_by)
        .with_for_update(of=StockLot)).all()
    return held(lots)


def _nothing_of(food: str, unit: str) -> RuleBroken:
    units = sorted(set(db.session.scalars(select(StockLot.unit).where(StockLot.food == food))))
    if units and unit not in units:
        return RuleBroken(_("%(food)s is stocked in %(units)s", food=food,
                            units=", ".join(units)), "unit")
    return RuleBroken(_("no %(food)s in stock on that day", food=food), "food")


def issue(data: Mapping[str, Any], by: str | None = None) -> Issued:
    """Issue a quantity of a food to the kitchen for a day (and a meal, if given).

    Lots of the food and unit go out first-expiry-first-out. A lot past its last day of use
    on the day of the issue is passed over, never issued, and named in the answer to be
    discarded. More than can be issued is refused naming ``quantity``, and nothing is written.
    """
    require_tenant()
    day, food, unit = data["day"], data["food"].strip(), data["unit"].strip()
    quantity = exact(data["quantity"], "quantity", QUANTITY_PLACES, Decimal("0.001"),
                      MAX_QUANTITY)
    if data.get("slot"):
        check_slot(data["slot"])
    if day > today() + timedelta(days=1):
        raise RuleBroken(_("food is issued for today, tomorrow or a past day"), "day")
    lots = _lots_of(food, unit, day)
    if not lots:
        raise _nothing_of(food, unit)
    usable = [lot for lot in lots if lot.expiry_date >= day]
    result = Issued(uuid7(), day, data.get("slot"), food, unit, quantity,
                    skipped=[lot for lot in lots if lot.expiry_date < day])
    available = sum((lot.on_hand for lot in usable), Decimal(0))
    if quantity > available:
        raise RuleBroken(_("only %(available)s %(unit)s of %(food)s can be issued for %(day)s",
                           available=normal(available), unit=unit, food=food,
                           day=day.isoformat()), "quantity")
    person, left = who(by), quantity
    for lot in usable:
        take = min(left, lot.on_hand)
        cost = cost_of(take, lot.unit_price_fen)
        db.session.add(StockMovement(lot_id=lot.id, kind="out", quantity=-take, cost_fen=-cost,
                                     day=day, slot=result.slot, issue_id=result.issue_id,
                                     recorded_by=person))
        result.lines.append({"lot_id": lot.id, "batch": lot.batch, "quantity": take,
                             "expiry_date": lot.expiry_date, "cost_fen": cost,
                             "unit_price_fen": lot.unit_price_fen})
        result.cost_fen += cost
        left -= take
        if not left:
            break
    result.warnings = [_("%(food)s batch %(batch)s expired on %(day)s and was not issued: "
                         "discard it", food=lot.food, batch=lot.batch or "—",
                         day=lot.expiry_date.isoformat()) for lot in result.skipped]
    db.session.flush()
    return result


def issue_entries(issue_id: uuid.UUID) -> list[StockMovement]:
    """The entries of one issue (and of its taking back, if it was)."""
    require_tenant()
    entries = list(db.session.scalars(select(StockMovement)
                                      .where(StockMovement.issue_id == issue_id)))
    if not entries:
        raise RuleBroken(_("no such issue in this school"), "issue_id", status=404)
    return entries


def cancel_issue(issue_id: uuid.UUID, reason: str, by: str | None = None) -> list[StockMovement]:
    """Take an issue back whole (a mistake, food not used): one "return" entry per line, on the
    issue's day, so that day's food cost nets to nothing. The issue's entries stay."""
    entries = issue_entries(issue_id)
    # Lock the lots (the ledger itself takes no locks: the app may not update it), then look
    # again, so that two people taking the same issue back cannot both do it.
    db.session.scalars(select(StockLot.id).where(StockLot.id.in_({e.lot_id for e in entries}))
                       .with_for_update()).all()
    if db.session.scalar(select(StockMovement.id).where(StockMovement.issue_id == issue_id,
                                                        StockMovement.kind == "return")):
        raise RuleBroken(_("this issue was taken back already"), "issue_id", status=409)
    person = who(by)
    returned = [StockMovement(lot_id=e.lot_id, kind="return", quantity=-e.quantity,
                              cost_fen=-e.cost_fen, day=e.day, slot=e.slot, issue_id=issue_id,
                              reason=reason, recorded_by=person) for e in entries
                if e.kind == "out"]
    db.session.add_all(returned)
    db.session.flush()
    return returned


def discard(lot_id: uuid.UUID, reason: str, quantity: Decimal | None = None,
            by: str | None = None) -> StockMovement:
    """Throw away some or all of a lot (expired, spoiled), with the reason, today."""
    require_tenant()
    lot = db.session.scalar(select(StockLot).where(StockLot.id == lot_id).with_for_update())
    if lot is None:
        raise RuleBroken(_("no such lot in this school"), "lot_id", status=404)
    left = balances([lot.id])[lot.id]
    if left <= 0:
        raise RuleBroken(_("nothing of this lot is on hand"), "lot_id", status=409)
    quantity = left if quantity is None else quantity
    if quantity > left:
        raise RuleBroken(_("only %(left)s %(unit)s of this lot is on hand", left=normal(left),
                           unit=lot.unit), "quantity")
    entry = StockMovement(lot_id=lot.id, kind="discard", quantity=-quantity,
                          cost_fen=-cost_of(quantity, lot.unit_price_fen), day=today(),
                          reason=reason, recorded_by=who(by))
    db.session.add(entry)
    db.session.flush()
    return entry


def issues_on(day: date) -> list[dict[str, Any]]:
    """The day's issues, each with its food, quantity, cost and whether it was taken back."""
    entries = with_lots(db.session.scalars(
        select(StockMovement).where(StockMovement.day == day, StockMovement.issue_id.is_not(None))
        .order_by(StockMovement.recorded_at, StockMovement.id)))
    found: dict[uuid.UUID, dict[str, Any]] = {}
    for entry, lot in entries:
        summary = found.setdefault(entry.issue_id, {
            "issue_id": entry.issue_id, "slot": entry.slot, "food": lot.food, "unit": lot.unit,
            "quantity": Decimal(0), "cost_fen": 0, "by": entry.recorded_by,
            "at": entry.recorded_at, "cancelled": False})
        if entry.kind == "return":
            summary["cancelled"] = True
        else:
            summary["quantity"] -= entry.quantity
            summary["cost_fen"] -= entry.cost_fen
    return list(found.values())


def issued_between(start: date, end: date) -> list[dict[str, Any]]:
    """Food issued to the kitchen from ``start`` to ``end``, net of issues taken back: per day,
    meal, food and unit, the quantity and its cost in fen (for the daily food-safety report)."""
    require_tenant()
    rows = db.session.execute(
        select(StockMovement.day, StockMovement.slot, StockLot.food, StockLot.unit,
               func.sum(StockMovement.quantity), func.sum(StockMovement.cost_fen))
        .join(StockLot, StockLot.id == StockMovement.lot_id)
        .where(StockMovement.kind.in_(("out", "return")), StockMovement.day >= start,
               StockMovement.day <= end)
        .group_by(StockMovement.day, StockMovement.slot, StockLot.food, StockLot.unit)
        .order_by(StockMovement.day, StockMovement.slot, StockLot.food, StockLot.unit)).all()
    return [{"day": day, "slot": slot, "food": food, "unit": unit, "quantity": -quantity,
             "cost_fen": -int(cost)} for day, slot, food, unit, quantity, cost in rows
            if quantity]


def withdraw_delivery(delivery_item_ids: list[uuid.UUID], reason: str,
                      by: str | None = None) -> list[StockMovement]:
    """Discard what is still on hand of the lots a voided delivery brought in."""
    lots = db.session.scalars(select(StockLot.id).where(
        StockLot.delivery_item_id.in_(delivery_item_ids))).all() if delivery_item_ids else []
    left = balances(list(lots))
    return [discard(lot_id, reason, by=by) for lot_id in lots if left[lot_id] > 0]
