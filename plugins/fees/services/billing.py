"""Billing a term (开票): what each student owes for it, and the billing runs that write it
down as bills, a batch of students at a time, in a job.

What a student owes is worked out from what may be billed today ("publish before you
charge": ``catalogue.billable_items``), the lines other modules contribute through the
charge-source hook (``houqin_fee_charges``: the canteen's meal fees), the voluntary items
chosen for the student, and the concessions granted (discounts and waivers, each its own
negative line with its reason).

Each line has a stable code, so billing again compares instead of rewriting:
``item:<fee item id>`` for an item priced here, ``<source>:<code>`` for a module's line,
``concession:<concession id>:<fee item id>`` for a discount or waiver (both ids as 32 hex
digits, so the code fits its column). A draft bill is
rebuilt when its lines differ. An issued bill is never changed: each code whose amount
differs gets one adjustment line ("re-billed: …"), so a run that finds nothing new writes
nothing. Billing owns the lines coded ``item:``/``concession:`` and the lines modules
contributed; any other line of an issued bill (a manual adjustment ``manual:…``, a refund)
is left as it is.

Choices where the issue is silent:

- quantities by unit: per term 1; per month the calendar months holding at least one school
  day of the term; per school day the term's school days; per item the quantity chosen (an
  item that is not voluntary and has no choice recorded is billed once);
- lines of zero are left out: there is nothing to charge (the canteen's free meals);
- a module's negative line (a subsidy) is a discount line; a module's lines are billed only
  to students one of the published items with that source applies to (and, when that item
  is voluntary, who chose it), under the first such item;
- a concession applies to the net of its item's lines (a module's charge less its own
  subsidy); a percentage is rounded half up to the whole fen *on the discount*; a fixed
  amount is taken from the items it covers in order; what all concessions of a student take
  from an item never exceeds what the item's lines come to, so no item goes below zero.
"""

from __future__ import annotations

import uuid
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from sqlalchemy import Select, select

from core.sdk import (
    RuleBroken,
    _,
    acting_name,
    among,
    db,
    enqueue,
    hooks,
    job_state,
    people,
    school_days,
    school_today,
    term_span,
    utcnow,
    uuid7,
)

from ..models import CONCESSION_BASIS_TITLES, Bill, BillingRun, BillLine, Concession, FeeChoice
from . import bills, catalogue, ledger

BATCH = 1000  # students per batch: one query of each kind and one commit per batch
SOURCE = "fees"
OWNED_PREFIXES = ("item:", "concession:")
Line = bills.Line


# --- what a student owes -------------------------------------------------------------------


@dataclass(frozen=True)
class Pupil:
    """A student as billing sees them: who, and the class and grade items apply to."""

    id: uuid.UUID
    class_id: uuid.UUID
    grade_id: uuid.UUID | None


@dataclass(frozen=True)
class Billable:
    """A published item as billing reads it."""

    id: uuid.UUID
    name: str
    category: str
    amount_fen: int
    unit: str
    voluntary: bool
    source: str | None
    applies_to: str
    applies_ids: frozenset[uuid.UUID]

    @classmethod
    def of(cls, item) -> Billable:
        return cls(item.id, item.name, item.category, item.amount_fen, item.unit,
                   item.voluntary, item.source, item.applies_to,
                   frozenset(uuid.UUID(str(i)) for i in item.applies_ids or ()))

    def applies(self, pupil: Pupil) -> bool:
        """Whether the item is for this student: the whole school, or the student's grade,
        class, or the student named."""
        match self.applies_to:
            case "school":
                return True
            case "grades":
                return pupil.grade_id in self.applies_ids
            case "classes":
                return pupil.class_id in self.applies_ids
            case "students":
                return pupil.id in self.applies_ids
        return False


@dataclass(frozen=True)
class TermFacts:
    id: uuid.UUID
    school_days: int
    months: int  # calendar months with at least one school day of the term


