"""Kindergarten absences and the refunds they earn, by the rule in force (``regulations.toml``,
which a district may override). Only for a school whose fee setting ``absence_refunds`` is on.

How the rule is read — the choices where it is silent:

* A *run* is a stretch of consecutive calendar days away (weekends and holidays included),
  made of one absence or of several that touch (the next starts the day after the last one
  ends: a child recorded sick twice in a row was away the whole time). Runs are cut to the
  term; an absence never spans two terms.
* The care fee (保教费) is every bill line of a fee item of category ``care`` billed per month
  or per term. Its *monthly fee* is what the item's lines on the bill come to (discounts and
  waivers included, so no family gets back more than it was charged) divided by the months
  billed: the charge's quantity for an item per month, the calendar months the term touches
  for an item per term.
* ``whole_months``: each full run of ``absence_care_refund_after_days`` days earns one monthly
  fee, counted in the month in which those days are complete (a run of 65 days with the
  national 30 earns two). ``pro_rata``: once a run reaches the days, each month it touches
  earns the monthly fee × the run's school days in that month ÷ the term's school days in that
  month.
* Meals are refunded for every absent school day, however short the absence, while
  ``absence_meal_refund_per_school_day`` is 1: fee items of category ``meals`` billed per
  school day, and every module's charges by the school day (lines that say
  ``per_absent_day``, see ``houqin_fee_charges``: the canteen's meals, a daily milk) at the
  line's daily price less the same module's other lines shared by their days (its subsidies
  per day, and the school's concessions on the item it prices: the family never paid those)
  — never for more days than the line billed. A line stored before the contract said so
  (``per_absent_day`` NULL) counts as charged by the day when it is the canteen's meals
  (source ``canteen``, code ``meals.<tier>`` or ``canteen:meals.<tier>``), as lines were
  read then; stored lines are never rewritten.
* Amounts are worked out exactly (fractions) per student, item and month, then rounded half
  up to the fen once; an item never gives back more than its lines charged.
* Applying lowers the bill by an adjustment line (code ``absence:<item>:<yyyy-mm>``) and
  decides a refund (key ``absence:<student>:<item>:<yyyy-mm>``) of as much of it as was paid
  and is not owed; what was not paid is simply no longer owed. A student, item and month once
  applied is final: working the refunds out again applies only what is new, and shows a month
  whose figure has changed since (an absence recorded later) without changing it.
"""

from __future__ import annotations

import math
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from fractions import Fraction
from typing import Any

from sqlalchemy import Select, select

from core.sdk import RuleBroken, TermRef, _, among, db, people, school_days, term_span, terms
from core.sdk import lazy_gettext as _l

from .. import ANY_CLASS
from ..models import Absence, Bill, BillLine, FeeItem, Refund
from ..regulations import rules
from . import bills, ledger, refunds, reports, settings, who

AFTER_DAYS = "absence_care_refund_after_days"
MODE = "absence_care_refund_mode"
MEALS = "absence_meal_refund_per_school_day"
MODES = ("whole_months", "pro_rata")
MODE_TITLES = {"whole_months": _l("one month's fee for each full run of those days"),
               "pro_rata": _l("the month's fee pro rata to the absent school days, once a run "
                              "reaches those days")}
CODE_PREFIX = "absence:"


def require_on() -> None:
    if not settings()["absence_refunds"]:
        raise RuleBroken(_("absence refunds are off for this school: switch on the fee "
                           "setting absence_refunds first"), "absence_refunds", status=409)


# --- months and runs ------------------------------------------------------------------------


def month_of(day: date) -> date:
    return day.replace(day=1)


def next_month(month: date) -> date:
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


def months_touched(first: date, last: date) -> list[date]:
    """The first day of every calendar month from ``first`` to ``last``."""
    months, month = [], month_of(first)
    while month <= last:
        months.append(month)
        month = next_month(month)
    return months


@dataclass(frozen=True)
class Run:
    """Consecutive calendar days away, both ends included."""

    first: date
    last: date

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1


def runs_of(absences: list[Absence]) -> list[Run]:
    """The runs the absences make: touching absences join into one."""
    found: list[Run] = []
    for absence in sorted(absences, key=lambda a: a.starts_on):
        if found and absence.starts_on <= found[-1].last + timedelta(days=1):
            found[-1] = Run(found[-1].first, max(found[-1].last, absence.ends_on))
        else:
            found.append(Run(absence.starts_on, absence.ends_on))
    return found


