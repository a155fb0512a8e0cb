"""Bills and their lines: the primitives every area uses. A draft bill's lines may be
replaced; issuing posts one ledger entry per line; after that a bill only grows by adjustment
lines, each posted as it is added.

A bill made by billing is audited as one event holding the bill's values and, per line, its
id, code and amount (a term's bills are tens of thousands; the event of each line in full
would be most of what billing writes). Nothing is lost: a line is never changed once written
(the app role may not update the table), and when a draft's lines are replaced each removed
line's event holds all its values."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from core.sdk import RuleBroken, _, ascending_ids, audit, db, utcnow, uuid7

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
    per_absent_day: bool | None = None  # a module's line: see houqin_fee_charges

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
    stored = BillLine(**_line_row(bill.id, line, by, utcnow()))
    db.session.add(stored)
    bill.total_fen += line.amount_fen
    return stored


def line_values(line: Line) -> dict[str, Any]:
    """The columns of a stored line that come from the line worked out (texts cut to fit)."""
    return {"kind": line.kind, "source": line.source, "code": line.code,
            "fee_item_id": line.fee_item_id, "category": line.category,
            "description": line.description[:200], "quantity": line.quantity,
            "unit_price_fen": line.unit_price_fen, "amount_fen": line.amount_fen,
            "reason": line.reason[:200], "per_absent_day": line.per_absent_day}


def _line_row(bill_id: uuid.UUID, line: Line, by: str, now: datetime,
              line_id: uuid.UUID | None = None) -> dict[str, Any]:
    return {"id": line_id or uuid7(), "bill_id": bill_id, **line_values(line),
            "created_by": by, "created_at": now}


@dataclass(frozen=True)
class NewBill:
    """A bill billing is about to make, with its lines."""

    term_id: uuid.UUID
    student_id: uuid.UUID
    class_id: uuid.UUID
    lines: list[Line]


def create_bills(new: list[NewBill], by: str | None = None, issue: bool = False) -> list[uuid.UUID]:
    """Make these bills with their lines in a few statements (a term's bills are thousands),
    as drafts, or issued at once with their lines charged (``issue``). Returns their ids."""
    name, now = who(by), utcnow()
    if new and db.session.connection().dialect.name == "postgresql":
        from .bills_at_once import create_drafts  # it builds on this module's lines

        return create_drafts(new, name, now, issue)
    return create_row_by_row(new, name, now, issue)


def create_row_by_row(new: list[NewBill], name: str, now: datetime,
                      issue: bool = False) -> list[uuid.UUID]:
    """``create_bills`` a row at a time (in a few statements), on every database."""
    bill_rows, line_rows, charges = [], [], []
    for spec in new:
        bill_id = uuid7()
        rows = [_line_row(bill_id, line, name, now, line_id) for line, line_id
                in zip(spec.lines, ascending_ids(len(spec.lines)), strict=True)]
        bill_rows.append({
            "id": bill_id, "term_id": spec.term_id, "student_id": spec.student_id,
            "class_id": spec.class_id, "status": "issued" if issue else "draft",
            "total_fen": sum(row["amount_fen"] for row in rows), "generated_at": now,
            "issued_at": now if issue else None, "issued_by": name if issue else None,
            "version": 1})
        line_rows += rows
        if issue:
            charges += _charges(spec.student_id, bill_id, rows)
    stored_bills = audit.insert_many(Bill, bill_rows, audited=False)
    lines_of_bill: dict[str, list[dict[str, Any]]] = {}
    for row in audit.insert_many(BillLine, line_rows, audited=False):
        lines_of_bill.setdefault(row["bill_id"], []).append(
            {"id": row["id"], "code": row["code"], "amount_fen": row["amount_fen"]})
    audit.record_many("create", Bill, [(row["id"], None, {**row, "lines": lines_of_bill.get(
        row["id"], [])}) for row in stored_bills])
    ledger.post_many(charges, by=name)
    return [row["id"] for row in bill_rows]


def replace_draft_lines(bill: Bill, lines: list[Line], by: str | None = None) -> None:
    """Set a draft bill's lines to these (billing runs rebuild drafts this way)."""
    replace_drafts_lines([(bill, lines)], by=by)


def replace_drafts_lines(changes: list[tuple[Bill, list[Line]]],
                         current: list[BillLine] | None = None, by: str | None = None) -> None:
    """Set the lines of several draft bills at once; ``current``: their lines as loaded
    already (else they are read here). The old lines' removal is audited like any delete."""
    for bill, _lines in changes:
        if bill.status != "draft":
            raise RuleBroken(_("an issued bill is never changed: add an adjustment"), "bill_id",
                             status=409)
    ids = {bill.id for bill, _lines in changes}
    if current is None:
        current = list(db.session.scalars(select(BillLine).where(BillLine.bill_id.in_(ids))))
    for old in current:
        if old.bill_id in ids:
            db.session.delete(old)
    db.session.flush()
    name, now = who(by), utcnow()
    rows = []
    for bill, lines in changes:
        rows += [_line_row(bill.id, line, name, now, line_id) for line, line_id
                 in zip(lines, ascending_ids(len(lines)), strict=True)]
        bill.total_fen = sum(line.amount_fen for line in lines)
        bill.generated_at = now
    audit.insert_many(BillLine, rows)


def _charges(student_id: uuid.UUID, bill_id: uuid.UUID, rows) -> list[dict[str, Any]]:
    """The ledger entries issuing charges: one per line that is not zero."""
    return [{"student_id": student_id, "kind": "charge" if row["kind"] == "charge"
             else "adjustment", "amount_fen": row["amount_fen"], "bill_id": bill_id,
             "bill_line_id": row["id"], "reason": row["reason"] or row["description"]}
            for row in rows if row["amount_fen"]]


def issue(bill: Bill, by: str | None = None) -> None:
    """Issue a draft bill: each of its lines is charged to the ledger, and it is frozen."""
    issue_bills([bill], by)


def issue_bills(bills: list[Bill], by: str | None = None) -> None:
    """Issue draft bills at once: every line charged to the ledger, every bill frozen."""
    if any(bill.status != "draft" for bill in bills):
        raise RuleBroken(_("this bill is already issued"), "bill_id", status=409)
    if not bills:
        return
    name, now = who(by), utcnow()
    db.session.flush()
    students = {bill.id: bill.student_id for bill in bills}
    rows = db.session.execute(
        select(BillLine.id, BillLine.bill_id, BillLine.kind, BillLine.amount_fen,
               BillLine.reason, BillLine.description)
        .where(BillLine.bill_id.in_(list(students)))
        .order_by(BillLine.created_at, BillLine.id)).mappings()
    ledger.post_many([charge for row in rows
                      for charge in _charges(students[row["bill_id"]], row["bill_id"], [row])],
                     by=name)
    for bill in bills:
        bill.status, bill.issued_at, bill.issued_by = "issued", now, name


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