def term_facts(term_id: uuid.UUID) -> TermFacts:
    span = term_span(term_id)
    if span is None:
        raise RuleBroken(_("no such term in this school: %(term)s", term=term_id), "term_id",
                         status=404)
    days = school_days(*span)
    return TermFacts(term_id, len(days), len({(day.year, day.month) for day in days}))


@dataclass(frozen=True)
class Terms:
    """What one run bills on: the term and the items billable today, in notice order."""

    term: TermFacts
    items: list[Billable]
    # Item lines as worked out once per item and quantity: most students get the same ones.
    item_lines: dict[tuple[uuid.UUID, int], Line] = field(default_factory=dict, compare=False)

    def item_line(self, item: Billable, count: int) -> Line:
        line = self.item_lines.get((item.id, count))
        if line is None:
            line = self.item_lines[(item.id, count)] = _item_line(item, count)
        return line

    # Bills as worked out once per kind of student (see ``lines_for``).
    worked_out: dict[tuple, list[Line]] = field(default_factory=dict, compare=False)

    def lines_for(self, pupil: Pupil, chosen: dict[uuid.UUID, int],
                  concessions: list[Concession], contributed: list[dict[str, Any]]
                  ) -> list[Line]:
        """``work_out``, once for every student of a class with the same choices and the
        same lines from modules and no concession: most of a school shares a few bills. The
        list returned may be shared: read it, don't change it."""
        if concessions:
            return work_out(self, pupil, chosen, concessions, contributed)
        key = (pupil.class_id, pupil.id if self.names_students else None,
               tuple(sorted(chosen.items())),
               tuple((line["source"], line["code"], line["description"], line["quantity"],
                      line["unit_price_fen"], line["amount_fen"]) for line in contributed))
        lines = self.worked_out.get(key)
        if lines is None:
            lines = self.worked_out[key] = work_out(self, pupil, chosen, concessions,
                                                    contributed)
        return lines

    @cached_property
    def names_students(self) -> bool:
        """Whether an item applies to students by name (then no two students share lines)."""
        return any(item.applies_to == "students" for item in self.items)

    @cached_property
    def by_id(self) -> dict[uuid.UUID, Billable]:
        return {item.id: item for item in self.items}

    @cached_property
    def sources(self) -> set[str]:
        return {item.source for item in self.items if item.source}


def terms_of(term_id: uuid.UUID) -> Terms:
    return Terms(term_facts(term_id),
                 [Billable.of(item) for item in catalogue.billable_items(school_today())])


def quantity(item: Billable, term: TermFacts, chosen: int | None) -> int:
    match item.unit:
        case "term":
            return 1
        case "month":
            return term.months
        case "school_day":
            return term.school_days
    return chosen if chosen is not None else 1


def _item_line(item: Billable, count: int) -> Line:
    description = {
        "term": item.name,
        "month": _("%(item)s, %(n)s months", item=item.name, n=count),
        "school_day": _("%(item)s, %(n)s school days", item=item.name, n=count),
    }.get(item.unit) or _("%(item)s × %(n)s", item=item.name, n=count)
    return Line("charge", SOURCE, f"item:{item.id}", item.category, description, count,
                      item.amount_fen, count * item.amount_fen, fee_item_id=item.id)


def _contributed_line(item: Billable, line: dict[str, Any]) -> Line:
    amount = line["amount_fen"]
    return Line("charge" if amount > 0 else "discount", line["source"],
                      f"{line['source']}:{line['code']}", item.category,
                      str(line["description"]), line["quantity"], line["unit_price_fen"],
                      amount, fee_item_id=item.id,
                      per_absent_day=bool(line.get("per_absent_day", False)))



