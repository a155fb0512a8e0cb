"""Selling at the tuck shop: from unexpired batches only, first expiry first out, never more
than is on the shelf; a sale is voided (not deleted) on its day; the day's takings in fen."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import case, func, select

from core.sdk import RuleBroken, _, db, first_writer, require_tenant
from core.sdk import lazy_gettext as _l

from .. import exports
from ..models import TuckBatch, TuckProduct, TuckSale, TuckSaleDraw
from .tuckshop import get_product, is_open


def _product_sold(data: dict[str, Any]) -> tuple[TuckProduct, str]:
    """The product a sale names, and the field that named it (for a refusal)."""
    if data.get("barcode"):
        product = db.session.scalar(select(TuckProduct).where(
            TuckProduct.barcode == data["barcode"]))
        if product is None:
            raise RuleBroken(_("no product has this barcode"), "barcode")
        return product, "barcode"
    return get_product(data["product_id"], status=422), "product_id"


def _replayed(request_key: str, product: TuckProduct, quantity: int) -> TuckSale | None:
    """The sale an earlier request with the same Idempotency-Key made, if any."""
    earlier = db.session.scalar(select(TuckSale).where(TuckSale.request_key == request_key))
    if earlier is not None and (earlier.product_id, earlier.quantity) != (product.id, quantity):
        raise RuleBroken(_("this Idempotency-Key was used for another sale"), "Idempotency-Key",
                         status=409)
    return earlier


def sell(data: dict[str, Any], sold_by: str, today: date, now: datetime,
         request_key: str | None = None) -> TuckSale:
    """Sell ``quantity`` of a product at its price now, taking the goods from the batches that
    expire first. Refused: a retired product, one whose stock left is all expired, and more
    than the unexpired stock. With a ``request_key`` seen before, the earlier sale is returned
    and nothing is sold twice."""
    require_tenant()
    product, field = _product_sold(data)
    quantity = data["quantity"]
    if request_key and (earlier := _replayed(request_key, product, quantity)) is not None:
        return earlier
    if not product.active:
        raise RuleBroken(_("%(name)s is no longer sold", name=product.name), field)
    # Locked until the sale commits (PostgreSQL), so two tills cannot sell the same goods.
    batches = db.session.scalars(select(TuckBatch).where(
        TuckBatch.product_id == product.id, TuckBatch.on_hand > 0, TuckBatch.expires_on >= today)
        .order_by(TuckBatch.expires_on, TuckBatch.received_at).with_for_update()).all()
    sellable = sum(batch.on_hand for batch in batches)
    if sellable == 0:
        expired = db.session.scalar(select(func.coalesce(func.sum(TuckBatch.on_hand), 0)).where(
            TuckBatch.product_id == product.id, TuckBatch.on_hand > 0,
            TuckBatch.expires_on < today))
        if expired:
            raise RuleBroken(_("all the %(name)s left has expired: it cannot be sold and is to "
                               "be removed", name=product.name), field)
        raise RuleBroken(_("%(name)s is sold out", name=product.name), field)
    if quantity > sellable:
        raise RuleBroken(_("only %(n)s %(unit)s of %(name)s can be sold (not expired)",
                           n=sellable, unit=product.unit, name=product.name), "quantity")
    sale = TuckSale(product_id=product.id, quantity=quantity, unit_price_fen=product.price_fen,
                    total_fen=product.price_fen * quantity, day=today, sold_at=now,
                    sold_by=sold_by, request_key=request_key)
    # Two tills sending the same key at once both found it unused: the one that wrote first
    # made the sale, and the other answers with that sale.
    won = first_writer(sale, field="Idempotency-Key",
                       winner=lambda: _replayed(request_key, product, quantity)
                       if request_key else None)
    if won is not sale:
        return won
    left = quantity
    for batch in batches:
        taken = min(left, batch.on_hand)
        batch.on_hand -= taken
        db.session.add(TuckSaleDraw(sale_id=sale.id, batch_id=batch.id, quantity=taken))
        left -= taken
        if left == 0:
            break
    db.session.flush()
    return sale


def get_sale(sale_id: uuid.UUID) -> TuckSale:
    sale = db.session.scalar(select(TuckSale).where(TuckSale.id == sale_id))
    if sale is None:
        raise RuleBroken(_("no such sale in this tuck shop"), "sale_id", status=404)
    return sale


def void_sale(sale_id: uuid.UUID, reason: str, voided_by: str, today: date,
              now: datetime) -> TuckSale:
    """Undo a mistaken sale on its own day: the goods go back to the batches they came from
    and the sale stays, marked void with the reason. Another day's takings are closed."""
    sale = get_sale(sale_id)
    if sale.voided_at is not None:
        raise RuleBroken(_("this sale was voided already"), "sale_id", status=409)
    if sale.day != today:
        raise RuleBroken(_("a sale is voided on the day it was made"), "sale_id", status=409)
    draws = db.session.scalars(select(TuckSaleDraw).where(TuckSaleDraw.sale_id == sale.id)).all()
    batches = {batch.id: batch for batch in db.session.scalars(select(TuckBatch).where(
        TuckBatch.id.in_([d.batch_id for d in draws])).with_for_update())}
    for draw in draws:
        batches[draw.batch_id].on_hand += draw.quantity
    sale.voided_at, sale.voided_by, sale.void_reason = now, voided_by, reason
    db.session.flush()
    return sale


