"""Food stock (食品库存): lots come in from accepted deliveries (or by hand, for an opening
balance); what is on hand, what expires soon and what has expired; the ledger and its exports.
Food goes out in ``stock_out``, is counted in ``stock_counts`` and costed in ``stock_cost``.
Every change is an entry in an append-only ledger; balances and costs are sums of its entries.

Costs are integer fen. An entry costs its quantity × its lot's unit price, rounded half-up to
the fen for that entry alone; an issue costs the sum of its entries (one per lot it drew on).
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Iterable, Mapping
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from sqlalchemy import func, select

from core.sdk import RuleBroken, _, db, first_writer, require_tenant
from core.sdk import acting_name as who
from core.sdk import lazy_gettext as _l

from .. import exports
from ..models import SLOT_TITLES, StockLot, StockMovement
from ..models.stock import KIND_TITLES
from ..schemas.stock import MAX_PRICE_FEN, MAX_QUANTITY, PRICE_PLACES, QUANTITY_PLACES
from . import settings, today

# Lots expiring within this many days are flagged, unless the school sets its own number
# (``stock_warning_days``). No regulation gives a figure; three days leaves a school day or two
# to put the food on a menu before it must be thrown away.
DEFAULT_WARNING_DAYS = 3


def warning_days() -> int:
    return int(settings().get("stock_warning_days", DEFAULT_WARNING_DAYS))


def cost_of(quantity: Decimal, unit_price_fen: Decimal) -> int:
    """``quantity`` × ``unit_price_fen`` rounded half-up to the fen; the sign of the quantity."""
    fen = int((abs(quantity) * unit_price_fen).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    return fen if quantity >= 0 else -fen


def get_lot(lot_id: uuid.UUID, field_name: str = "lot_id", status: int = 404) -> StockLot:
    lot = db.session.scalar(select(StockLot).where(StockLot.id == lot_id))
    if lot is None:
        raise RuleBroken(_("no such lot in this school"), field_name, status)
    return lot


# --- stock in ------------------------------------------------------------------------------


def exact(value: Any, name: str, places: int, lowest: Decimal, highest: Decimal) -> Decimal:
    """``value`` as an exact Decimal within bounds and places, else refused naming ``name``
    (services are called from Python too, not only through a schema)."""
    if isinstance(value, float | bool):  # a float has already lost the exact value
        raise RuleBroken(_("give an exact number (a decimal string or Decimal), not a float"),
                         name)
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise RuleBroken(_("not a number"), name) from None
    if not number.is_finite() or not lowest <= number <= highest:
        raise RuleBroken(_("must lie between %(low)s and %(high)s", low=lowest, high=highest),
                         name)
    if number.as_tuple().exponent < -places:
        raise RuleBroken(_("at most %(n)s decimal places", n=places), name)
    return number


def _text(row: Mapping[str, Any], key: str, prefix: str, longest: int, needed: bool = True) -> str:
    value = str(row.get(key) or "").strip()
    if needed and not value:
        raise RuleBroken(_("required"), prefix + key)
    if len(value) > longest:
        raise RuleBroken(_("at most %(n)s characters", n=longest), prefix + key)
    return value


def checked_lot(row: Mapping[str, Any], received_on: date, prefix: str = "") -> dict[str, Any]:
    """A lot's fields, checked and made exact; refusals name ``prefix`` + the field."""
    expiry, made = row.get("expiry_date"), row.get("production_date")
    if not isinstance(expiry, date):
        raise RuleBroken(_("required"), prefix + "expiry_date")
    if made is not None and not isinstance(made, date):
        raise RuleBroken(_("not a date"), prefix + "production_date")
    if made is not None and made > expiry:
        raise RuleBroken(_("a food cannot expire before it was made"), prefix + "expiry_date")
    if made is not None and made > received_on:
        raise RuleBroken(_("lies after the day it was received"), prefix + "production_date")
    if expiry < received_on:
        raise RuleBroken(_("this food had expired when it was received"), prefix + "expiry_date")
    return {
        "food": _text(row, "food", prefix, 60), "unit": _text(row, "unit", prefix, 10),
        "batch": _text(row, "batch", prefix, 40, needed=False),
        "quantity": exact(row.get("quantity"), prefix + "quantity", QUANTITY_PLACES,
                           Decimal("0.001"), MAX_QUANTITY),
        "unit_price_fen": exact(row.get("unit_price_fen"), prefix + "unit_price_fen",
                                 PRICE_PLACES, Decimal(0), MAX_PRICE_FEN),
        "production_date": made, "expiry_date": expiry,
    }


def _add_lot(fields: dict[str, Any], received_on: date, by: str,
             delivery_item_id: uuid.UUID | None = None) -> StockLot:
    quantity = fields.pop("quantity")
    lot = StockLot(**fields, received_on=received_on, delivery_item_id=delivery_item_id)
    db.session.add(lot)
    db.session.flush()
    db.session.add(StockMovement(lot_id=lot.id, kind="in", quantity=quantity,
                                 cost_fen=cost_of(quantity, lot.unit_price_fen),
                                 day=received_on, recorded_by=by))
    return lot