def work_out(terms: Terms, pupil: Pupil, chosen: dict[uuid.UUID, int],
             concessions: list[Concession], contributed: list[dict[str, Any]]) -> list[Line]:
    """The lines of a student's bill for the term: each billable item that applies (a
    voluntary one only when chosen), a module's lines under its item, then the concessions."""
    lines: list[Line] = []
    by_source: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for line in contributed:
        by_source[line["source"]].append(line)
    sources_taken: set[str] = set()
    for item in terms.items:
        if not item.applies(pupil) or (item.voluntary and item.id not in chosen):
            continue
        if item.source:
            if item.source not in sources_taken:
                sources_taken.add(item.source)
                lines += [_contributed_line(item, line) for line in by_source[item.source]
                          if line["amount_fen"]]
            continue
        count = quantity(item, terms.term, chosen.get(item.id))
        if count > 0 and item.amount_fen:
            lines.append(terms.item_line(item, count))
    return lines + concession_lines(lines, concessions, terms.by_id)


def discount_of(net_fen: int, percent: int) -> int:
    """``percent`` of an amount in whole fen, rounded half up (0.5 fen and more is a fen)."""
    return (net_fen * percent + 50) // 100


def concession_lines(lines: list[Line], concessions: Iterable[Concession],
                     items: dict[uuid.UUID, Billable]) -> list[Line]:
    """A negative line per concession and item it covers, with the concession's reason."""
    nets: dict[uuid.UUID, int] = {}
    for line in lines:
        if line.fee_item_id is not None:
            nets[line.fee_item_id] = nets.get(line.fee_item_id, 0) + line.amount_fen
    left = dict(nets)
    found = []
    for concession in sorted(concessions, key=lambda c: (c.created_at, c.id)):
        fixed_left = concession.amount_fen or 0
        for item_id, net in nets.items():
            item = items[item_id]
            covered = (concession.fee_item_id == item_id if concession.fee_item_id
                       else concession.category == item.category)
            if not covered or net <= 0 or left[item_id] <= 0:
                continue
            if concession.kind == "waiver":
                off = left[item_id]
            elif concession.percent is not None:
                off = min(discount_of(net, concession.percent), left[item_id])
            else:
                off = min(fixed_left, left[item_id])
                fixed_left -= off
            if off <= 0:
                continue
            left[item_id] -= off
            title = (_("Waiver of %(item)s (%(basis)s)") if concession.kind == "waiver"
                     else _("Discount on %(item)s (%(basis)s)"))
            description = title % {"item": item.name,
                                   "basis": CONCESSION_BASIS_TITLES[concession.basis]}
            found.append(Line(concession.kind, SOURCE, f"concession:{concession.id.hex}:{item_id.hex}",
                              item.category, description, 1, -off, -off, fee_item_id=item_id,
                              reason=concession.reason))
    return found


def _comparable(line) -> tuple:
    """What makes two lines the same (not the description: its language is the reader's)."""
    return (line.kind, line.source, line.code, line.fee_item_id, line.category, line.quantity,
            line.unit_price_fen, line.amount_fen, line.reason, line.per_absent_day)


def owned(line: BillLine) -> bool:
    """Whether billing made this line (and may correct it by re-billing)."""
    return line.code.startswith(OWNED_PREFIXES) or line.source != SOURCE


def corrections(wanted: list[Line], stored: list[BillLine]) -> list[Line]:
    """The adjustment lines that bring an issued bill to what is owed now: one per code
    whose amount (its lines and earlier adjustments together) differs."""
    effective: dict[str, int] = {}
    last: dict[str, BillLine] = {}
    for line in stored:
        if owned(line):
            effective[line.code] = effective.get(line.code, 0) + line.amount_fen
            last.setdefault(line.code, line)
    wanting: dict[str, int] = {}
    first: dict[str, Line] = {}
    for line in wanted:
        wanting[line.code] = wanting.get(line.code, 0) + line.amount_fen
        first.setdefault(line.code, line)
    found = []
    for code in [*wanting, *(c for c in effective if c not in wanting)]:
        difference = wanting.get(code, 0) - effective.get(code, 0)
        if not difference:
            continue
        model = first.get(code) or last[code]
        what = model.description if code in wanting else _(
            "%(line)s, no longer billed", line=model.description)
        found.append(Line("adjustment", model.source, code, model.category,
                          _("Re-billed: %(what)s", what=what)[:200], 1, difference, difference,
                          fee_item_id=model.fee_item_id,
                          reason=_("re-billed: %(what)s", what=what)[:200]))
    return found


