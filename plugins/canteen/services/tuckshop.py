"""The tuck shop (小卖部): a part of the canteen a school switches on in its settings
(``tuck_shop``). Products, the batches they arrive in, and what has expired and must come off
the shelf. Selling is in ``tuckshop_sales``.

A batch's ``expires_on`` is the last day it may be sold (保质期至): from the next day on it is
expired. Expired food is never sold (《中华人民共和国食品安全法》第三十四条第十项 forbids
selling food past its shelf life) and is listed for removal (第五十四条: check stock regularly
and clear out food past its shelf life). Removals are append-only, and so is the trail of which
batch each sale drew on.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Select, select

from core.sdk import NotFound, RuleBroken, SheetColumn, _, _l, db, first_writer, require_tenant

from .. import exports
from ..models import TuckBatch, TuckProduct, TuckRemoval
from . import settings

# A date further ahead than this is a typing slip (2062 for 2026), not a shelf life.
LONGEST_SHELF_LIFE = timedelta(days=3650)


def is_open() -> bool:
    """Whether the school in context has the tuck shop switched on (off by default)."""
    return bool(settings().get("tuck_shop"))


def switched_on(view: Callable) -> Callable:
    """The guard on every tuck-shop route, API and page alike, put right under the route so
    that it runs before anything else: while the shop is off its routes do not exist (404),
    as for a module that is off."""

    @functools.wraps(view)
    def guarded(*args, **kwargs):
        if not is_open():
            raise NotFound(_("this school has no tuck shop (see the canteen settings)"))
        return view(*args, **kwargs)

    return guarded


# --- products ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Stock:
    on_hand: int = 0  # unexpired: what may be sold
    expired_on_hand: int = 0  # still on the shelf, to be removed
    next_expiry: date | None = None  # of what may be sold


def get_product(product_id: uuid.UUID, field: str = "product_id",
                status: int = 404) -> TuckProduct:
    product = db.session.scalar(select(TuckProduct).where(TuckProduct.id == product_id))
    if product is None:
        raise RuleBroken(_("no such product in this tuck shop"), field, status)
    return product


def _check_unique(data: dict[str, Any], ignore: uuid.UUID | None = None) -> None:
    for field in ("name", "barcode"):
        if data.get(field) is None:
            continue
        found = db.session.scalar(select(TuckProduct.id).where(
            getattr(TuckProduct, field) == data[field]))
        if found is not None and found != ignore:
            raise RuleBroken(_("another product has “%(value)s” already", value=data[field]),
                             field)


def create_product(data: dict[str, Any]) -> TuckProduct:
    require_tenant()
    _check_unique(data)
    # Two people adding the same product at once: the second hears it is taken.
    return first_writer(TuckProduct(**data), winner=lambda: _check_unique(data))


def update_product(product_id: uuid.UUID, changes: dict[str, Any]) -> TuckProduct:
    """A new price holds for sales from now on; past sales keep the price they were sold at."""
    product = get_product(product_id)
    _check_unique(changes, ignore=product.id)
    return first_writer(product, changes=changes,
                        winner=lambda: _check_unique(changes, ignore=product.id))


def products(barcode: str | None = None):
    """The statement listing the products, the ones on sale first."""
    statement = select(TuckProduct).order_by(TuckProduct.active.desc(), TuckProduct.name)
    return statement.where(TuckProduct.barcode == barcode) if barcode else statement


def stock(product_ids: list[uuid.UUID], today: date) -> dict[uuid.UUID, Stock]:
    """What is on the shelf of each product on ``today``, sellable and expired."""
    found: dict[uuid.UUID, Stock] = {}
    if not product_ids:
        return found
    batches = db.session.scalars(select(TuckBatch).where(
        TuckBatch.product_id.in_(product_ids), TuckBatch.on_hand > 0)
        .order_by(TuckBatch.expires_on)).all()
    for batch in batches:  # the first to expire first, so next_expiry is the earliest
        held = found.get(batch.product_id, Stock())
        if batch.expires_on < today:
            found[batch.product_id] = Stock(held.on_hand, held.expired_on_hand + batch.on_hand,
                                            held.next_expiry)
        else:
            found[batch.product_id] = Stock(held.on_hand + batch.on_hand, held.expired_on_hand,
                                            held.next_expiry or batch.expires_on)
    return found


# --- batches -------------------------------------------------------------------------------


def receive_batch(product_id: uuid.UUID, data: dict[str, Any], today: date) -> TuckBatch:
    """Put a delivery on the shelf. Its expiry date is given, or worked out from its
    production date and the product's shelf life. Refused: goods expired already, made in the
    future, or expiring before they were made."""
    product = get_product(product_id)
    if not product.active:
        raise RuleBroken(_("this product is retired: put it on sale again first"), "product_id")
    produced, expires = data.get("produced_on"), data.get("expires_on")
    if expires is None and produced is not None and product.shelf_life_days:
        expires = produced + timedelta(days=product.shelf_life_days - 1)
    if expires is None:
        raise RuleBroken(_("give the expiry date (or the production date of a product with a "
                           "shelf life)"), "expires_on")
    if produced is not None and produced > today:
        raise RuleBroken(_("lies in the future"), "produced_on")
    if produced is not None and expires < produced:
        raise RuleBroken(_("expires before it was made"), "expires_on")
    if expires < today:
        raise RuleBroken(_("this batch has expired already: do not take it in"), "expires_on")
    if expires > today + LONGEST_SHELF_LIFE:
        raise RuleBroken(_("more than ten years ahead: check the date"), "expires_on")
    batch = TuckBatch(product_id=product.id, quantity=data["quantity"],
                      on_hand=data["quantity"], cost_fen=data["cost_fen"], produced_on=produced,
                      expires_on=expires, received_on=today, received_by=data["received_by"])
    db.session.add(batch)
    db.session.flush()
    return batch


def batches_of(product_id: uuid.UUID) -> list[TuckBatch]:
    """A product's batches still on the shelf, the first to expire first."""
    get_product(product_id)
    return list(db.session.scalars(select(TuckBatch).where(
        TuckBatch.product_id == product_id, TuckBatch.on_hand > 0)
        .order_by(TuckBatch.expires_on, TuckBatch.received_at)))