def receive(rows: Iterable[Mapping[str, Any]], *, received_on: date | None = None,
            by: str | None = None) -> list[StockLot]:
    """Stock in the accepted items of a delivery, one lot each.

    Each row: ``delivery_item_id`` (UUID), ``food``, ``unit``, ``quantity`` (Decimal, up to 3
    places), ``unit_price_fen`` (int or Decimal, up to 2 places), ``batch``,
    ``production_date`` (date or None) and ``expiry_date`` (the last day of use). Every row
    is checked before anything is written; a refusal names ``rows.<n>.<field>``. An item
    received already is refused (409), so a retried acceptance cannot stock food twice.
    """
    require_tenant()
    day = received_on or today()
    rows = list(rows)
    checked, seen = [], set()
    for number, row in enumerate(rows):
        prefix = f"rows.{number}."
        item = row.get("delivery_item_id")
        if not isinstance(item, uuid.UUID):
            raise RuleBroken(_("required"), prefix + "delivery_item_id")
        if item in seen:
            raise RuleBroken(_("this item is given twice"), prefix + "delivery_item_id")
        seen.add(item)
        checked.append((item, checked_lot(row, day, prefix)))
    _refuse_taken([item for item, _fields in checked])
    person = who(by)
    # The same items accepted twice at once: the first to save stocks them.
    return first_writer(lambda: _lots(checked, day, person),
                        winner=lambda: _refuse_taken([item for item, _fields in checked]))


def _refuse_taken(items: list[uuid.UUID]) -> None:
    if not items:
        return
    taken = set(db.session.scalars(select(StockLot.delivery_item_id)
                                   .where(StockLot.delivery_item_id.in_(items))))
    for number, item in enumerate(items):
        if item in taken:
            raise RuleBroken(_("this delivery item is in stock already"),
                             f"rows.{number}.delivery_item_id", status=409)


def _lots(checked: list[tuple[uuid.UUID, dict[str, Any]]], day: date,
          person: str) -> list[StockLot]:
    lots = [_add_lot(fields, day, person, item) for item, fields in checked]
    db.session.flush()
    return lots


def stock_in(data: Mapping[str, Any], by: str | None = None) -> StockLot:
    """A lot entered by hand, without a delivery: an opening balance, say."""
    require_tenant()
    day = data.get("received_on") or today()
    if day > today():
        raise RuleBroken(_("lies in the future"), "received_on")
    lot = _add_lot(checked_lot(data, day), day, who(by))
    db.session.flush()
    return lot


# --- balances ------------------------------------------------------------------------------


def balances(lot_ids: Collection[uuid.UUID], as_of: date | None = None) -> dict[uuid.UUID, Decimal]:
    """Each lot's quantity on hand: the sum of its entries (up to ``as_of``, if given)."""
    if not lot_ids:
        return {}
    query = (select(StockMovement.lot_id, func.sum(StockMovement.quantity))
             .where(StockMovement.lot_id.in_(list(lot_ids))).group_by(StockMovement.lot_id))
    if as_of is not None:
        query = query.where(StockMovement.day <= as_of)
    found = dict(db.session.execute(query).all())
    return {lot_id: found.get(lot_id, Decimal("0.000")) for lot_id in lot_ids}


def _holding(lot: StockLot, quantity: Decimal) -> StockLot:
    lot.on_hand = quantity
    lot.value_fen = cost_of(quantity, lot.unit_price_fen)
    return lot


def held(lots: Iterable[StockLot], as_of: date | None = None) -> list[StockLot]:
    """The lots with something on hand, each given ``on_hand`` and its ``value_fen``."""
    lots = list(lots)
    found = balances([lot.id for lot in lots], as_of)
    return [lot for lot in lots if _holding(lot, found[lot.id]).on_hand > 0]


def _held_with_balances(as_of: date | None = None):
    """The lots with something on hand and how much, by food, unit and expiry (the order
    they go out in)."""
    moved = select(StockMovement.lot_id, func.sum(StockMovement.quantity).label("on_hand"))
    if as_of is not None:
        moved = moved.where(StockMovement.day <= as_of)
    moved = moved.group_by(StockMovement.lot_id).subquery()
    return (select(StockLot, moved.c.on_hand).join(moved, moved.c.lot_id == StockLot.id)
            .where(moved.c.on_hand > 0)
            .order_by(StockLot.food, StockLot.unit, StockLot.expiry_date, StockLot.received_on,
                      StockLot.id))


def held_query(as_of: date | None = None):
    """The lots with something on hand, by food, unit and expiry (the order they go out in)."""
    return _held_with_balances(as_of).with_only_columns(StockLot)


def on_hand(as_of: date | None = None) -> list[StockLot]:
    """The lots with something on hand, each given ``on_hand`` and its ``value_fen``: the
    balances come with the lots, in one query."""
    require_tenant()
    return [_holding(lot, quantity)
            for lot, quantity in db.session.execute(_held_with_balances(as_of))]