# --- runs ----------------------------------------------------------------------------------




def check_scope(scope: str, scope_id: uuid.UUID | None) -> None:
    """A grade or a class of this school must be named for those scopes."""
    if scope == "school":
        return
    if scope_id is None:
        raise RuleBroken(_("choose the grade or class to bill"), "scope_id")
    classes = people.classes(active=False)
    known = {c.grade_id for c in classes} if scope == "grade" else {c.id for c in classes}
    if scope_id not in known:
        raise RuleBroken(_("no such grade or class in this school"), "scope_id", status=404)


def start_run(term_id: uuid.UUID, scope: str, scope_id: uuid.UUID | None, issue: bool,
              by: str | None = None) -> BillingRun:
    """Record a billing run and start its job (it runs once this transaction commits)."""
    term_facts(term_id)
    if not catalogue.billable_items(school_today()):
        raise RuleBroken(_("nothing may be billed yet: publish the fee notice before you "
                           "charge"), "term_id", status=409)
    check_scope(scope, scope_id)
    run = BillingRun(term_id=term_id, scope=scope, scope_id=None if scope == "school" else
                     scope_id, issue=issue, requested_by=acting_name(by), problems=[])
    db.session.add(run)
    db.session.flush()
    from ..jobs import bill_term

    run.job_id = enqueue(bill_term, str(run.id), description=f"bill term {term_id} ({scope})").id
    return run


def get_run(run_id: uuid.UUID) -> BillingRun:
    run = db.session.scalar(select(BillingRun).where(BillingRun.id == run_id))
    if run is None:
        raise RuleBroken(_("no such billing run in this school"), "billing_run_id", status=404)
    return run


def runs(term_id: uuid.UUID | None = None) -> Select:
    query = select(BillingRun).order_by(BillingRun.requested_at.desc(), BillingRun.id)
    return query.where(BillingRun.term_id == term_id) if term_id else query


def pupils_in(scope: str, scope_id: uuid.UUID | None) -> list[Pupil]:
    """The enrolled students of the school, a grade or a class, by student number."""
    grades = {c.id: c.grade_id for c in people.classes(active=False)}
    found = people.students(class_id=scope_id if scope == "class" else None, enrolled_only=True)
    pupils = [Pupil(s.id, s.class_id, grades.get(s.class_id)) for s in found]
    return [p for p in pupils if p.grade_id == scope_id] if scope == "grade" else pupils


@dataclass
class BatchTally:
    """What a batch did, added to its run."""

    created: int = 0
    updated: int = 0
    adjusted: int = 0
    unchanged: int = 0
    not_billed: Counter = field(default_factory=Counter)  # source → lines
    malformed: Counter = field(default_factory=Counter)


def _chosen(term_id: uuid.UUID, ids: list[uuid.UUID]) -> dict[uuid.UUID, dict[uuid.UUID, int]]:
    found: dict[uuid.UUID, dict[uuid.UUID, int]] = defaultdict(dict)
    for student_id, item_id, count in db.session.execute(
            select(FeeChoice.student_id, FeeChoice.fee_item_id, FeeChoice.quantity)
            .where(FeeChoice.term_id == term_id, among(FeeChoice.student_id, ids))):
        found[student_id][item_id] = count
    return found


def concessions_in_force(term_id: uuid.UUID, ids: list[uuid.UUID]
                         ) -> dict[uuid.UUID, list[Concession]]:
    found: dict[uuid.UUID, list[Concession]] = defaultdict(list)
    for concession in db.session.scalars(
            select(Concession).where(Concession.term_id == term_id,
                                     among(Concession.student_id, ids),
                                     Concession.revoked_at.is_(None))):
        found[concession.student_id].append(concession)
    return found