def _on_shelf(*conditions) -> list[tuple[TuckBatch, TuckProduct]]:
    require_tenant()
    if not is_open():
        return []  # a shop that is off reminds no one of anything
    return list(db.session.execute(
        select(TuckBatch, TuckProduct).join(TuckProduct, TuckProduct.id == TuckBatch.product_id)
        .where(TuckBatch.on_hand > 0, *conditions)
        .order_by(TuckBatch.expires_on, TuckProduct.name)).all())


def expired_batches(today: date) -> list[tuple[TuckBatch, TuckProduct]]:
    """Batches past their expiry date with goods still on the shelf: they cannot be sold and
    are to be removed. Empty while the school's tuck shop is off."""
    return _on_shelf(TuckBatch.expires_on < today)


def expiring_batches(today: date, within_days: int) -> list[tuple[TuckBatch, TuckProduct]]:
    """Batches on the shelf whose last day of sale is ``today`` or one of the ``within_days``
    days after it. Empty while the school's tuck shop is off."""
    return _on_shelf(TuckBatch.expires_on >= today,
                     TuckBatch.expires_on <= today + timedelta(days=within_days))


def warn_days() -> int:
    return int(settings().get("tuck_shop_warn_days", 7))


# --- removals ------------------------------------------------------------------------------


def get_batch(batch_id: uuid.UUID, lock: bool = False) -> TuckBatch:
    statement = select(TuckBatch).where(TuckBatch.id == batch_id)
    batch = db.session.scalar(statement.with_for_update() if lock else statement)
    if batch is None:
        raise RuleBroken(_("no such batch in this tuck shop"), "batch_id", status=404)
    return batch