def expiry_watch(today: date, within_days: int) -> tuple[list[StockLot], list[StockLot]]:
    """From one read of the stock: the lots on hand whose last day of use is past (to be
    discarded, with a reason), and those still good today that expire within
    ``within_days`` days."""
    last = today + timedelta(days=within_days)
    lots = on_hand()
    return ([lot for lot in lots if lot.expiry_date < today],
            [lot for lot in lots if today <= lot.expiry_date <= last])


def expiring_lots(today: date, within_days: int) -> list[StockLot]:
    return expiry_watch(today, within_days)[1]


def expired_on_hand(today: date) -> list[StockLot]:
    return expiry_watch(today, 0)[0]


def foods_on_hand(day: date) -> list[dict[str, Any]]:
    """Per food and unit: what can be issued for ``day`` and what has expired by then."""
    totals: dict[tuple[str, str], dict[str, Any]] = {}
    for lot in on_hand():
        entry = totals.setdefault((lot.food, lot.unit), {
            "food": lot.food, "unit": lot.unit, "usable": Decimal(0), "expired": Decimal(0)})
        entry["usable" if lot.expiry_date >= day else "expired"] += lot.on_hand
    return list(totals.values())


# --- the ledger ----------------------------------------------------------------------------


def normal(quantity: Decimal) -> str:
    """A quantity as people write it: 12.5, not 12.500."""
    text = format(quantity.normalize(), "f")
    return "0" if text in ("-0", "0") else text


def sheet_number(quantity: Decimal) -> Decimal:
    """A quantity as a sheet's number cell: exact, without the trailing zeros, and a number a
    spreadsheet can add up rather than a text."""
    return Decimal(normal(quantity))


def movements_query(start: date, end: date, kind: str | None = None):
    query = (select(StockMovement).where(StockMovement.day >= start, StockMovement.day <= end)
             .order_by(StockMovement.day, StockMovement.recorded_at, StockMovement.id))
    return query if kind is None else query.where(StockMovement.kind == kind)


def lot_movements(lot_id: uuid.UUID) -> list[StockMovement]:
    return list(db.session.scalars(select(StockMovement).where(StockMovement.lot_id == lot_id)
                                   .order_by(StockMovement.recorded_at, StockMovement.id)))


def with_lots(entries: Iterable[StockMovement]) -> list[tuple[StockMovement, StockLot]]:
    entries = list(entries)
    ids = {entry.lot_id for entry in entries}
    lots = {lot.id: lot for lot in db.session.scalars(
        select(StockLot).where(StockLot.id.in_(ids)))} if ids else {}
    return [(entry, lots[entry.lot_id]) for entry in entries]


def _movement_rows(start: date, end: date) -> list[tuple[StockMovement, StockLot]]:
    return with_lots(db.session.scalars(movements_query(start, end)))


exports.register(exports.Register(
    "stock_movements", _l("Stock movements"),
    (exports.Column(_l("Day"), lambda r: r[0].day),
     exports.Column(_l("Movement"), lambda r: KIND_TITLES[r[0].kind]),
     exports.Column(_l("Food"), lambda r: r[1].food),
     exports.Column(_l("Unit"), lambda r: r[1].unit),
     exports.Column(_l("Batch"), lambda r: r[1].batch),
     exports.Column(_l("Expiry date"), lambda r: r[1].expiry_date),
     exports.Column(_l("Quantity"), lambda r: sheet_number(r[0].quantity)),
     exports.Column(_l("Unit price (fen)"), lambda r: sheet_number(r[1].unit_price_fen)),
     exports.Column(_l("Cost (fen)"), lambda r: r[0].cost_fen),
     exports.Column(_l("Meal"), lambda r: SLOT_TITLES[r[0].slot] if r[0].slot else ""),
     exports.Column(_l("Reason"), lambda r: r[0].reason),
     exports.Column(_l("Recorded by"), lambda r: r[0].recorded_by),
     exports.Column(_l("Recorded at"), lambda r: r[0].recorded_at)),
    _movement_rows))


def _on_hand_rows(start: date, end: date) -> list[tuple[date, StockLot]]:
    """What was on hand at the end of the period (a state has no period, but a month's export
    wants the month-end stock); an end after today means now."""
    as_of = min(end, today())
    return [(as_of, lot) for lot in on_hand(as_of=None if end >= today() else end)]


exports.register(exports.Register(
    "stock_on_hand", _l("Stock on hand"),
    (exports.Column(_l("As of"), lambda r: r[0]),
     exports.Column(_l("Food"), lambda r: r[1].food),
     exports.Column(_l("Unit"), lambda r: r[1].unit),
     exports.Column(_l("Batch"), lambda r: r[1].batch),
     exports.Column(_l("Production date"), lambda r: r[1].production_date),
     exports.Column(_l("Expiry date"), lambda r: r[1].expiry_date),
     exports.Column(_l("Received on"), lambda r: r[1].received_on),
     exports.Column(_l("On hand"), lambda r: sheet_number(r[1].on_hand)),
     exports.Column(_l("Unit price (fen)"), lambda r: sheet_number(r[1].unit_price_fen)),
     exports.Column(_l("Value (fen)"), lambda r: r[1].value_fen),
     exports.Column(_l("Expired"), lambda r: _l("yes") if r[1].expiry_date < r[0] else "")),
    _on_hand_rows))