def half_up(amount: Fraction) -> int:
    """An exact amount of fen rounded half up to a whole fen (四舍五入; amounts here are
    never negative)."""
    return math.floor(amount + Fraction(1, 2))


# --- recording absences ---------------------------------------------------------------------


def get_absence(absence_id: uuid.UUID) -> Absence:
    found = db.session.scalar(select(Absence).where(Absence.id == absence_id))
    if found is None:
        raise RuleBroken(_("no such absence in this school"), "absence_id", status=404)
    return found


def term_of(first: date, last: date) -> TermRef:
    """The term an absence lies in; it may not reach past the term's last day."""
    for term in terms():
        if term.start_date <= first <= term.end_date:
            if last > term.end_date:
                raise RuleBroken(_("the term ends on %(day)s: record the days after it as an "
                                   "absence of the next term", day=term.end_date.isoformat()),
                                 "ends_on")
            return term
    raise RuleBroken(_("this day lies in no term of the school"), "starts_on")


def classes_allowed(permissions: frozenset[str], user_id: int | None) -> set[uuid.UUID] | None:
    """The classes whose absences this person records and sees: every class (None) with
    ``fees.absences.any_class`` (the office, the nurse), else the classes they head."""
    if ANY_CLASS in permissions:
        return None
    return {c.id for c in reports.headed_classes(user_id)} if user_id else set()


def _check_class(found: list[people.StudentRef], allowed: set[uuid.UUID] | None) -> None:
    """``found``: the student as ``people.students`` reads them (empty: no such student)."""
    if allowed is not None and not any(s.class_id in allowed for s in found):
        raise RuleBroken(_("you record absences only for the classes you head"), "student_id",
                         status=403)


def record(data: dict[str, Any], by: str | None = None,
           allowed: set[uuid.UUID] | None = None) -> Absence:
    """Record a child's absence, first to last day (both included), within one term; one
    that overlaps an absence of the same child already recorded is refused. ``allowed``:
    the classes whose children this person may record (None: every class)."""
    require_on()
    student_id, first, last = data["student_id"], data["starts_on"], data["ends_on"]
    found = people.students([student_id])
    if not found:
        raise RuleBroken(_("no such student in this school"), "student_id")
    _check_class(found, allowed)
    if last < first:
        raise RuleBroken(_("the last day lies before the first"), "ends_on")
    term_of(first, last)
    clash = db.session.scalar(select(Absence).where(
        Absence.student_id == student_id, Absence.starts_on <= last, Absence.ends_on >= first)
        .order_by(Absence.starts_on))
    if clash is not None:
        raise RuleBroken(_("overlaps the absence recorded from %(first)s to %(last)s",
                           first=clash.starts_on.isoformat(), last=clash.ends_on.isoformat()),
                         "starts_on", status=409)
    absence = Absence(student_id=student_id, starts_on=first, ends_on=last,
                      reason=data["reason"].strip(), recorded_by=who(by))
    db.session.add(absence)
    db.session.flush()
    return absence


def listing(term_id: uuid.UUID | None = None, student_id: uuid.UUID | None = None,
            class_id: uuid.UUID | None = None,
            allowed: set[uuid.UUID] | None = None) -> Select:
    """The absences these filters pick, latest first (of the ``allowed`` classes' children
    only, when given)."""
    query = select(Absence)
    if allowed is not None:
        query = query.where(among(Absence.student_id, [
            s.id for s in people.students() if s.class_id in allowed]))
    if term_id is not None:
        span = term_span(term_id)
        if span is None:
            raise RuleBroken(_("no such term in this school"), "term_id")
        query = query.where(Absence.starts_on <= span[1], Absence.ends_on >= span[0])
    if student_id is not None:
        query = query.where(Absence.student_id == student_id)
    if class_id is not None:
        query = query.where(among(Absence.student_id,
                                  [s.id for s in people.students(class_id=class_id)]))
    return query.order_by(Absence.starts_on.desc(), Absence.student_id, Absence.id)


def _applied_months(student_id: uuid.UUID) -> set[str]:
    """The months (yyyy-mm) of the student's bills already lowered for an absence."""
    codes = db.session.scalars(
        select(BillLine.code).join(Bill, Bill.id == BillLine.bill_id)
        .where(Bill.student_id == student_id, BillLine.code.startswith(CODE_PREFIX)))
    return {code.rsplit(":", 1)[1] for code in codes}