def sales(start: date, end: date) -> list[tuple[TuckSale, TuckProduct]]:
    require_tenant()
    return list(db.session.execute(
        select(TuckSale, TuckProduct).join(TuckProduct, TuckProduct.id == TuckSale.product_id)
        .where(TuckSale.day >= start, TuckSale.day <= end).order_by(TuckSale.sold_at)).all())


def takings(day: date) -> dict[str, Any]:
    """The day's takings in fen, in total and by product, with what the goods sold cost
    (voided sales count for nothing)."""
    require_tenant()
    # Summed by the database, product by product: the day's sales are not loaded one by one.
    kept = TuckSale.voided_at.is_(None)
    per_product = db.session.execute(
        select(TuckProduct.id, TuckProduct.name, TuckProduct.unit,
               func.count(TuckSale.id).label("sold"),
               func.sum(case((kept, 1), else_=0)).label("kept"),
               func.sum(case((kept, TuckSale.quantity), else_=0)).label("quantity"),
               func.sum(case((kept, TuckSale.total_fen), else_=0)).label("takings_fen"))
        .join(TuckProduct, TuckProduct.id == TuckSale.product_id).where(TuckSale.day == day)
        .group_by(TuckProduct.id, TuckProduct.name, TuckProduct.unit))
    costs = dict(db.session.execute(
        select(TuckSale.product_id, func.sum(TuckSaleDraw.quantity * TuckBatch.cost_fen))
        .join(TuckSaleDraw, TuckSaleDraw.sale_id == TuckSale.id)
        .join(TuckBatch, TuckBatch.id == TuckSaleDraw.batch_id)
        .where(TuckSale.day == day, kept).group_by(TuckSale.product_id)).all())
    lines, sales, voided = [], 0, 0
    for row in per_product:
        sales, voided = sales + int(row.kept), voided + int(row.sold - row.kept)
        if row.kept:
            lines.append({"product_id": row.id, "product": row.name, "unit": row.unit,
                          "quantity": int(row.quantity), "takings_fen": int(row.takings_fen),
                          "cost_fen": int(costs.get(row.id) or 0)})
    lines.sort(key=lambda line: line["product"])
    return {"day": day, "sales": sales, "voided": voided,
            "items": sum(line["quantity"] for line in lines),
            "takings_fen": sum(line["takings_fen"] for line in lines),
            "cost_fen": sum(line["cost_fen"] for line in lines), "products": lines}


exports.register(exports.Register(
    "tuck_shop_sales", _l("Tuck shop sales"),
    (exports.Column(_l("Day"), lambda r: r[0].day),
     exports.Column(_l("Sold at"), lambda r: r[0].sold_at),
     exports.Column(_l("Product"), lambda r: r[1].name),
     exports.Column(_l("Quantity"), lambda r: r[0].quantity),
     exports.Column(_l("Price (fen)"), lambda r: r[0].unit_price_fen),
     exports.Column(_l("Total (fen)"), lambda r: r[0].total_fen),
     exports.Column(_l("Sold by"), lambda r: r[0].sold_by),
     exports.Column(_l("Voided at"), lambda r: r[0].voided_at),
     exports.Column(_l("Voided by"), lambda r: r[0].voided_by),
     exports.Column(_l("Reason for voiding"), lambda r: r[0].void_reason)),
    sales, available=is_open))
