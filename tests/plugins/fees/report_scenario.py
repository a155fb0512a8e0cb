"""A small school's term, as the report tests read it: two classes, bills with several fee
categories and a discount, full, partial, over- and voided payments, an adjustment that leaves
a bill overpaid, a write-off posted through the ledger and a refund decided and paid. The
figures each report should show are worked out by hand in test_reports.py."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime

from core.calendar import services as calendar
from core.extensions import db
from core.people import services as people
from core.tenancy import tenant_context

from .support import classroom

TENTH, ELEVENTH, TWELFTH = date(2026, 9, 10), date(2026, 9, 11), date(2026, 9, 12)
ISSUED_AT = datetime(2026, 9, 1, 1, 0, tzinfo=UTC)  # 09:00 on 1 September in Shanghai


@dataclass
class Scenario:
    class_a: str
    class_b: str
    students: dict[str, str]  # a0 a1 a2 (class A), b0 b1 b2 b3 (class B)
    bills: dict[str, str]  # a0 a1 a2 b0 b1 b2 (issued), b3 (a draft), a2_next (next term)
    payments: dict[str, str]  # one a bill, as paid
    term_id: str
    next_term_id: str | None


def bill(school, term_id: str, student_id: str, *lines: tuple[str, str, int],
         issue: bool = True) -> str:
    """A bill with these (kind, category, amount) lines, issued unless asked not to."""
    from sqlalchemy import select

    from core.people.models import Student
    from plugins.fees.models import Bill
    from plugins.fees.services import bills

    with tenant_context(school):
        student = db.session.scalar(select(Student).where(Student.id == uuid.UUID(student_id)))
        made = Bill(term_id=uuid.UUID(term_id), student_id=student.id,
                    class_id=student.class_id)
        db.session.add(made)
        db.session.flush()
        bills.replace_draft_lines(made, [
            bills.Line(kind, "fees", f"{kind}.{category}.{n}", category, f"{category}{n}", 1,
                       amount, amount) for n, (kind, category, amount) in enumerate(lines)],
            by="test")
        if issue:
            bills.issue(made, by="test")
            made.issued_at = ISSUED_AT
        db.session.commit()
        return str(made.id)


def pay(school, bill_id: str, amount: int, method: str, on: date) -> str:
    from plugins.fees.services import payments

    with tenant_context(school):
        payment = payments.record(uuid.UUID(bill_id), amount, method, on, payer="家长",
                                  by="收费员")
        db.session.commit()
        return str(payment.id)


def build(school, term_id: str, teacher=None, guardian=None, next_term: bool = True
          ) -> Scenario:
    """The scenario; ``teacher`` heads class A, ``guardian`` is linked to a1 (and only a1)."""
    from plugins.fees.services import bills, ledger, payments, refunds

    class_a, (a0, a1, a2) = classroom(school, "1班", head=teacher, students=3)
    class_b, (b0, b1, b2, b3) = classroom(school, "2班", students=4)
    with tenant_context(school):
        people.add_guardian(uuid.UUID(a1), {"name": "王妈妈", "relation": "mother",
                                            "phone": "13800000001", "can_pick_up": True,
                                            "login": guardian.email if guardian else None})
        people.add_guardian(uuid.UUID(a1), {"name": "王爸爸", "relation": "father",
                                            "phone": "13800000002", "can_pick_up": True})
        people.add_guardian(uuid.UUID(b0), {"name": "赵妈妈", "relation": "mother",
                                            "phone": "13900000003", "can_pick_up": True})
        next_term_id = None
        if next_term:
            year_id = calendar.get_term(uuid.UUID(term_id)).academic_year_id
            next_term_id = str(calendar.create_term(year_id, "第二学期", date(2027, 2, 20),
                                                    date(2027, 7, 10)).id)
        db.session.commit()

    bills_ = {
        "a0": bill(school, term_id, a0, ("charge", "tuition", 120000), ("charge", "meals", 30000)),
        "a1": bill(school, term_id, a1, ("charge", "tuition", 120000), ("charge", "held", 20000),
                   ("discount", "tuition", -12000)),
        "a2": bill(school, term_id, a2, ("charge", "tuition", 120000)),
        "b0": bill(school, term_id, b0, ("charge", "tuition", 120000), ("charge", "meals", 30000)),
        "b1": bill(school, term_id, b1, ("charge", "tuition", 120000)),
        "b2": bill(school, term_id, b2, ("charge", "tuition", 100000)),
        "b3": bill(school, term_id, b3, ("charge", "tuition", 120000), issue=False),
    }
    paid = {
        "a0": pay(school, bills_["a0"], 150000, "cash", TENTH),  # 2026-000001, paid in full
        "a1": pay(school, bills_["a1"], 50000, "bank_transfer", TENTH),  # 000002, partly
        "a2": pay(school, bills_["a2"], 120000, "cash", TENTH),  # 000003, voided below
        "b0": pay(school, bills_["b0"], 160000, "card", ELEVENTH),  # 000004, 10000 as credit
        "b1": pay(school, bills_["b1"], 100000, "cash", ELEVENTH),  # 000005, rest written off
        "b2": pay(school, bills_["b2"], 100000, "bank_transfer", ELEVENTH),  # 000006
    }
    with tenant_context(school):
        payments.void(uuid.UUID(paid["a2"]), "entered twice", by="校长")
        # b0 ate 20 yuan fewer meals: the bill is lowered and the surplus paid back in cash.
        refund = refunds.decide(
            bills.get_bill(uuid.UUID(bills_["b0"])), 20000, "退餐费",
            reduce_by=bills.Line("adjustment", "fees", "meals.absent", "meals", "退餐费", 1,
                                 -20000, -20000, reason="缺餐退费"), by="收费员")
        refunds.pay(refund.id, "cash", TWELFTH, by="收费员")
        # b1's family cannot pay the last 200 yuan: written off.
        ledger.post(uuid.UUID(b1), "write_off", -20000, bill_id=uuid.UUID(bills_["b1"]),
                    reason="困难核销", by="校长")
        # b2 was charged 50 yuan too much: the bill, already paid, is now overpaid.
        bills.adjust(bills.get_bill(uuid.UUID(bills_["b2"])),
                     bills.Line("adjustment", "fees", "tuition.fix", "tuition", "更正", 1, -5000,
                                -5000, reason="多收更正"), by="校长")
        db.session.commit()
    if next_term_id:
        # Next term a2 overpays a small bill: credit on a2's account, in no report of this term
        # but the arrears' credit column.
        bills_["a2_next"] = bill(school, next_term_id, a2, ("charge", "other", 1000))
        paid["a2_next"] = pay(school, bills_["a2_next"], 3000, "cash", TWELFTH)  # 000007
    return Scenario(class_a, class_b, {"a0": a0, "a1": a1, "a2": a2, "b0": b0, "b1": b1,
                                       "b2": b2, "b3": b3}, bills_, paid, term_id, next_term_id)
