"""The ledger: the only place that posts entries, the balances derived from them, and the
reconciliation that proves bills, ledger, payments, receipts and refunds agree.

Signs: an entry's ``amount_fen`` is its effect on what the family owes. A bill's balance is
the sum of its entries (negative: the bill is overpaid, money is due back); a student's
credit is what sits on the account with no bill (overpayments), shown as a positive number.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import case, func, select

from core.sdk import RuleBroken, _, ascending_ids, audit, db

from ..models import Bill, BillLine, LedgerEntry, Payment, Receipt, Refund
from . import today, who

# The sign each kind's amount must have (None: either, but not zero).
SIGNS = {"charge": 1, "payment": -1, "refund": 1, "adjustment": None, "write_off": -1}


def post(student_id: uuid.UUID, kind: str, amount_fen: int, *, bill_id: uuid.UUID | None = None,
         bill_line_id: uuid.UUID | None = None, payment_id: uuid.UUID | None = None,
         refund_id: uuid.UUID | None = None, reverses_id: uuid.UUID | None = None,
         reason: str = "", by: str | None = None) -> LedgerEntry:
    """Append one entry. Nothing else writes the ledger (``post_many`` appends many)."""
    entry = LedgerEntry(**_entry(student_id, kind, amount_fen, bill_id=bill_id,
                                 bill_line_id=bill_line_id, payment_id=payment_id,
                                 refund_id=refund_id, reverses_id=reverses_id, reason=reason,
                                 by=who(by)))
    db.session.add(entry)
    db.session.flush()
    return entry


def post_many(entries: Iterable[dict[str, Any]], by: str | None = None) -> list[dict[str, Any]]:
    """Append many entries at once (issuing a term's bills), each checked as ``post`` checks
    it: dicts of ``post``'s arguments. Returns the rows as stored (plain JSON values).

    The ledger is itself the record of each entry (append-only, with who posted it and when),
    so the audit trail gets one event for the batch (``batch_event``), not one per entry: a
    term's issuing is tens of thousands of entries."""
    name = who(by)
    checked = [_entry(by=name, **entry) for entry in entries]
    rows = [{"id": entry_id, **entry}
            for entry_id, entry in zip(ascending_ids(len(checked)), checked, strict=True)]
    stored = audit.insert_many(LedgerEntry, rows, audited=False)
    if stored:
        audit.record_many("create", LedgerEntry, [batch_event(stored)])
    return stored


def batch_event(stored: list[dict[str, Any]]) -> tuple[str, None, dict[str, Any]]:
    """The audit event of entries posted together: how many, their sum, and the first and
    last id (the batch's ids are one ascending block, so the two name every entry of it)."""
    ids = [str(row["id"]) for row in stored]
    return (ids[0], None, {"entries": len(stored),
                           "amount_fen": sum(row["amount_fen"] for row in stored),
                           "first_id": ids[0], "last_id": ids[-1]})


def _entry(student_id: uuid.UUID, kind: str, amount_fen: int, *, by: str,
           bill_id: uuid.UUID | None = None, bill_line_id: uuid.UUID | None = None,
           payment_id: uuid.UUID | None = None, refund_id: uuid.UUID | None = None,
           reverses_id: uuid.UUID | None = None, reason: str = "") -> dict[str, Any]:
    if kind not in SIGNS:
        raise ValueError(f"unknown ledger entry kind {kind!r}")
    if not isinstance(amount_fen, int) or isinstance(amount_fen, bool) or amount_fen == 0:
        raise RuleBroken(_("a whole number of fen other than zero"), "amount_fen")
    sign = SIGNS[kind]
    if reverses_id is None and sign is not None and (amount_fen > 0) != (sign > 0):
        raise ValueError(f"a {kind} entry must be {'positive' if sign > 0 else 'negative'}")
    return {"student_id": student_id, "kind": kind, "amount_fen": amount_fen, "bill_id": bill_id,
            "bill_line_id": bill_line_id, "payment_id": payment_id, "refund_id": refund_id,
            "reverses_id": reverses_id, "reason": reason[:200], "day": today(),
            "created_by": by}


def bill_balance(bill_id: uuid.UUID) -> int:
    """What is still owed on the bill (negative when it is overpaid)."""
    return db.session.scalar(select(func.coalesce(func.sum(LedgerEntry.amount_fen), 0))
                             .where(LedgerEntry.bill_id == bill_id))


@dataclass(frozen=True)
class BillMoney:
    charged: int  # charges and adjustments: what the bill asks for now
    paid: int  # payments, net of voided ones (positive)
    refunded: int  # refunds paid out (positive)
    written_off: int  # positive
    balance: int  # still owed; negative when overpaid

    @property
    def paid_not_owed(self) -> int:
        """What of the money paid (less refunds paid out) the bill no longer asks for: the
        most that can go back (negative or zero when nothing can)."""
        return min(self.paid - self.refunded, -self.balance)

    @property
    def status(self) -> str:
        """unpaid, partly_paid, paid (nothing owed), or overpaid (money due back)."""
        if self.balance < 0:
            return "overpaid"
        if self.balance == 0:
            return "paid"
        return "partly_paid" if self.paid or self.written_off else "unpaid"


def bill_money(bill_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, BillMoney]:
    """Each bill's sums by kind, in one query (bills with no entry are absent)."""
    ids = list(bill_ids)
    if not ids:
        return {}
    amount, kind = LedgerEntry.amount_fen, LedgerEntry.kind

    def total(*kinds: str):
        return func.coalesce(func.sum(case((kind.in_(kinds), amount), else_=0)), 0)

    rows = db.session.execute(
        select(LedgerEntry.bill_id, total("charge", "adjustment"), total("payment"),
               total("refund"), total("write_off"), func.sum(amount))
        .where(LedgerEntry.bill_id.in_(ids)).group_by(LedgerEntry.bill_id))
    return {bill_id: BillMoney(charged, -paid, refunded, -written_off, balance)
            for bill_id, charged, paid, refunded, written_off, balance in rows}


def credit_of(student_id: uuid.UUID) -> int:
    """The student's credit: overpayments kept on the account, not yet used or refunded."""
    owed = db.session.scalar(select(func.coalesce(func.sum(LedgerEntry.amount_fen), 0))
                             .where(LedgerEntry.student_id == student_id,
                                    LedgerEntry.bill_id.is_(None)))
    return -owed


@dataclass(frozen=True)
class Discrepancy:
    check: str
    subject: str  # what it is about (a bill, a payment, a receipt year)
    detail: str


def reconcile() -> list[Discrepancy]:
    """Every way the school's money records could disagree, checked from the rows: none
    found means bills = ledger charges and payments = receipts. A test runs it after every
    scenario; the finance pages show it."""
    found: list[Discrepancy] = []
    found += _bills_match_their_lines()
    found += _issued_lines_are_charged()
    found += _payments_match_receipts()
    found += _payments_match_ledger()
    found += _refunds_match_ledger()
    found += _receipt_numbers_have_no_gaps()
    return found


def _bills_match_their_lines() -> list[Discrepancy]:
    lines = (select(BillLine.bill_id, func.sum(BillLine.amount_fen).label("total"))
             .group_by(BillLine.bill_id).subquery())
    rows = db.session.execute(
        select(Bill.id, Bill.total_fen, func.coalesce(lines.c.total, 0))
        .outerjoin(lines, lines.c.bill_id == Bill.id)
        .where(Bill.total_fen != func.coalesce(lines.c.total, 0)))
    return [Discrepancy("bill_total", str(bill_id), f"total {total} != lines {summed}")
            for bill_id, total, summed in rows]


def _issued_lines_are_charged() -> list[Discrepancy]:
    """Each line of an issued bill has exactly one charge or adjustment entry of its amount,
    and a draft bill has none."""
    entries = (select(LedgerEntry.bill_line_id, func.sum(LedgerEntry.amount_fen).label("total"),
                      func.count().label("n"))
               .where(LedgerEntry.bill_line_id.is_not(None))
               .group_by(LedgerEntry.bill_line_id).subquery())
    rows = db.session.execute(
        select(BillLine.id, Bill.status, BillLine.amount_fen, entries.c.total, entries.c.n)
        .join(Bill, Bill.id == BillLine.bill_id)
        .outerjoin(entries, entries.c.bill_line_id == BillLine.id))
    found = []
    for line_id, status, amount, posted, count in rows:
        if status == "issued" and (count != 1 or posted != amount):
            found.append(Discrepancy("line_charged", str(line_id),
                                     f"line {amount} != ledger {posted} ({count or 0} entries)"))
        elif status != "issued" and count:
            found.append(Discrepancy("draft_charged", str(line_id), "a draft line is charged"))
    return found


def _payments_match_receipts() -> list[Discrepancy]:
    rows = db.session.execute(
        select(Payment.id, Payment.amount_fen, Payment.voided_at, Receipt.amount_fen,
               Receipt.voided_at, Receipt.id)
        .outerjoin(Receipt, Receipt.payment_id == Payment.id))
    found = []
    for payment_id, amount, voided, receipt_amount, receipt_voided, receipt_id in rows:
        if receipt_id is None:
            found.append(Discrepancy("receipt", str(payment_id), "payment without a receipt"))
        elif receipt_amount != amount or (voided is None) != (receipt_voided is None):
            found.append(Discrepancy("receipt", str(payment_id),
                                     "receipt differs from its payment in amount or voiding"))
    orphans = db.session.scalars(select(Receipt.id).outerjoin(
        Payment, Payment.id == Receipt.payment_id).where(Payment.id.is_(None)))
    found += [Discrepancy("receipt", str(r), "receipt without a payment") for r in orphans]
    return found


def _payments_match_ledger() -> list[Discrepancy]:
    """A payment's entries total minus its amount, or nothing once it is voided."""
    posted = (select(LedgerEntry.payment_id, func.sum(LedgerEntry.amount_fen).label("total"))
              .where(LedgerEntry.payment_id.is_not(None))
              .group_by(LedgerEntry.payment_id).subquery())
    rows = db.session.execute(
        select(Payment.id, Payment.amount_fen, Payment.voided_at, posted.c.total)
        .outerjoin(posted, posted.c.payment_id == Payment.id))
    found = []
    for payment_id, amount, voided, total in rows:
        expected = 0 if voided else -amount
        if (total or 0) != expected:
            found.append(Discrepancy("payment_ledger", str(payment_id),
                                     f"ledger {total or 0} != {expected}"))
    return found


def _refunds_match_ledger() -> list[Discrepancy]:
    """A paid refund has one refund entry of its amount; a due one has none."""
    posted = (select(LedgerEntry.refund_id, func.sum(LedgerEntry.amount_fen).label("total"))
              .where(LedgerEntry.kind == "refund")
              .group_by(LedgerEntry.refund_id).subquery())
    rows = db.session.execute(
        select(Refund.id, Refund.amount_fen, Refund.status, posted.c.total)
        .outerjoin(posted, posted.c.refund_id == Refund.id))
    found = []
    for refund_id, amount, status, total in rows:
        expected = amount if status == "paid" else 0
        if (total or 0) != expected:
            found.append(Discrepancy("refund_ledger", str(refund_id),
                                     f"ledger {total or 0} != {expected}"))
    return found


def _receipt_numbers_have_no_gaps() -> list[Discrepancy]:
    rows = db.session.execute(select(Receipt.year, func.count(), func.min(Receipt.seq),
                                     func.max(Receipt.seq)).group_by(Receipt.year))
    return [Discrepancy("receipt_numbers", str(year),
                        f"{count} receipts numbered {first}–{last}")
            for year, count, first, last in rows if first != 1 or last != count]
