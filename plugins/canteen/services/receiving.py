"""Receiving inspection (进货查验): each delivery checked on arrival by two people, item by
item, kept for the retention period in force and never deleted before it: a mistaken record
is voided with the reason, and stays visible."""

from __future__ import annotations

import calendar
import uuid
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import event, select

from core.sdk import RuleBroken, _, db, require_tenant
from core.sdk import lazy_gettext as _l

from .. import exports
from ..models.receiving import COLD_CHAIN, RESULTS, STORAGE, Delivery, DeliveryItem
from ..models.suppliers import Supplier
from ..regulations import rules
from . import stock, stock_out
from . import today as school_today
from .suppliers import check_can_deliver


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later, or the month's last day when it is shorter."""
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def keep_until(day: date, expiry_dates: list[date]) -> date:
    """How long a delivery's record is kept, by the rule in force (食品安全法 第五十条、第五十三条):
    six months after the last shelf life ends, and at least two years; the longer of the two."""
    in_force = rules()
    at_least = add_months(day, 12 * in_force["receiving_keep_years_at_least"].value)
    after = in_force["receiving_keep_months_after_shelf_life"].value
    return max([at_least, *(add_months(expiry, after) for expiry in expiry_dates)])


def _person(name: str) -> str:
    return " ".join(name.split()).casefold()


def _expiry(item: dict[str, Any], row: str) -> date | None:
    """The given expiry date, or the production date plus the shelf life; both must agree."""
    produced, days, given = (item.get("production_date"), item.get("shelf_life_days"),
                             item.get("expiry_date"))
    if days is not None and produced is None:
        raise RuleBroken(_("give the production date with the shelf life"),
                         f"{row}.production_date")
    computed = produced + timedelta(days=days) if days is not None else None
    if given is not None and computed is not None and given != computed:
        raise RuleBroken(_("does not match the production date and the shelf life (%(day)s)",
                           day=computed.isoformat()), f"{row}.expiry_date")
    if given is not None and produced is not None and given < produced:
        raise RuleBroken(_("lies before the production date"), f"{row}.expiry_date")
    return given or computed


def _item(item: dict[str, Any], position: int, day: date) -> DeliveryItem:
    row = f"items.{position}"
    if item.get("production_date") and item["production_date"] > day:
        raise RuleBroken(_("lies after the delivery day"), f"{row}.production_date")
    expiry = _expiry(item, row)
    accepted = item["result"] == "accepted"
    reason = item.get("reject_reason", "").strip()
    if not accepted and not reason:
        raise RuleBroken(_("say why it was rejected"), f"{row}.reject_reason")
    if accepted and expiry is None:
        raise RuleBroken(_("an accepted food needs its expiry date, or its production date "
                           "and shelf life"), f"{row}.expiry_date")
    if accepted and expiry < day:
        raise RuleBroken(_("expired on arrival: reject it and say why"), f"{row}.expiry_date")
    temperature = item.get("temperature_c")
    if accepted and item.get("storage") in COLD_CHAIN and temperature is None:
        raise RuleBroken(_("take the temperature of chilled and frozen food on arrival"),
                         f"{row}.temperature_c")
    quantity, price = item["quantity"], item["unit_price_fen"]
    return DeliveryItem(
        position=position, food=item["food"].strip(), quantity_milli=int(quantity.scaleb(3)),
        unit=item["unit"].strip(), unit_price_fen=price,
        amount_fen=int((quantity * price).quantize(Decimal(1), ROUND_HALF_UP)),
        batch=item.get("batch", "").strip(), production_date=item.get("production_date"),
        shelf_life_days=item.get("shelf_life_days"), expiry_date=expiry,
        storage=item.get("storage", "ambient"),
        temperature_deci=None if temperature is None else int(temperature.scaleb(1)),
        result=item["result"], reject_reason=reason if not accepted else "")


def create_delivery(data: dict[str, Any]) -> Delivery:
    """Record a delivery as inspected. Refused: a day ahead of today, one person signing
    twice, a supplier that may not deliver on that day (see ``check_can_deliver``), and items
    that break the rules of ``_item``. Its accepted items then go into stock."""
    require_tenant()
    day: date = data["day"]
    if day > school_today():
        raise RuleBroken(_("lies in the future"), "day")
    if _person(data["inspector"]) == _person(data["second_inspector"]):
        raise RuleBroken(_("two different people inspect a delivery"), "second_inspector")
    supplier = check_can_deliver(data["supplier_id"], day)
    items = [_item(item, n, day) for n, item in enumerate(data["items"])]
    accepted = [i for i in items if i.result == "accepted"]
    delivery = Delivery(
        supplier_id=supplier.id, day=day, inspector=data["inspector"].strip(),
        second_inspector=data["second_inspector"].strip(), note=data.get("note", ""),
        total_fen=sum(i.amount_fen for i in accepted), items=items,
        keep_until=keep_until(day, [i.expiry_date for i in items if i.expiry_date]))
    db.session.add(delivery)
    db.session.flush()
    _stock_in(delivery)
    return delivery


