"""Bills and their lines: the primitives every area uses. A draft bill's lines may be
replaced; issuing posts one ledger entry per line; after that a bill only grows by adjustment
lines, each posted as it is added."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import delete, select

from core.sdk import RuleBroken, db, utcnow

from ..models import Bill, BillLine
from . import ledger, who


@dataclass(frozen=True)
class Line:
    """A bill line as billing works it out, before it is stored."""

    kind: str  # charge, discount, waiver, adjustment
    source: str
    code: str
    category: str
    description: str
    quantity: int
    unit_price_fen: int
    amount_fen: int
    fee_item_id: uuid.UUID | None = None
    reason: str = ""

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.kind if self.kind != "adjustment" else "charge", self.source, self.code)


def get_bill(bill_id: uuid.UUID, field: str = "bill_id", status: int = 404,
             lock: bool = False) -> Bill:
    """The school's bill; ``lock`` holds its row until the transaction ends (payments on one
    bill then take turns)."""
    query = select(Bill).where(Bill.id == bill_id)
    bill = db.session.scalar(query.with_for_update() if lock else query)
    if bill is None:
        raise RuleBroken(_("no such bill in this school"), field, status)
    return bill


def lines_of(bill_id: uuid.UUID) -> list[BillLine]:
    return list(db.session.scalars(select(BillLine).where(BillLine.bill_id == bill_id)
                                   .order_by(BillLine.created_at, BillLine.id)))


def _store(bill: Bill, line: Line, by: str) -> BillLine:
    stored = BillLine(bill_id=bill.id, kind=line.kind, source=line.source, code=line.code,
                      fee_item_id=line.fee_item_id, category=line.category,
                      description=line.description[:200], quantity=line.quantity,
                      unit_price_fen=line.unit_price_fen, amount_fen=line.amount_fen,
                      reason=line.reason[:200], created_by=by)
    db.session.add(stored)
    bill.total_fen += line.amount_fen
    return stored


def replace_draft_lines(bill: Bill, lines: list[Line], by: str | None = None) -> None:
    """Set a draft bill's lines to these (billing runs rebuild drafts this way)."""
    if bill.status != "draft":
        raise RuleBroken(_("an issued bill is never changed: add an adjustment"), "bill_id",
                         status=409)
    db.session.execute(delete(BillLine).where(BillLine.bill_id == bill.id))
    bill.total_fen = 0
    name = who(by)
    for line in lines:
        _store(bill, line, name)
    bill.generated_at = utcnow()


def issue(bill: Bill, by: str | None = None) -> None:
    """Issue a draft bill: each of its lines is charged to the ledger, and it is frozen."""
    if bill.status != "draft":
        raise RuleBroken(_("this bill is already issued"), "bill_id", status=409)
    name = who(by)
    db.session.flush()
    for line in lines_of(bill.id):
        if line.amount_fen:
            ledger.post(bill.student_id, "charge" if line.kind == "charge" else "adjustment",
                        line.amount_fen, bill_id=bill.id, bill_line_id=line.id,
                        reason=line.reason or line.description, by=name)
    bill.status, bill.issued_at, bill.issued_by = "issued", utcnow(), name


def adjust(bill: Bill, line: Line, by: str | None = None) -> BillLine:
    """Correct an issued bill by one more line (negative to reduce it), charged at once."""
    if bill.status != "issued":
        raise RuleBroken(_("a draft bill is corrected by billing it again"), "bill_id",
                         status=409)
    if not line.reason.strip():
        raise RuleBroken(_("say why the bill is adjusted"), "reason")
    if line.amount_fen == 0:
        raise RuleBroken(_("an adjustment of zero changes nothing"), "amount_fen")
    name = who(by)
    stored = _store(bill, line, name)
    db.session.flush()
    ledger.post(bill.student_id, "adjustment", line.amount_fen, bill_id=bill.id,
                bill_line_id=stored.id, reason=line.reason, by=name)
    return stored
