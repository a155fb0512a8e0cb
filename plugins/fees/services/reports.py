"""Fee reports (收费报表): collection per class and the arrears list here, the daily (日清) and
monthly (月结) takings in ``takings``, the term summary in ``summary``. Every figure is integer
fen read from the ledger and the payments in a few set-based queries, so a school of thousands
of students costs the same handful of queries as a class of thirty.

Choices the reports make (the issue leaves them open):

- A bill belongs to the class it was billed in (``Bill.class_id``), also after a move.
- Only issued bills count; a draft owes nothing yet.
- Collected is paid less refunded; the collection rate is collected over charged, exact to
  two decimals (rounded half up), and None when nothing is charged.
- Payments, refunds and write-offs are made on a bill, not on an item: the term summary shares
  each bill's out among its categories in proportion to what each category charges on that
  bill (largest remainders get the odd fen), so the categories add up exactly to the bills.
- The takings of a day are the payments received that day (``received_on``), voided ones
  listed apart; refunds paid out that day are shown too, so the cash counted can be checked.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, fields
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import and_, case, func, select

from core.sdk import RuleBroken, TermRef, _, db, people, terms

from ..models import Bill, LedgerEntry, Payment
from . import school_zone, today

# --- terms and who sees which classes -----------------------------------------------------


def term_of(term_id: uuid.UUID) -> TermRef:
    for term in terms():
        if term.id == term_id:
            return term
    raise RuleBroken(_("no such term in this school"), "term_id", status=404)


def current_term() -> TermRef | None:
    """The term today falls in; between terms the last one begun; before any, the first."""
    found, now = terms(), today()
    begun = [term for term in found if term.start_date <= now]  # terms never overlap
    if begun:
        return begun[-1]
    return found[0] if found else None


def headed_classes(user_id: int) -> list[people.ClassRef]:
    """The classes this login heads (a class teacher sees their fees and no others')."""
    return [c for c in people.classes() if c.head_teacher_user_id == user_id]


def percent(part: int, whole: int) -> str | None:
    """part of whole as an exact percentage string (66.67%); None when whole is nothing."""
    if whole <= 0:
        return None
    value = (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.01"), ROUND_HALF_UP)
    return f"{value}%"


# --- collection per class ----------------------------------------------------------------


@dataclass(frozen=True)
class Collection:
    """How a class (or the whole school, ``class_id`` None) stands on a term's bills."""

    class_id: uuid.UUID | None
    title: str
    students: int  # issued bills: one per student and term
    charged: int  # what the bills ask for now (charges, discounts, adjustments)
    paid: int
    refunded: int
    written_off: int
    outstanding: int  # still owed on the bills that owe
    due_back: int  # overpaid on the bills that are overpaid
    paid_count: int
    partly_paid_count: int
    unpaid_count: int
    overpaid_count: int

    @property
    def collected(self) -> int:
        return self.paid - self.refunded

    @property
    def rate(self) -> str | None:
        return percent(self.collected, self.charged)


def _bill_sums(term_id: uuid.UUID, class_ids: Iterable[uuid.UUID] | None = None):
    """One row per issued bill of the term: its class, student, issue time and sums by kind."""
    amount, kind = LedgerEntry.amount_fen, LedgerEntry.kind

    def total(*kinds: str):
        return func.coalesce(func.sum(case((kind.in_(kinds), amount), else_=0)), 0)

    query = (select(Bill.id.label("bill_id"), Bill.class_id, Bill.student_id, Bill.issued_at,
                    total("charge", "adjustment").label("charged"),
                    (-total("payment")).label("paid"), total("refund").label("refunded"),
                    (-total("write_off")).label("written_off"),
                    func.coalesce(func.sum(amount), 0).label("balance"))
             .outerjoin(LedgerEntry, LedgerEntry.bill_id == Bill.id)
             .where(Bill.term_id == term_id, Bill.status == "issued")
             .group_by(Bill.id, Bill.class_id, Bill.student_id, Bill.issued_at))
    if class_ids is not None:
        query = query.where(Bill.class_id.in_(list(class_ids)))
    return query.subquery()


def collection(term_id: uuid.UUID, class_ids: Iterable[uuid.UUID] | None = None
               ) -> tuple[list[Collection], Collection]:
    """Each class's standing on the term's bills (by grade and class), and the total."""
    term_of(term_id)
    sums = _bill_sums(term_id, class_ids)
    balance = sums.c.balance
    settled = (sums.c.paid != 0) | (sums.c.written_off != 0)

    def count(condition):
        return func.sum(case((condition, 1), else_=0))

    rows = db.session.execute(
        select(sums.c.class_id, func.count(), func.sum(sums.c.charged), func.sum(sums.c.paid),
               func.sum(sums.c.refunded), func.sum(sums.c.written_off),
               func.sum(case((balance > 0, balance), else_=0)),
               func.sum(case((balance < 0, -balance), else_=0)),
               count(balance == 0), count(and_(balance > 0, settled)),
               count(and_(balance > 0, ~settled)), count(balance < 0))
        .group_by(sums.c.class_id)).all()
    titles = class_titles(row[0] for row in rows)
    found = [Collection(row[0], titles.get(row[0], "?"), *(int(v) for v in row[1:]))
             for row in rows]
    found.sort(key=lambda c: _class_order(titles, c.class_id))
    return found, _total_collection(found)


def _total_collection(rows: list[Collection]) -> Collection:
    figures = [f.name for f in fields(Collection)][2:]
    return Collection(None, _("All classes"),
                      *(sum(getattr(row, name) for row in rows) for name in figures))


def class_titles(ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, str]:
    """Class titles in their school order (grade, then name), graduated classes included."""
    return {c.id: c.title for c in people.classes(ids=set(ids), active=False)}


def _class_order(titles: dict[uuid.UUID, str], class_id: uuid.UUID) -> int:
    order = list(titles)
    return order.index(class_id) if class_id in titles else len(order)


# --- arrears ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Arrear:
    bill_id: uuid.UUID
    student_id: uuid.UUID
    student_no: str
    student_name: str
    class_id: uuid.UUID
    class_title: str
    phones: tuple[str, ...]  # the guardians' phones, to call about it
    amount: int  # still owed on the bill
    credit: int  # the student's account credit, which could pay part of it
    issued_on: date
    days: int  # since the bill was issued


def arrears(term_id: uuid.UUID, class_ids: Iterable[uuid.UUID] | None = None,
            minimum_fen: int = 1) -> list[Arrear]:
    """Students who still owe on the term's bills (at least ``minimum_fen``), by class and
    student number."""
    term_of(term_id)
    sums = _bill_sums(term_id, class_ids)
    rows = db.session.execute(
        select(sums.c.bill_id, sums.c.student_id, sums.c.class_id, sums.c.issued_at,
               sums.c.balance).where(sums.c.balance >= max(minimum_fen, 1))).all()
    student_ids = {row.student_id for row in rows}
    students = {s.id: s for s in people.students(ids=student_ids)} if rows else {}
    phones = people.guardians_of(student_ids) if rows else {}
    credits = _credits(student_ids) if rows else {}
    titles = class_titles(row.class_id for row in rows)
    zone, now = school_zone(), today()
    found = []
    for bill_id, student_id, class_id, issued_at, balance in rows:
        student = students.get(student_id)
        issued_on = issued_at.astimezone(zone).date() if issued_at else now
        found.append(Arrear(
            bill_id, student_id, student.student_no if student else "",
            student.name if student else "?", class_id, titles.get(class_id, "?"),
            tuple(g.phone for g in phones.get(student_id, ())), int(balance),
            credits.get(student_id, 0), issued_on, (now - issued_on).days))
    found.sort(key=lambda a: (_class_order(titles, a.class_id), a.student_no))
    return found


def _credits(student_ids: set[uuid.UUID]) -> dict[uuid.UUID, int]:
    """Each student's account credit (entries with no bill), for those who have any."""
    rows = db.session.execute(
        select(LedgerEntry.student_id, func.sum(LedgerEntry.amount_fen))
        .where(LedgerEntry.bill_id.is_(None), LedgerEntry.student_id.in_(list(student_ids)))
        .group_by(LedgerEntry.student_id))
    return {student_id: -int(owed) for student_id, owed in rows if owed}


# --- the home page ------------------------------------------------------------------------


@dataclass(frozen=True)
class OfficeGlance:
    term: TermRef | None
    rate: str | None
    outstanding: int
    takings_today: int
    takings_count: int


def office_glance() -> OfficeGlance:
    """This term's collection rate and what is owed, and today's takings, for the home page."""
    term = current_term()
    total = collection(term.id)[1] if term else None
    takings = db.session.execute(
        select(func.count(), func.coalesce(func.sum(Payment.amount_fen), 0))
        .where(Payment.received_on == today(), Payment.voided_at.is_(None))).one()
    return OfficeGlance(term, total.rate if total else None, total.outstanding if total else 0,
                        int(takings[1]), int(takings[0]))