def accepted_rows(delivery: Delivery) -> list[dict[str, Any]]:
    """The accepted items of a delivery as the stock module takes them in; every one has an
    expiry date (given, or the production date plus the shelf life)."""
    return [{"delivery_item_id": item.id, "food": item.food, "unit": item.unit,
             "quantity": item.quantity, "unit_price_fen": item.unit_price_fen,
             "batch": item.batch, "production_date": item.production_date,
             "expiry_date": item.expiry_date}
            for item in delivery.items if item.result == "accepted"]


def _stock_in(delivery: Delivery) -> None:
    """The accepted items go into the food stock in the same transaction as the delivery."""
    rows = accepted_rows(delivery)
    if rows:
        stock.receive(rows, received_on=delivery.day, by=delivery.inspector)


def get_delivery(delivery_id: uuid.UUID) -> Delivery:
    found = db.session.scalar(select(Delivery).where(Delivery.id == delivery_id))
    if found is None:
        raise RuleBroken(_("no such delivery in this school"), "delivery_id", 404)
    return found


def void_delivery(delivery_id: uuid.UUID, reason: str, by: str, now: datetime) -> Delivery:
    """Take a delivery's record out of use: it stays, marked void, with who, when and why."""
    delivery = get_delivery(delivery_id)
    if delivery.voided_at is not None:
        raise RuleBroken(_("this delivery was voided already"), "delivery_id", 409)
    delivery.voided_at, delivery.voided_by, delivery.void_reason = now, by, reason.strip()
    # What is still on hand of a voided delivery leaves the stock; what was issued stays issued.
    stock_out.withdraw_delivery([item.id for item in delivery.items],
                            _("delivery voided: %(reason)s", reason=delivery.void_reason), by)
    db.session.flush()
    return delivery


def _between(start: date, end: date):
    return (select(Delivery).where(Delivery.day >= start, Delivery.day <= end)
            .order_by(Delivery.day, Delivery.created_at))


def deliveries_between(start: date, end: date) -> list[Delivery]:
    """The deliveries from ``start`` to ``end`` (voided ones too, marked), with their items."""
    require_tenant()
    return list(db.session.scalars(_between(start, end)))


def named_deliveries(start: date, end: date) -> list[tuple[Delivery, str]]:
    """``deliveries_between`` with each supplier's name, read in the same query."""
    require_tenant()
    return [(delivery, name) for delivery, name in db.session.execute(
        _between(start, end).add_columns(Supplier.name)
        .join(Supplier, Supplier.id == Delivery.supplier_id))]


def supplier_names(deliveries: list[Delivery]) -> dict[uuid.UUID, str]:
    ids = {d.supplier_id for d in deliveries}
    return dict(db.session.execute(select(Supplier.id, Supplier.name)
                                   .where(Supplier.id.in_(ids))).all()) if ids else {}


@event.listens_for(Delivery, "before_delete")
def _kept_until_due(_mapper, _connection, delivery: Delivery) -> None:
    """No route deletes a delivery; should any code try before its retention ends, refuse."""
    if school_today() <= delivery.keep_until:
        raise RuleBroken(_("a delivery record is kept until %(day)s: void it instead",
                           day=delivery.keep_until.isoformat()), "delivery_id", 409)


def _register_rows(start: date, end: date):
    return [(d, name, item) for d, name in named_deliveries(start, end) for item in d.items]


def _yuan(fen: int) -> Decimal:
    return Decimal(fen).scaleb(-2)


exports.register(exports.Register(
    "deliveries", _l("Deliveries (receiving inspection)"),
    (exports.Column(_l("Day"), lambda r: r[0].day),
     exports.Column(_l("Supplier"), lambda r: r[1]),
     exports.Column(_l("Food"), lambda r: r[2].food),
     exports.Column(_l("Quantity"), lambda r: r[2].quantity),
     exports.Column(_l("Unit"), lambda r: r[2].unit),
     exports.Column(_l("Unit price (yuan)"), lambda r: _yuan(r[2].unit_price_fen)),
     exports.Column(_l("Amount (yuan)"), lambda r: _yuan(r[2].amount_fen)),
     exports.Column(_l("Batch"), lambda r: r[2].batch),
     exports.Column(_l("Production date"), lambda r: r[2].production_date),
     exports.Column(_l("Expiry date"), lambda r: r[2].expiry_date),
     exports.Column(_l("Storage"), lambda r: STORAGE[r[2].storage]),
     exports.Column(_l("Temperature (°C)"), lambda r: r[2].temperature_c),
     exports.Column(_l("Result"), lambda r: RESULTS[r[2].result]),
     exports.Column(_l("Reason rejected"), lambda r: r[2].reject_reason),
     exports.Column(_l("Inspector"), lambda r: r[0].inspector),
     exports.Column(_l("Second inspector"), lambda r: r[0].second_inspector),
     exports.Column(_l("Keep until"), lambda r: r[0].keep_until),
     exports.Column(_l("Voided at"), lambda r: r[0].voided_at),
     exports.Column(_l("Voided by"), lambda r: r[0].voided_by),
     exports.Column(_l("Reason voided"), lambda r: r[0].void_reason)),
    _register_rows))