def delete(absence_id: uuid.UUID, allowed: set[uuid.UUID] | None = None) -> None:
    """Delete an absence recorded by mistake — only while no refund was worked out from its
    run: once a month the run touches has been applied, the absence is part of the bill.
    An absence this school does not have is not found before anything else is said of it."""
    absence = get_absence(absence_id)
    require_on()
    _check_class(people.students([absence.student_id]), allowed)
    theirs = list(db.session.scalars(select(Absence).where(
        Absence.student_id == absence.student_id)))
    run = next(r for r in runs_of(theirs) if r.first <= absence.starts_on <= r.last)
    touched = {f"{m:%Y-%m}" for m in months_touched(run.first, run.last)}
    if touched & _applied_months(absence.student_id):
        raise RuleBroken(_("refunds were already worked out from this absence: it stays on "
                           "record"), "absence_id", status=409)
    db.session.delete(absence)
    db.session.flush()


# --- working out the refunds ----------------------------------------------------------------


@dataclass
class Due:
    """What the rule gives back for one student, item and month."""

    student_id: uuid.UUID
    bill_id: uuid.UUID
    kind: str  # care, meals (the bill line's category)
    item_key: str  # the fee item's id, or a module's per-day line code (canteen:meals.full)
    fee_item_id: uuid.UUID | None
    title: str
    month: date
    per: str  # what the quantity counts: month (of care fee, whole_months) or school_day
    quantity: int
    amount_fen: int  # what the bill is lowered by
    refund_fen: int = 0  # of it, what is (or would be) refunded: what was paid
    applied_fen: int | None = None  # what was applied before, if it was
    refund_status: str | None = None  # due, paid (of the refund decided, when applied)

    @property
    def code(self) -> str:
        return f"{CODE_PREFIX}{self.item_key}:{self.month:%Y-%m}"

    @property
    def refund_key(self) -> str:
        return f"{CODE_PREFIX}{self.student_id}:{self.item_key}:{self.month:%Y-%m}"

    @property
    def status(self) -> str:
        """new (to apply), applied, or changed (applied with another figure; left as is)."""
        if self.applied_fen is None:
            return "new"
        return "applied" if self.applied_fen == self.amount_fen else "changed"


@dataclass
class AbsenceRefundReport:
    term_id: uuid.UUID
    after_days: int
    mode: str
    meals: bool
    dues: list[Due] = field(default_factory=list)
    skipped: dict[uuid.UUID, str] = field(default_factory=dict)  # student: no_bill, draft


@dataclass
class _Acc:
    """Exact amounts and quantities by month, for one item of one student."""

    amounts: dict[date, Fraction] = field(default_factory=lambda: defaultdict(Fraction))
    quantities: dict[date, int] = field(default_factory=lambda: defaultdict(int))

    def add(self, month: date, amount: Fraction, quantity: int = 1) -> None:
        self.amounts[month] += amount
        self.quantities[month] += quantity


def _rule() -> tuple[int, str, bool]:
    in_force = rules()
    after, mode = int(in_force[AFTER_DAYS].value), str(in_force[MODE].value)
    if mode not in MODES or after < 1:
        raise RuleBroken(_("the absence rule in force is not one this module knows: %(mode)s, "
                           "%(days)s days", mode=mode, days=after), MODE, status=409)
    return after, mode, int(in_force[MEALS].value) == 1


@dataclass(frozen=True)
class _Term:
    span: tuple[date, date]
    school: frozenset[date]  # its school days
    month_days: dict[date, int]  # school days of the term in each month
    months: int  # calendar months it touches


def _term(term_id: uuid.UUID) -> _Term:
    span = term_span(term_id)
    if span is None:
        raise RuleBroken(_("no such term in this school"), "term_id", status=404)
    days = school_days(*span)
    month_days: dict[date, int] = defaultdict(int)
    for day in days:
        month_days[month_of(day)] += 1
    return _Term(span, frozenset(days), dict(month_days), len(months_touched(*span)))


