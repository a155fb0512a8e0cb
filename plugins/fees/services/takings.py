"""The takings (收款): what was received each day (日清) and each month (月结), per payment
method, with voided payments apart and refunds paid out, so the cash counted can be checked
against the receipts. A day's takings are the payments received that day (``received_on``)."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, select

from core.sdk import db, people

from ..models import METHODS, Bill, Payment, Receipt, Refund
from .reports import class_titles


@dataclass(frozen=True)
class MethodTotal:
    method: str
    count: int
    amount: int


@dataclass(frozen=True)
class TakenReceipt:
    """One receipt of the day, as the takings sheet lists it."""

    payment_id: uuid.UUID
    number: str
    student_no: str
    student_name: str
    class_title: str
    method: str
    amount: int
    payer: str
    recorded_by: str
    void_reason: str | None  # None unless voided


def _by_method(rows: Iterable[tuple[str, int, int]]) -> list[MethodTotal]:
    """Count and sum per method, in the order methods are offered."""
    found = {method: MethodTotal(method, int(count), int(amount))
             for method, count, amount in rows}
    return [found[m] for m in (*METHODS, *sorted(set(found) - set(METHODS))) if m in found]


@dataclass(frozen=True)
class Takings:
    """Money taken (payments kept, per method) and paid back (refunds, per method)."""

    methods: list[MethodTotal]
    refunds: list[MethodTotal]

    @property
    def method_names(self) -> list[str]:
        return [m.method for m in self.methods]

    @property
    def count(self) -> int:
        return sum(m.count for m in self.methods)

    @property
    def total(self) -> int:
        return sum(m.amount for m in self.methods)

    @property
    def refunds_total(self) -> int:
        return sum(m.amount for m in self.refunds)

    @property
    def net(self) -> int:
        """Money kept: takings less refunds paid out."""
        return self.total - self.refunds_total


@dataclass(frozen=True)
class DailyTakings(Takings):
    day: date
    receipts: list[TakenReceipt]  # every receipt of the day in number order, voided ones too

    @property
    def voided(self) -> list[TakenReceipt]:
        return [r for r in self.receipts if r.void_reason is not None]

    @property
    def voided_total(self) -> int:
        return sum(r.amount for r in self.voided)

    @property
    def first_receipt(self) -> str | None:
        return self.receipts[0].number if self.receipts else None

    @property
    def last_receipt(self) -> str | None:
        return self.receipts[-1].number if self.receipts else None


def daily_takings(day: date) -> DailyTakings:
    rows = db.session.execute(
        select(Payment.id, Receipt.year, Receipt.seq, Payment.student_id, Bill.class_id,
               Payment.method, Payment.amount_fen, Payment.payer, Payment.recorded_by,
               Payment.voided_at, Payment.void_reason)
        .join(Receipt, Receipt.payment_id == Payment.id)
        .outerjoin(Bill, Bill.id == Payment.bill_id)
        .where(Payment.received_on == day).order_by(Receipt.year, Receipt.seq)).all()
    students = {s.id: s for s in people.students(ids={r.student_id for r in rows})} \
        if rows else {}
    titles = class_titles(r.class_id for r in rows if r.class_id)
    receipts = []
    for (payment_id, year, seq, student_id, class_id, method, amount, payer, by, voided_at,
         reason) in rows:
        student = students.get(student_id)
        receipts.append(TakenReceipt(
            payment_id, f"{year}-{seq:06d}", student.student_no if student else "",
            student.name if student else "?", titles.get(class_id, ""), method, amount, payer,
            by, (reason or "") if voided_at else None))
    kept = defaultdict(lambda: [0, 0])
    for receipt in receipts:
        if receipt.void_reason is None:
            kept[receipt.method][0] += 1
            kept[receipt.method][1] += receipt.amount
    refunds = db.session.execute(
        select(Refund.method, func.count(), func.sum(Refund.amount_fen))
        .where(Refund.status == "paid", Refund.paid_on == day).group_by(Refund.method))
    return DailyTakings(methods=_by_method((m, c, a) for m, (c, a) in kept.items()),
                        refunds=_by_method(refunds), day=day, receipts=receipts)


# --- the month's takings (月结) ------------------------------------------------------------


@dataclass(frozen=True)
class TakingsDay:
    day: date
    amounts: dict[str, int]  # per method
    count: int

    @property
    def total(self) -> int:
        return sum(self.amounts.values())


@dataclass(frozen=True)
class MonthlyTakings(Takings):
    first: date  # the month's first day
    days: list[TakingsDay]  # the days with takings
    voided: MethodTotal  # payments of the month voided since (method "void")


def month_bounds(first: date) -> tuple[date, date]:
    following = (first.replace(day=1) + timedelta(days=32)).replace(day=1)
    return first.replace(day=1), following - timedelta(days=1)


def monthly_takings(first: date) -> MonthlyTakings:
    start, end = month_bounds(first)
    in_month = Payment.received_on.between(start, end)
    rows = db.session.execute(
        select(Payment.received_on, Payment.method, func.count(), func.sum(Payment.amount_fen))
        .where(in_month, Payment.voided_at.is_(None))
        .group_by(Payment.received_on, Payment.method)
        .order_by(Payment.received_on)).all()
    days: dict[date, dict[str, int]] = defaultdict(dict)
    counts: dict[date, int] = defaultdict(int)
    per_method: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for day, method, count, amount in rows:
        days[day][method] = int(amount)
        counts[day] += int(count)
        per_method[method][0] += int(count)
        per_method[method][1] += int(amount)
    voided_count, voided_amount = db.session.execute(
        select(func.count(), func.coalesce(func.sum(Payment.amount_fen), 0))
        .where(in_month, Payment.voided_at.is_not(None))).one()
    refunds = db.session.execute(
        select(Refund.method, func.count(), func.sum(Refund.amount_fen))
        .where(Refund.status == "paid", Refund.paid_on.between(start, end))
        .group_by(Refund.method))
    return MonthlyTakings(
        methods=_by_method((m, c, a) for m, (c, a) in per_method.items()),
        refunds=_by_method(refunds), first=start,
        days=[TakingsDay(day, amounts, counts[day]) for day, amounts in sorted(days.items())],
        voided=MethodTotal("void", int(voided_count), int(voided_amount)))
