"""The fee module's share of a demo school's life (``houqin_demo_life``): a catalogue with
its legal basis, approved and published in a notice, the term billed and issued, and the
families' payments, most in full, some in part and some not yet (arrears), all through the
module's services, so the ledger reconciles as it would after a real first week of
collection.

"Publish before you charge" holds here as well: a notice takes effect today at the earliest,
so the bills are issued today and the payments are today's takings."""

from __future__ import annotations

import random

from sqlalchemy import func, select

from core.sdk import TenantRef, db, people, school_today, terms

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
    day = school_today()
    term = next((t for t in terms() if t.start_date <= day <= t.end_date), None)
    if has_life() or term is None:
        return
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
    _payments(term.id, day, clerk, rng)


def _clerk() -> str:
    found = [s.name for s in people.staff(active_only=True) if s.position == "报账员"]
    return found[0] if found else "报账员"


def _payments(term_id, day, clerk: str, rng: random.Random) -> None:
    """Seven families in ten pay in full, two in part, one not yet."""
    # In the students' order, not the bills' ids (made afresh each run): one seed, one result.
    number = {s.id: s.student_no for s in people.students()}
    issued = sorted(db.session.scalars(billing.bills_of(term_id, status="issued")),
                    key=lambda bill: number[bill.student_id])
    owed = ledger.bill_money([bill.id for bill in issued])
    methods = [m for m in ("cash", "bank_transfer", "card") if m in METHODS]
    for bill in issued:
        due = owed[bill.id].charged if bill.id in owed else 0
        share = rng.random()
        if due <= 0 or share < 0.1:
            continue
        amount = due if share >= 0.3 else due // 2
        payments.record(bill.id, amount, rng.choice(methods), day, payer="家长", by=clerk)