def remove_from_shelf(batch_id: uuid.UUID, data: dict[str, Any], removed_by: str,
                      today: date, now: datetime) -> TuckRemoval:
    """Take goods of a batch off the shelf for good (all that is left unless a quantity is
    given), with the reason. The record cannot be changed afterwards."""
    batch = get_batch(batch_id, lock=True)
    if batch.on_hand == 0:
        raise RuleBroken(_("nothing of this batch is left"), "batch_id", status=409)
    quantity = data.get("quantity") or batch.on_hand
    if quantity > batch.on_hand:
        raise RuleBroken(_("only %(n)s of this batch are left", n=batch.on_hand), "quantity")
    batch.on_hand -= quantity
    removal = TuckRemoval(batch_id=batch.id, quantity=quantity, reason=data["reason"],
                          removed_by=removed_by, day=today, removed_at=now)
    db.session.add(removal)
    db.session.flush()
    return removal


def removals_between(start: date, end: date) -> Select:
    """The goods taken off the shelf from ``start`` to ``end``, in the order taken (a
    statement, for a list to read a page at a time; ``product_names`` names a page's)."""
    require_tenant()
    return (select(TuckRemoval).where(TuckRemoval.day >= start, TuckRemoval.day <= end)
            .order_by(TuckRemoval.removed_at, TuckRemoval.id))


def product_names(found: list[TuckRemoval]) -> dict[uuid.UUID, str]:
    """The product's name of each removal, by the removal's id, in one statement."""
    if not found:
        return {}
    return dict(db.session.execute(
        select(TuckRemoval.id, TuckProduct.name)
        .join(TuckBatch, TuckBatch.id == TuckRemoval.batch_id)
        .join(TuckProduct, TuckProduct.id == TuckBatch.product_id)
        .where(TuckRemoval.id.in_([removal.id for removal in found]))).all())


def removals(start: date, end: date) -> list[tuple[TuckRemoval, TuckBatch, TuckProduct]]:
    return list(db.session.execute(
        select(TuckRemoval, TuckBatch, TuckProduct)
        .join(TuckBatch, TuckBatch.id == TuckRemoval.batch_id)
        .join(TuckProduct, TuckProduct.id == TuckBatch.product_id)
        .where(TuckRemoval.day >= start, TuckRemoval.day <= end)
        .order_by(TuckRemoval.removed_at)).all())


def _received(start: date, end: date):
    return db.session.execute(
        select(TuckBatch, TuckProduct).join(TuckProduct, TuckProduct.id == TuckBatch.product_id)
        .where(TuckBatch.received_on >= start, TuckBatch.received_on <= end)
        .order_by(TuckBatch.received_at)).all()


exports.register(exports.Register(
    "tuck_shop_products", _l("Tuck shop products received"),
    (SheetColumn(_l("Received on"), lambda r: r[0].received_on),
     SheetColumn(_l("Product"), lambda r: r[1].name),
     SheetColumn(_l("Barcode"), lambda r: r[1].barcode),
     SheetColumn(_l("Unit"), lambda r: r[1].unit),
     SheetColumn(_l("Price now (fen)"), lambda r: r[1].price_fen),
     SheetColumn(_l("Quantity"), lambda r: r[0].quantity),
     SheetColumn(_l("Cost per unit (fen)"), lambda r: r[0].cost_fen),
     SheetColumn(_l("Produced on"), lambda r: r[0].produced_on),
     SheetColumn(_l("Expires on"), lambda r: r[0].expires_on),
     SheetColumn(_l("On hand"), lambda r: r[0].on_hand),
     SheetColumn(_l("Received by"), lambda r: r[0].received_by)),
    _received, available=is_open))

exports.register(exports.Register(
    "tuck_shop_removals", _l("Tuck shop removals"),
    (SheetColumn(_l("Day"), lambda r: r[0].day),
     SheetColumn(_l("Product"), lambda r: r[2].name),
     SheetColumn(_l("Expires on"), lambda r: r[1].expires_on),
     SheetColumn(_l("Quantity"), lambda r: r[0].quantity),
     SheetColumn(_l("Reason"), lambda r: r[0].reason),
     SheetColumn(_l("Removed by"), lambda r: r[0].removed_by),
     SheetColumn(_l("Removed at"), lambda r: r[0].removed_at)),
    removals, available=is_open))