LINE_KEYS = {"student_id", "source", "code", "description", "quantity", "unit_price_fen",
             "amount_fen"}


def _well_formed(line: Any) -> bool:
    return (isinstance(line, dict) and line.keys() >= LINE_KEYS
            and all(isinstance(line[k], int) and not isinstance(line[k], bool)
                    for k in ("quantity", "unit_price_fen", "amount_fen"))
            and isinstance(line["source"], str) and isinstance(line["code"], str)
            and isinstance(line.get("per_absent_day", False), bool)
            and len(line["source"]) + len(line["code"]) < 80)


def contributions(terms: Terms, ids: list[uuid.UUID], outcome: BatchTally
                  ) -> dict[uuid.UUID, list[dict[str, Any]]]:
    """The modules' lines for these students, once for the batch; lines of a source no
    published item has are counted as not billed."""
    found: dict[uuid.UUID, list[dict[str, Any]]] = defaultdict(list)
    sources = terms.sources
    for answer in hooks().houqin_fee_charges(term_id=terms.term.id, student_ids=ids):
        for line in answer or ():
            if not _well_formed(line):
                outcome.malformed[str(line.get("source") if isinstance(line, dict) else "?")] += 1
            elif line["source"] not in sources:
                outcome.not_billed[line["source"]] += 1
            else:
                found[line["student_id"]].append(line)
    return found


def bill_batch(terms: Terms, pupils: list[Pupil], issue: bool, by: str) -> BatchTally:
    """Bill these students: new bills made, drafts rebuilt when they differ, issued bills
    corrected by adjustments; with ``issue``, drafts issued as well."""
    outcome = BatchTally()
    term_id = terms.term.id
    ids = [pupil.id for pupil in pupils]
    chosen = _chosen(term_id, ids)
    granted = concessions_in_force(term_id, ids)
    contributed = contributions(terms, ids, outcome)
    existing = {bill.student_id: bill for bill in db.session.scalars(
        select(Bill).where(Bill.term_id == term_id, among(Bill.student_id, ids)))}
    stored: dict[uuid.UUID, list[BillLine]] = defaultdict(list)
    if existing:
        for line in db.session.scalars(
                select(BillLine).where(among(BillLine.bill_id, [b.id for b in existing.values()]))
                .order_by(BillLine.created_at, BillLine.id)):
            stored[line.bill_id].append(line)
    new: list[bills.NewBill] = []
    rebuilt: list[tuple[Bill, list[Line]]] = []
    to_issue: list[Bill] = []
    for pupil in pupils:
        wanted = terms.lines_for(pupil, chosen.get(pupil.id, {}), granted.get(pupil.id, []),
                                 contributed.get(pupil.id, []))
        bill = existing.get(pupil.id)
        if bill is None:
            if wanted:
                new.append(bills.NewBill(term_id, pupil.id, pupil.class_id, wanted))
                outcome.created += 1
        elif bill.status == "draft":
            before = stored[bill.id]
            if (Counter(map(_comparable, wanted)) == Counter(map(_comparable, before))
                    and bill.class_id == pupil.class_id):
                outcome.unchanged += 1
            else:
                bill.class_id = pupil.class_id
                rebuilt.append((bill, wanted))
                outcome.updated += 1
            to_issue.append(bill)
        else:
            fixes = corrections(wanted, stored[bill.id])
            for fix in fixes:
                bills.adjust(bill, fix, by)
            outcome.adjusted += bool(fixes)
            outcome.unchanged += not fixes
    bills.create_bills(new, by, issue=issue)
    if rebuilt:
        bills.replace_drafts_lines(rebuilt, [line for bill, _l in rebuilt
                                             for line in stored[bill.id]], by)
    if issue:
        bills.issue_bills(to_issue, by)
    return outcome


