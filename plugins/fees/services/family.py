"""What a guardian sees: the issued bills of their own children, each bill's lines, payments
and refunds, and the receipts. A child is the guardian's when the school linked the guardian's
login to the child (core's Guardian.user_id); anything else is "no such bill" (404), so a
guardian cannot even learn that another child's bill exists."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import func, select

from core.sdk import RuleBroken, _, db, people, require_tenant, terms

from ..models import Bill, BillLine, LedgerEntry, Payment, Receipt, Refund
from . import bills, ledger, settings

# A bill reads charges first, then what lowers them, then later corrections.
LINE_ORDER = {"charge": 0, "discount": 1, "waiver": 1, "adjustment": 2}


@dataclass(frozen=True)
class ChildBill:
    bill: Bill
    child: people.StudentRef
    term_title: str
    money: ledger.BillMoney


@dataclass(frozen=True)
class ChildPayment:
    payment: Payment
    receipt: Receipt


@dataclass(frozen=True)
class ChildReceipt(ChildPayment):
    child: people.StudentRef
    payee: str  # the name receipts are made out in


@dataclass(frozen=True)
class BillDetail:
    of: ChildBill
    lines: list[BillLine]
    payments: list[ChildPayment]
    refunds: list[Refund]


@dataclass(frozen=True)
class ChildStanding:
    child: people.StudentRef
    owed: int  # still owed on the child's bills
    credit: int  # on the child's account, from overpayments


def children(user_id: int) -> dict[uuid.UUID, people.StudentRef]:
    return {child.id: child for child in people.children_of_user(user_id)}


def bills_of(user_id: int) -> list[ChildBill]:
    """The issued bills of the guardian's children, the latest term first."""
    mine = children(user_id)
    if not mine:
        return []
    found = db.session.scalars(select(Bill).where(Bill.student_id.in_(list(mine)),
                                                  Bill.status == "issued")).all()
    return _with_money(found, mine)


def _with_money(found: list[Bill], mine: dict[uuid.UUID, people.StudentRef]
                ) -> list[ChildBill]:
    money = ledger.bill_money(b.id for b in found)
    term_titles = {t.id: (n, t.title) for n, t in enumerate(terms())}
    nothing = ledger.BillMoney(0, 0, 0, 0, 0)
    rows = [ChildBill(b, mine[b.student_id], term_titles.get(b.term_id, (-1, ""))[1],
                      money.get(b.id, nothing)) for b in found]
    rows.sort(key=lambda r: (-term_titles.get(r.bill.term_id, (-1, ""))[0], r.child.name))
    return rows


def bill_of(user_id: int, bill_id: uuid.UUID) -> BillDetail:
    """One of the guardian's children's bills with its lines, payments and refunds."""
    mine = children(user_id)
    bill = bills.get_bill(bill_id)
    if bill.student_id not in mine or bill.status != "issued":
        raise RuleBroken(_("no such bill in this school"), "bill_id", status=404)
    paid = db.session.execute(
        select(Payment, Receipt).join(Receipt, Receipt.payment_id == Payment.id)
        .where(Payment.bill_id == bill.id).order_by(Receipt.year, Receipt.seq)).all()
    refunds = db.session.scalars(select(Refund).where(Refund.bill_id == bill.id)
                                 .order_by(Refund.created_at)).all()
    lines = sorted(bills.lines_of(bill.id), key=lambda line: LINE_ORDER.get(line.kind, 9))
    return BillDetail(_with_money([bill], mine)[0], lines,
                      [ChildPayment(p, r) for p, r in paid], list(refunds))


def receipt_of(user_id: int, payment_id: uuid.UUID) -> ChildReceipt:
    """The receipt of a payment made for one of the guardian's children."""
    found = db.session.execute(
        select(Payment, Receipt).join(Receipt, Receipt.payment_id == Payment.id)
        .where(Payment.id == payment_id)).first()
    mine = children(user_id)
    if found is None or found[0].student_id not in mine:
        raise RuleBroken(_("no such payment in this school"), "payment_id", status=404)
    payment, receipt = found
    return ChildReceipt(payment, receipt, mine[payment.student_id],
                        settings()["payee"] or require_tenant().name)


def standing(user_id: int) -> list[ChildStanding]:
    """What each of the guardian's children still owes on its bills (an overpaid bill does not
    lower what another owes) and holds as credit, in one query."""
    mine = children(user_id)
    if not mine:
        return []
    owed: dict[uuid.UUID, int] = dict.fromkeys(mine, 0)
    credit: dict[uuid.UUID, int] = dict.fromkeys(mine, 0)
    for student_id, bill_id, amount in db.session.execute(
            select(LedgerEntry.student_id, LedgerEntry.bill_id, func.sum(LedgerEntry.amount_fen))
            .where(LedgerEntry.student_id.in_(list(mine)))
            .group_by(LedgerEntry.student_id, LedgerEntry.bill_id)):
        if bill_id is None:
            credit[student_id] = -int(amount)
        else:
            owed[student_id] += max(int(amount), 0)
    return [ChildStanding(child, owed[child.id], credit[child.id])
            for child in sorted(mine.values(), key=lambda c: c.name)]
