"""Fee reports (收费报表): collection per class, the arrears list, the daily takings (日清), the
month's takings (月结) and the term summary. Every figure is integer fen read from the ledger
and the payments in a few set-based queries, so a school of thousands of students costs the
same handful of queries as a class of thirty.

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
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, fields
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from flask_babel import gettext as _
from sqlalchemy import and_, case, func, select

from core.sdk import RuleBroken, TermRef, db, people, terms

from ..models import CATEGORIES, METHODS, Bill, BillLine, LedgerEntry, Payment, Receipt, Refund
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
    titles = _class_titles(row[0] for row in rows)
    found = [Collection(row[0], titles.get(row[0], "?"), *(int(v) for v in row[1:]))
             for row in rows]
    found.sort(key=lambda c: _class_order(titles, c.class_id))
    return found, _total_collection(found)


def _total_collection(rows: list[Collection]) -> Collection:
    figures = [f.name for f in fields(Collection)][2:]
    return Collection(None, _("All classes"),
                      *(sum(getattr(row, name) for row in rows) for name in figures))


def _class_titles(ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, str]:
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
    titles = _class_titles(row.class_id for row in rows)
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


# --- daily takings (日清) ------------------------------------------------------------------


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
    titles = _class_titles(r.class_id for r in rows if r.class_id)
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


# --- the term summary ---------------------------------------------------------------------


@dataclass(frozen=True)
class CategorySummary:
    category: str  # CATEGORIES, or "" for the total
    charged: int  # charge lines
    discounts: int  # discount and waiver lines (negative)
    adjustments: int  # adjustment lines (either sign)
    paid: int
    refunded: int
    written_off: int

    @property
    def due(self) -> int:
        """What the bills ask for after discounts and adjustments (应收)."""
        return self.charged + self.discounts + self.adjustments

    @property
    def outstanding(self) -> int:
        """Still owed (negative: overpaid, money due back)."""
        return self.due - self.paid + self.refunded - self.written_off


@dataclass(frozen=True)
class TermSummary:
    term: TermRef
    bills: int
    categories: list[CategorySummary]
    total: CategorySummary
    credit: int  # paid on this term's bills beyond what they owed, kept on accounts

    @property
    def rate(self) -> str | None:
        return percent(self.total.paid - self.total.refunded, self.total.due)


LINE_FIGURES = {"charge": "charged", "discount": "discounts", "waiver": "discounts",
                "adjustment": "adjustments"}
MONEY_FIGURES = {"payment": "paid", "refund": "refunded", "write_off": "written_off"}


def term_summary(term_id: uuid.UUID) -> TermSummary:
    term = term_of(term_id)
    rows = db.session.execute(
        select(LedgerEntry.bill_id, LedgerEntry.kind, BillLine.kind, BillLine.category,
               func.sum(LedgerEntry.amount_fen))
        .join(Bill, Bill.id == LedgerEntry.bill_id)
        .outerjoin(BillLine, BillLine.id == LedgerEntry.bill_line_id)
        .where(Bill.term_id == term_id, Bill.status == "issued")
        .group_by(LedgerEntry.bill_id, LedgerEntry.kind, BillLine.kind, BillLine.category))
    lines: dict[uuid.UUID, dict[str, dict[str, int]]] = defaultdict(
        lambda: defaultdict(lambda: defaultdict(int)))
    money: dict[uuid.UUID, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for bill_id, entry_kind, line_kind, category, amount in rows:
        if entry_kind in MONEY_FIGURES:
            # kept positive: payments and write-offs lower what is owed
            sign = 1 if entry_kind == "refund" else -1
            money[bill_id][MONEY_FIGURES[entry_kind]] += sign * int(amount)
        else:
            figure = LINE_FIGURES[line_kind or entry_kind]
            lines[bill_id][category or "other"][figure] += int(amount)
    figures: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for bill_id in set(lines) | set(money):
        by_category = lines.get(bill_id, {})
        for category, sums in by_category.items():
            for figure, amount in sums.items():
                figures[category][figure] += amount
        weights = _weights(by_category)
        for figure, amount in money.get(bill_id, {}).items():
            for category, share in _shares(amount, weights).items():
                figures[category][figure] += share
    order = {c: n for n, c in enumerate(CATEGORIES)}
    categories = [CategorySummary(c, *(figures[c][f] for f in _SUMMARY_FIGURES))
                  for c in sorted(figures, key=lambda c: order.get(c, len(order)))]
    total = CategorySummary("", *(sum(getattr(c, f) for c in categories)
                                  for f in _SUMMARY_FIGURES))
    bills = db.session.scalar(select(func.count()).select_from(Bill).where(
        Bill.term_id == term_id, Bill.status == "issued"))
    return TermSummary(term, int(bills), categories, total, _term_credit(term_id))


_SUMMARY_FIGURES = ("charged", "discounts", "adjustments", "paid", "refunded", "written_off")


def _weights(by_category: dict[str, dict[str, int]]) -> dict[str, int]:
    """How a bill's payments are shared among its categories: by what each asks for; when no
    category asks for anything any more, all goes to the one that charged most."""
    due = {c: sum(sums.values()) for c, sums in by_category.items()}
    weights = {c: amount for c, amount in due.items() if amount > 0}
    if weights:
        return weights
    if by_category:
        return {max(by_category, key=lambda c: (by_category[c].get("charged", 0), c)): 1}
    return {"other": 1}


def _shares(amount: int, weights: dict[str, int]) -> dict[str, int]:
    """``amount`` (≥ 0) in whole fen shared in proportion to the weights, adding up exactly:
    each gets its floor, and the fen left over go to the largest remainders."""
    whole = sum(weights.values())
    shares = {c: amount * w // whole for c, w in weights.items()}
    left = amount - sum(shares.values())
    order = {c: n for n, c in enumerate(CATEGORIES)}
    for c in sorted(weights, key=lambda c: (-(amount * weights[c] % whole),
                                            order.get(c, len(order))))[:left]:
        shares[c] += 1
    return shares


def _term_credit(term_id: uuid.UUID) -> int:
    """What was paid on the term's bills beyond their balance and kept as account credit."""
    owed = db.session.scalar(
        select(func.coalesce(func.sum(LedgerEntry.amount_fen), 0))
        .join(Payment, Payment.id == LedgerEntry.payment_id)
        .join(Bill, Bill.id == Payment.bill_id)
        .where(LedgerEntry.bill_id.is_(None), Bill.term_id == term_id))
    return -int(owed)


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