def _problems(run: BillingRun, outcome: BatchTally) -> list[dict[str, Any]]:
    """The run's problems with this batch's added: per source, how many lines, and why."""
    counts = {(p["kind"], p["source"]): p["lines"] for p in run.problems or []}
    for kind, found in (("not_billed", outcome.not_billed), ("malformed", outcome.malformed)):
        for source, lines in found.items():
            counts[(kind, source)] = counts.get((kind, source), 0) + lines
    return [{"kind": kind, "source": source, "lines": lines, "message": (
        _("%(n)s lines from %(source)s were not billed: no published fee item has this "
          "source (publish one before you charge)", n=lines, source=source)
        if kind == "not_billed" else
        _("%(n)s lines from %(source)s were not billed: they are not lines as the "
          "charge-source hook describes them", n=lines, source=source))}
        for (kind, source), lines in sorted(counts.items())]


def carry_out(run_id: uuid.UUID, start: int = 0,
              checkpoint: Callable[[int, int], None] | None = None) -> dict[str, Any]:
    """Do a billing run from the ``start``-th student on, a batch at a time; after each
    batch the run's counts are updated and ``checkpoint(done, total)`` is called (the job
    commits there, so a retry resumes after the last batch done)."""
    run = get_run(run_id)
    if run.finished_at is None:
        terms = terms_of(run.term_id)
        pupils = pupils_in(run.scope, run.scope_id)
        for first in range(start, len(pupils), BATCH):
            outcome = bill_batch(terms, pupils[first:first + BATCH], run.issue,
                                 run.requested_by)
            run.created += outcome.created
            run.updated += outcome.updated
            run.adjusted += outcome.adjusted
            run.unchanged += outcome.unchanged
            if outcome.not_billed or outcome.malformed:
                run.problems = _problems(run, outcome)
            if checkpoint is not None:
                checkpoint(min(first + BATCH, len(pupils)), len(pupils))
        run.finished_at = utcnow()
    return summary(run)


def summary(run: BillingRun) -> dict[str, Any]:
    return {"billing_run_id": str(run.id), "created": run.created, "updated": run.updated,
            "adjusted": run.adjusted, "unchanged": run.unchanged,
            "problems": [p["message"] for p in run.problems or []]}


def issue_scope(term_id: uuid.UUID, scope: str, scope_id: uuid.UUID | None,
                by: str | None = None) -> int:
    """Issue the draft bills of the term for the school, a grade or a class; how many."""
    term_facts(term_id)
    check_scope(scope, scope_id)
    query = select(Bill).where(Bill.term_id == term_id, Bill.status == "draft")
    if scope == "class":
        query = query.where(Bill.class_id == scope_id)
    elif scope == "grade":
        query = query.where(Bill.class_id.in_(
            [c.id for c in people.classes(active=False) if c.grade_id == scope_id]))
    drafts = list(db.session.scalars(query.order_by(Bill.id)))
    for first in range(0, len(drafts), BATCH * 5):
        bills.issue_bills(drafts[first:first + BATCH * 5], by)
    return len(drafts)


# --- bills: lists, one bill, corrections by hand -------------------------------------------


def with_details(found: list[Bill], lines: bool = False) -> list[Bill]:
    """Bills with their student's number and name, their money (issued bills: from the
    ledger) and, when asked, their lines, as the API and the pages show them."""
    students = {s.id: s for s in people.students({b.student_id for b in found})}
    money = ledger.bill_money(b.id for b in found if b.status == "issued")
    for bill in found:
        student = students.get(bill.student_id)
        bill.student_no = student.student_no if student else ""
        bill.student_name = student.name if student else ""
        bill.money = money.get(bill.id)
        if lines:
            bill.lines = bills.lines_of(bill.id)
    return found


def with_job(found: list[BillingRun]) -> list[BillingRun]:
    """Runs with their job's progress (``job``)."""
    for run in found:
        run.job = job_state(run.job_id) if run.job_id else None
    return found


