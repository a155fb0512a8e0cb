"""Finding a term's bills the way the finance clerk asks for them: by part of a student's
name or the start of the number, by class, by how they are paid. One statement whatever the
school's size; the pages show one bounded page of it."""

from __future__ import annotations

import uuid

from sqlalchemy import Select, case, func, select

from core.sdk import RuleBroken, _, among, db, people, term_span

from ..models import Bill, BillLine, LedgerEntry
from . import billing

# How a bill is paid, as the filter offers it; "owing" is unpaid and partly paid together.
PAID_STATES = ("owing", "unpaid", "partly_paid", "paid", "overpaid", "draft")


def search(term_id: uuid.UUID, q: str = "", class_id: uuid.UUID | None = None,
           paid: str = "") -> Select:
    """The term's bills of the students matching ``q``, in ``class_id``, paid as ``paid``
    says (one of ``PAID_STATES``; empty: any), by class and student."""
    query = select(Bill).where(Bill.term_id == term_id).order_by(Bill.class_id, Bill.student_id)
    if q.strip():
        query = query.where(Bill.student_id.in_(people.student_ids_matching(q)))
    if class_id is not None:
        query = query.where(Bill.class_id == class_id)
    if paid == "draft":
        return query.where(Bill.status == "draft")
    if paid not in PAID_STATES:
        return query
    # the ledger's sums per bill, as ledger.BillMoney works out its status
    amount, kind = LedgerEntry.amount_fen, LedgerEntry.kind
    sums = (select(LedgerEntry.bill_id, func.sum(amount).label("balance"),
                   func.sum(case((kind.in_(("payment", "write_off")), amount), else_=0))
                   .label("settled"))
            .where(LedgerEntry.bill_id.is_not(None)).group_by(LedgerEntry.bill_id).subquery())
    balance = func.coalesce(sums.c.balance, 0)
    settled = func.coalesce(sums.c.settled, 0)
    query = query.outerjoin(sums, sums.c.bill_id == Bill.id).where(Bill.status == "issued")
    return query.where({
        "owing": balance > 0,
        "unpaid": (balance > 0) & (settled == 0),
        "partly_paid": (balance > 0) & (settled != 0),
        "paid": balance == 0,
        "overpaid": balance < 0,
    }[paid])


# A class is a few dozen students: more than this on one printed page is a mistake.
MAX_SHEETS = 400


def issued_of_class(term_id: uuid.UUID, class_id: uuid.UUID) -> list[Bill]:
    """A class's issued bills of a term, by student number, each with its student, money
    and lines (``billing.with_details``), in a few statements: what the class's payment
    notices print. At most ``MAX_SHEETS``. A class or term of another school: a 404."""
    if not people.classes(ids=[class_id], active=False) or term_span(term_id) is None:
        raise RuleBroken(_("no such class or term in this school"), "class_id", status=404)
    found = list(db.session.scalars(select(Bill).where(
        Bill.term_id == term_id, Bill.class_id == class_id, Bill.status == "issued")))
    billing.with_details(found)
    found.sort(key=lambda b: b.student_no)
    found = found[:MAX_SHEETS]
    lines: dict[uuid.UUID, list[BillLine]] = {}
    for line in db.session.scalars(select(BillLine).where(among(BillLine.bill_id,
                                                                [b.id for b in found]))
                                   .order_by(BillLine.created_at, BillLine.id)):
        lines.setdefault(line.bill_id, []).append(line)
    for bill in found:
        bill.lines = lines.get(bill.id, [])
    return found