def work_out(term_id: uuid.UUID) -> AbsenceRefundReport:
    """What the rule gives back for the term's absences, student by student (a dry run:
    nothing is written). Students without an issued bill for the term are listed as
    skipped."""
    require_on()
    term = _term(term_id)
    after, mode, meals = _rule()
    outcome = AbsenceRefundReport(term_id, after, mode, meals)
    by_student: dict[uuid.UUID, list[Absence]] = defaultdict(list)
    for absence in db.session.scalars(select(Absence).where(
            Absence.starts_on <= term.span[1], Absence.ends_on >= term.span[0])):
        by_student[absence.student_id].append(absence)
    if not by_student:
        return outcome
    bills_of = {b.student_id: b for b in db.session.scalars(select(Bill).where(
        Bill.term_id == term_id, Bill.student_id.in_(list(by_student))))}
    issued = [b.id for b in bills_of.values() if b.status == "issued"]
    lines_of: dict[uuid.UUID, list[BillLine]] = defaultdict(list)
    for line in db.session.scalars(select(BillLine).where(BillLine.bill_id.in_(issued))
                                   .order_by(BillLine.created_at, BillLine.id)):
        lines_of[line.bill_id].append(line)
    items = {i.id: i for i in db.session.scalars(select(FeeItem).where(FeeItem.id.in_(
        {line.fee_item_id for ls in lines_of.values() for line in ls if line.fee_item_id})))}
    refunds_of: dict[uuid.UUID, list[Refund]] = defaultdict(list)
    for refund in db.session.scalars(select(Refund).where(Refund.bill_id.in_(issued))):
        refunds_of[refund.bill_id].append(refund)
    money = ledger.bill_money(issued)
    for student_id in sorted(by_student):
        bill = bills_of.get(student_id)
        if bill is None or bill.status != "issued":
            outcome.skipped[student_id] = "no_bill" if bill is None else "draft"
            continue
        runs = [Run(max(r.first, term.span[0]), min(r.last, term.span[1]))
                for r in runs_of(by_student[student_id])]
        lines = lines_of[bill.id]
        dues = _care(bill, lines, items, runs, term, after, mode)
        if meals:
            dues += _meals(bill, lines, items, runs, term)
        _with_refunds(dues, money.get(bill.id), refunds_of[bill.id])
        outcome.dues += dues
    return outcome


def _charged_lines(lines: list[BillLine]) -> list[BillLine]:
    return [line for line in lines if not line.code.startswith(CODE_PREFIX)]


def _applied(lines: list[BillLine]) -> dict[str, tuple[int, int]]:
    """The absence lines on a bill by code: (amount taken off, quantity)."""
    return {line.code: (-line.amount_fen, line.quantity) for line in lines
            if line.code.startswith(CODE_PREFIX)}


def _item_groups(lines: list[BillLine], items: dict[uuid.UUID, FeeItem], category: str,
                 units: tuple[str, ...]) -> dict[uuid.UUID, list[BillLine]]:
    """The lines of each fee item the school prices itself (not another module's), by item."""
    groups: dict[uuid.UUID, list[BillLine]] = defaultdict(list)
    for line in _charged_lines(lines):
        item = items.get(line.fee_item_id)
        if (line.source == "fees" and line.category == category and item is not None
                and item.source is None and item.unit in units):
            groups[item.id].append(line)
    return groups