def bills_of(term_id: uuid.UUID | None = None, class_id: uuid.UUID | None = None,
             status: str | None = None, q: str | None = None) -> Select:
    """Bills by class and student, of a term, a class, a status, and the students whose
    name holds ``q`` or whose number starts with it (as the bills page finds them)."""
    query = select(Bill).order_by(Bill.class_id, Bill.student_id)
    if q and q.strip():
        query = query.where(Bill.student_id.in_(people.student_ids_matching(q)))
    if term_id is not None:
        query = query.where(Bill.term_id == term_id)
    if class_id is not None:
        query = query.where(Bill.class_id == class_id)
    return query.where(Bill.status == status) if status else query


@dataclass(frozen=True)
class ClassTotals:
    """A class's bills for a term: how many, what they come to, and how they are paid."""

    class_id: uuid.UUID
    bills: int = 0
    drafts: int = 0
    billed_fen: int = 0  # what the bills come to (drafts included)
    charged_fen: int = 0  # what the issued bills ask for, from the ledger
    paid_fen: int = 0
    balance_fen: int = 0
    by_status: Counter = field(default_factory=Counter)  # unpaid, partly_paid, paid, overpaid


def class_totals(term_id: uuid.UUID) -> list[ClassTotals]:
    """Per class, the term's bills summed, in the classes' order."""
    rows = db.session.execute(select(Bill.id, Bill.class_id, Bill.status, Bill.total_fen)
                              .where(Bill.term_id == term_id)).all()
    money = ledger.bill_money(row.id for row in rows if row.status == "issued")
    found: dict[uuid.UUID, dict[str, Any]] = {}
    for bill_id, class_id, status, total in rows:
        sums = found.setdefault(class_id, {"bills": 0, "drafts": 0, "billed_fen": 0,
                                           "charged_fen": 0, "paid_fen": 0, "balance_fen": 0,
                                           "by_status": Counter()})
        sums["bills"] += 1
        sums["billed_fen"] += total
        if status == "draft":
            sums["drafts"] += 1
            continue
        of = money.get(bill_id) or ledger.BillMoney(0, 0, 0, 0, 0)
        sums["charged_fen"] += of.charged
        sums["paid_fen"] += of.paid
        sums["balance_fen"] += of.balance
        sums["by_status"][of.status] += 1
    order = {c.id: n for n, c in enumerate(people.classes(active=False))}
    return [ClassTotals(class_id, **sums) for class_id, sums in
            sorted(found.items(), key=lambda pair: order.get(pair[0], len(order)))]


def adjust_by_hand(bill_id: uuid.UUID, data: dict[str, Any], by: str | None = None) -> BillLine:
    """Correct an issued bill by an amount, saying why (``fees.adjust``). It may take the
    balance below zero: what was paid beyond the bill is then due back."""
    bill = bills.get_bill(bill_id, lock=True)
    amount = data["amount_fen"]
    return bills.adjust(bill, Line(
        "adjustment", SOURCE, f"manual:{uuid7()}", data.get("category") or "other",
        data.get("description") or _("Adjustment"), 1, amount, amount, reason=data["reason"]),
        by)


def write_off(bill_id: uuid.UUID, reason: str, by: str | None = None):
    """Write off what is still owed on an issued bill (a ledger write-off entry)."""
    bill = bills.get_bill(bill_id, lock=True)
    if bill.status != "issued":
        raise RuleBroken(_("only an issued bill can be written off"), "bill_id", status=409)
    if not reason.strip():
        raise RuleBroken(_("say why the balance is written off"), "reason")
    owed = ledger.bill_balance(bill.id)
    if owed <= 0:
        raise RuleBroken(_("nothing is owed on this bill"), "bill_id", status=409)
    return ledger.post(bill.student_id, "write_off", -owed, bill_id=bill.id, reason=reason,
                       by=by)
