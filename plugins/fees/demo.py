"""The fee module's share of a demo school's life (``houqin_demo_life``): a catalogue with
its legal basis, approved and published in a notice, the term billed and issued, and the
families' payments, most in full, some in part and some not yet (arrears), all through the
module's services, so the ledger reconciles as it would after a real first week of
collection.

"Publish before you charge" holds here as well: the notice takes effect on the first school
day of the demo's weeks and the term is billed that day (``demo_day``: the services' rules
about today hold for the day lived); the families pay on the school days since, most in the
first days, so the takings reports have weeks to show."""

from __future__ import annotations

import random
from datetime import date, timedelta

from sqlalchemy import func, select

from core.sdk import TenantRef, db, demo_day, people, school_days, school_today, terms

from .models import METHODS, FeeItem
from .services import billing, catalogue, ledger, payments

BASIS = ("区发展和改革委员会", "区发改价〔2026〕12号")
# Items by kind of school: name, category, fen a unit, unit, whom (school or boarders).
ITEMS = {
    "kindergarten": [("保育教育费", "care", 80_000, "month", "school"),
                     ("伙食费", "meals", 1_500, "school_day", "school")],
    "junior_high": [("住宿费", "boarding", 60_000, "term", "boarders"),
                    ("伙食费", "meals", 1_600, "school_day", "school")],
    "primary": [("课后服务费", "other", 30_000, "term", "school"),
                ("午餐费", "meals", 1_200, "school_day", "school")],
}


def has_life() -> bool:
    return bool(db.session.scalar(select(func.count()).select_from(FeeItem)))


def live(tenant: TenantRef, days: int, rng: random.Random) -> None:
    """Nothing when the school has a fee catalogue already, or no term runs today."""
    today = school_today()
    term = next((t for t in terms() if t.start_date <= today <= t.end_date), None)
    if has_life() or term is None:
        return
    lived = school_days(max(term.start_date, today - timedelta(days=days)), today) or [today]
    with demo_day(lived[0]):
        _billed(tenant, term, lived[0])
    _payments(term.id, lived, _clerk(), rng)


def _billed(tenant: TenantRef, term, day: date) -> None:
    """The catalogue approved, its notice in force from ``day`` and the term billed."""
    clerk = _clerk()
    for name, category, amount, unit, whom in ITEMS.get(tenant.type, ITEMS["primary"]):
        scope = {"applies_to": "school", "applies_ids": []}
        if whom == "boarders":
            boarders = [s.id for s in people.students(enrolled_only=True) if s.boarding]
            if not boarders:
                continue
            scope = {"applies_to": "students", "applies_ids": boarders}
        item = catalogue.create_item({"name": name, "category": category, "amount_fen": amount,
                                      "unit": unit, "basis_authority": BASIS[0],
                                      "basis_reference": BASIS[1], **scope}, by=clerk)
        catalogue.approve_item(item.id, item.version, by=clerk)
    catalogue.publish_notice({"effective_on": day}, by=clerk)
    terms_now = billing.terms_of(term.id)
    pupils = billing.pupils_in("school", None)
    for first in range(0, len(pupils), billing.BATCH):
        billing.bill_batch(terms_now, pupils[first:first + billing.BATCH], True, clerk)


def _clerk() -> str:
    found = [s.name for s in people.staff(active_only=True) if s.position == "报账员"]
    return found[0] if found else "报账员"


def _payments(term_id, lived: list[date], clerk: str, rng: random.Random) -> None:
    """Seven families in ten pay in full, two in part, one not yet; each on one of the
    school days ``lived``, more of them in the first days than the last."""
    # In the students' order, not the bills' ids (made afresh each run): one seed, one result.
    number = {s.id: s.student_no for s in people.students()}
    issued = sorted(db.session.scalars(billing.bills_of(term_id, status="issued")),
                    key=lambda bill: number[bill.student_id])
    owed = ledger.bill_money([bill.id for bill in issued])
    methods = [m for m in ("cash", "bank_transfer", "card") if m in METHODS]
    planned = []
    for order, bill in enumerate(issued):
        due = owed[bill.id].charged if bill.id in owed else 0
        share = rng.random()
        if due <= 0 or share < 0.1:
            continue
        amount = due if share >= 0.3 else due // 2
        day = lived[int(len(lived) * rng.random() ** 2)]
        planned.append((day, order, bill.id, amount, rng.choice(methods)))
    # Day by day, so that receipt numbers run in the order the money came in.
    for day, _order, bill_id, amount, method in sorted(planned):
        with demo_day(day):
            payments.record(bill_id, amount, method, day, payer="家长", by=clerk)