def _care(bill: Bill, lines: list[BillLine], items: dict[uuid.UUID, FeeItem], runs: list[Run],
          term: _Term, after: int, mode: str) -> list[Due]:
    dues = []
    for item_id, group in _item_groups(lines, items, "care", ("month", "term")).items():
        item = items[item_id]
        charged = sum(line.amount_fen for line in group)
        months = (sum(line.quantity for line in group if line.kind == "charge")
                  if item.unit == "month" else term.months)
        if charged <= 0 or months <= 0:
            continue
        monthly = Fraction(charged, months)
        acc = _Acc()
        for run in runs:
            if mode == "whole_months":
                for full in range(1, run.days // after + 1):
                    acc.add(month_of(run.first + timedelta(days=full * after - 1)), monthly)
            elif run.days >= after:
                for day in _school_days_of(run, term):
                    month = month_of(day)
                    acc.add(month, monthly / term.month_days[month])
        per = "month" if mode == "whole_months" else "school_day"
        dues += _capped(bill, "care", str(item_id), item_id, item.name, acc, per, charged, None,
                        _applied(lines))
    return dues


def _school_days_of(run: Run, term: _Term) -> list[date]:
    return [run.first + timedelta(days=n) for n in range(run.days)
            if run.first + timedelta(days=n) in term.school]


def _meals(bill: Bill, lines: list[BillLine], items: dict[uuid.UUID, FeeItem], runs: list[Run],
           term: _Term) -> list[Due]:
    absent = [day for run in runs for day in _school_days_of(run, term)]
    if not absent:
        return []
    dues = []
    applied = _applied(lines)
    for item_id, group in _item_groups(lines, items, "meals", ("school_day",)).items():
        charged = sum(line.amount_fen for line in group)
        days = sum(line.quantity for line in group if line.kind == "charge")
        if charged > 0 and days > 0:
            dues += _capped(bill, "meals", str(item_id), item_id, items[item_id].name,
                            _per_day(absent, Fraction(charged, days)), "school_day", charged,
                            days, applied)
    charged_lines = _charged_lines(lines)
    daily = [line for line in charged_lines if _by_the_day(line)]
    for source in sorted({line.source for line in daily}):
        # the module's other lines, and the school's concessions on an item it prices
        its = [line for line in charged_lines if line.source == source or (
            line.fee_item_id in items and items[line.fee_item_id].source == source)]
        days_of = [line for line in daily if line.source == source]
        # its subsidies per day, concessions and corrections: not a charge of something else
        shared = sum(line.amount_fen for line in its if line not in days_of
                     and (line.kind != "charge" or line.per_absent_day))
        billed_days = sum(line.quantity for line in days_of)
        for line in days_of:
            # subsidies and concessions are shared among the per-day lines by their days
            charged = line.amount_fen + Fraction(shared * line.quantity, billed_days)
            item = items.get(line.fee_item_id)
            title = item.name if item is not None else line.description
            if charged > 0:
                dues += _capped(bill, line.category, line.code, None, title,
                                _per_day(absent, charged / line.quantity), "school_day",
                                math.floor(charged), line.quantity, applied)
    return dues


LEGACY_DAILY = ("meals.", "canteen:meals.")  # the canteen's meal codes, as stored before


def _by_the_day(line: BillLine) -> bool:
    """Whether a module's line charges by the school day (refunded per absent day): as it
    says (``per_absent_day``), or for a line stored before it could say, the canteen's
    meals as they were recognised then."""
    if line.quantity <= 0 or line.amount_fen <= 0 or line.kind != "charge":
        return False
    if line.per_absent_day is not None:
        return line.per_absent_day
    return line.source == "canteen" and line.code.startswith(LEGACY_DAILY)


def _per_day(absent: list[date], daily: Fraction) -> _Acc:
    acc = _Acc()
    for day in absent:
        acc.add(month_of(day), daily)
    return acc


def _capped(bill: Bill, kind: str, item_key: str, fee_item_id: uuid.UUID | None, title: str,
            acc: _Acc, per: str, limit_fen: int, limit_days: int | None,
            applied: dict[str, tuple[int, int]]) -> list[Due]:
    """Month by month, the rounded amounts, never more in all than the item charged (nor for
    more days than it billed); months applied before count against the limit as applied."""
    dues = []
    left_fen, left_days = limit_fen, limit_days
    prefix = f"{CODE_PREFIX}{item_key}:"
    months = sorted(set(acc.amounts) | {date.fromisoformat(code[len(prefix):] + "-01")
                                        for code in applied if code.startswith(prefix)})
    for month in months:
        exact, quantity = acc.amounts.get(month, Fraction(0)), acc.quantities.get(month, 0)
        if left_days is not None and quantity > left_days:
            exact, quantity = exact * left_days / quantity, left_days
        amount = min(half_up(exact), max(left_fen, 0))
        due = Due(bill.student_id, bill.id, kind, item_key, fee_item_id, title, month, per,
                  quantity, amount)
        before = applied.get(due.code)
        if before is not None:
            due.applied_fen = before[0]
            amount, quantity = before
        elif amount <= 0:
            continue
        left_fen -= amount
        if left_days is not None:
            left_days -= quantity
        dues.append(due)
    return dues


def _with_refunds(dues: list[Due], money: ledger.BillMoney | None,
                  decided: list[Refund]) -> None:
    """What of each amount is refunded: for months applied, the refund decided then; for new
    ones, what applying them in order would decide (as much as was paid and is not owed)."""
    if money is None:
        return
    by_key = {refund.key: refund for refund in decided}
    net_paid, balance = money.paid - money.refunded, money.balance
    due_back = sum(r.amount_fen for r in decided if r.status == "due")
    for due in dues:
        if due.status != "new":
            refund = by_key.get(due.refund_key)
            due.refund_fen = refund.amount_fen if refund else 0
            due.refund_status = refund.status if refund else None
            continue
        balance -= due.amount_fen
        due.refund_fen = min(due.amount_fen, max(min(net_paid, -balance) - due_back, 0))
        due_back += due.refund_fen


# --- applying them --------------------------------------------------------------------------


@dataclass(frozen=True)
class Applied:
    outcome: AbsenceRefundReport  # worked out again after applying
    lowered: int  # (student, item, month)s applied now
    lowered_fen: int
    refunds: int  # refunds decided now
    refunds_fen: int


def apply(term_id: uuid.UUID, by: str | None = None) -> Applied:
    """Apply what is new in the term's absence refunds: lower each bill, decide each refund
    of what was paid. Applying again changes nothing (each student, item and month once)."""
    outcome = work_out(term_id)
    name = who(by)
    lowered = lowered_fen = decided = decided_fen = 0
    new = [due for due in outcome.dues if due.status == "new"]
    for bill_id in sorted({due.bill_id for due in new}):  # bills locked in one order
        bill = bills.get_bill(bill_id, lock=True)
        done = set(_applied(bills.lines_of(bill.id)))
        for due in (d for d in new if d.bill_id == bill_id and d.code not in done):
            reason = _reason(due, outcome)
            unit = -half_up(Fraction(due.amount_fen, due.quantity or 1))
            bills.adjust(bill, bills.Line(
                "adjustment", "fees", due.code, due.kind, _description(due), due.quantity,
                unit, -due.amount_fen, fee_item_id=due.fee_item_id, reason=reason), by=name)
            lowered, lowered_fen = lowered + 1, lowered_fen + due.amount_fen
            refund = min(due.amount_fen, refunds.refundable(bill))
            if refund > 0:
                refunds.decide(bill, refund, reason, source="absence", key=due.refund_key,
                               by=name)
                decided, decided_fen = decided + 1, decided_fen + refund
    db.session.flush()
    return Applied(work_out(term_id), lowered, lowered_fen, decided, decided_fen)


def _description(due: Due) -> str:
    if due.per == "month":
        return _("Absence refund: %(item)s, %(month)s, %(n)s month(s)", item=due.title,
                 month=f"{due.month:%Y-%m}", n=due.quantity)
    return _("Absence refund: %(item)s, %(month)s, %(n)s absent school day(s)",
             item=due.title, month=f"{due.month:%Y-%m}", n=due.quantity)


def _reason(due: Due, outcome: AbsenceRefundReport) -> str:
    if due.kind == "care":
        return _("care fee refunded after %(days)s consecutive days away: %(mode)s",
                 days=outcome.after_days, mode=MODE_TITLES[outcome.mode])
    if due.kind == "meals":
        return _("meals refunded for absent school days")
    return _("%(item)s refunded for absent school days", item=due.title)


# --- as the API and the pages show them -----------------------------------------------------

ABSENCE_SHOWN = ("id", "student_id", "starts_on", "ends_on", "reason", "recorded_by",
                 "recorded_at")
DUE_SHOWN = ("student_id", "bill_id", "kind", "item_key", "title", "per", "quantity",
             "amount_fen", "refund_fen", "applied_fen", "refund_status")


def named_absences(found: list[Absence]) -> list[dict[str, Any]]:
    return refunds.with_names([
        {**{name: getattr(a, name) for name in ABSENCE_SHOWN},
         "days": (a.ends_on - a.starts_on).days + 1} for a in found])


def shown(outcome: AbsenceRefundReport, applied: Applied | None = None) -> dict[str, Any]:
    """The outcome with names, by class, student and month; the totals of what is new."""
    dues = refunds.with_names([
        {**{name: getattr(due, name) for name in DUE_SHOWN}, "month": f"{due.month:%Y-%m}",
         "status": due.status} for due in outcome.dues])
    new = [due for due in outcome.dues if due.status == "new"]
    return {
        "term_id": outcome.term_id, "after_days": outcome.after_days, "mode": outcome.mode,
        "meals": outcome.meals,
        "dues": sorted(dues, key=lambda d: (d["class_title"], d["student_no"], d["month"],
                                            d["kind"], d["title"])),
        "skipped": refunds.with_names([{"student_id": s, "why": why}
                                       for s, why in outcome.skipped.items()]),
        "amount_fen": sum(d.amount_fen for d in new),
        "refund_fen": sum(d.refund_fen for d in new),
        "lowered": applied.lowered if applied else 0,
        "lowered_fen": applied.lowered_fen if applied else 0,
        "refunds": applied.refunds if applied else 0,
        "refunds_fen": applied.refunds_fen if applied else 0,
    }
