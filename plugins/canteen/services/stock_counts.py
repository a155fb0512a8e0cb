"""Stock counts (盘点): the counter writes down what is found of each lot; each difference from
the book becomes an "adjust" entry of the ledger, with who counted and when."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from core.sdk import RuleBroken, _, db, require_tenant
from core.sdk import lazy_gettext as _l

from .. import exports
from ..models import StockCount, StockCountLine, StockLot, StockMovement
from . import today
from .stock import balances, cost_of, normal, sheet_number, who


def record_count(data: dict[str, Any]) -> StockCount:
    """Record a count of some or all lots (a lot left out is not counted, not zero).

    ``book``, when a line gives it, is the quantity the counter was shown; a lot that moved
    since is refused (409) so that a count entered late, or twice, cannot adjust twice.
    """
    require_tenant()
    day = data.get("day") or today()
    if day > today():
        raise RuleBroken(_("lies in the future"), "day")
    lines = data["lines"]
    ids = [line["lot_id"] for line in lines]
    for number, lot_id in enumerate(ids):
        if lot_id in ids[:number]:
            raise RuleBroken(_("this lot is counted twice"), f"lines.{number}.lot_id")
    lots = {lot.id: lot for lot in db.session.scalars(
        select(StockLot).where(StockLot.id.in_(ids)).with_for_update())}
    book = balances(list(lots))
    for number, line in enumerate(lines):
        if line["lot_id"] not in lots:
            raise RuleBroken(_("no such lot in this school"), f"lines.{number}.lot_id")
        seen, now = line.get("book"), book[line["lot_id"]]
        if seen is not None and seen != now:
            raise RuleBroken(_("this lot has moved since the sheet was opened: the book now "
                               "says %(now)s, count it again", now=normal(now)),
                             f"lines.{number}.book", status=409)
    person = who(data.get("counted_by"))
    count = StockCount(day=day, counted_by=person, note=data.get("note", ""))
    db.session.add(count)
    db.session.flush()
    for line in lines:
        lot = lots[line["lot_id"]]
        db.session.add(StockCountLine(count_id=count.id, lot_id=lot.id, book=book[lot.id],
                                      counted=line["counted"]))
        difference = line["counted"] - book[lot.id]
        if difference:
            db.session.add(StockMovement(
                lot_id=lot.id, kind="adjust", quantity=difference, day=day, count_id=count.id,
                cost_fen=cost_of(difference, lot.unit_price_fen), recorded_by=person))
    db.session.flush()
    return count


def get_count(count_id: uuid.UUID) -> StockCount:
    count = db.session.scalar(select(StockCount).where(StockCount.id == count_id))
    if count is None:
        raise RuleBroken(_("no such count in this school"), "count_id", status=404)
    return count


def _counted(line: StockCountLine, lot: StockLot) -> dict[str, Any]:
    difference = line.counted - line.book
    return {"lot_id": lot.id, "food": lot.food, "unit": lot.unit, "batch": lot.batch,
            "expiry_date": lot.expiry_date, "book": line.book, "counted": line.counted,
            "difference": difference, "difference_fen": cost_of(difference, lot.unit_price_fen)}


def count_result(count_id: uuid.UUID) -> dict[str, Any]:
    """A count with each lot's book, counted quantity, difference and its value in fen."""
    count = get_count(count_id)
    lines = [_counted(line, lot) for line, lot in db.session.execute(
        select(StockCountLine, StockLot).join(StockLot, StockLot.id == StockCountLine.lot_id)
        .where(StockCountLine.count_id == count.id)
        .order_by(StockLot.food, StockLot.unit, StockLot.expiry_date))]
    return {"id": count.id, "day": count.day, "counted_by": count.counted_by,
            "note": count.note, "recorded_at": count.recorded_at, "lines": lines,
            "difference_fen": sum(line["difference_fen"] for line in lines)}


def counts_query():
    return select(StockCount).order_by(StockCount.day.desc(), StockCount.recorded_at.desc(),
                                       StockCount.id)


def _count_rows(start: date, end: date):
    return db.session.execute(
        select(StockCount, StockCountLine, StockLot)
        .join(StockCountLine, StockCountLine.count_id == StockCount.id)
        .join(StockLot, StockLot.id == StockCountLine.lot_id)
        .where(StockCount.day >= start, StockCount.day <= end)
        .order_by(StockCount.day, StockCount.recorded_at, StockLot.food, StockLot.unit)).all()


def _difference(row) -> Decimal:
    return row[1].counted - row[1].book


exports.register(exports.Register(
    "stock_counts", _l("Stock counts"),
    (exports.Column(_l("Day"), lambda r: r[0].day),
     exports.Column(_l("Counted by"), lambda r: r[0].counted_by),
     exports.Column(_l("Food"), lambda r: r[2].food),
     exports.Column(_l("Unit"), lambda r: r[2].unit),
     exports.Column(_l("Batch"), lambda r: r[2].batch),
     exports.Column(_l("Expiry date"), lambda r: r[2].expiry_date),
     exports.Column(_l("Book"), lambda r: sheet_number(r[1].book)),
     exports.Column(_l("Counted"), lambda r: sheet_number(r[1].counted)),
     exports.Column(_l("Difference"), lambda r: sheet_number(_difference(r))),
     exports.Column(_l("Difference (fen)"),
                    lambda r: cost_of(_difference(r), r[2].unit_price_fen))),
    _count_rows))
