"""Property-based: any sequence of bills issued, payments (partial and over), voids,
adjustments, refunds decided and paid, and write-offs keeps the ledger reconciled, each bill's
money what a plain model of the rules says (balance = charged − paid + refunded −
written off), the credit right, and no refund more than was paid and is not owed.

Each example runs inside one transaction of a school made once, rolled back at its end, so
every example starts with no money records; each operation runs in a savepoint, as a request
runs in its transaction, so a refused one leaves nothing behind."""

import uuid
from dataclasses import dataclass, field
from datetime import date

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from core.extensions import db
from core.people.models import Student
from core.rules import RuleBroken
from core.tenancy import tenant_context
from plugins.fees.models import Bill
from plugins.fees.services import bills, ledger, payments, refunds

from .support import classroom

RECEIVED = date(2026, 9, 10)
# Amounts of one scale, so that payments meet balances and refunds meet overpayments often.
amounts = st.integers(min_value=1, max_value=50_000)
bill_index = st.integers(0, 2)
# "owed" pays what the bill still owes, "more" a little more; "all" refunds all that may be.
pay = st.tuples(st.just("pay"), bill_index, amounts | st.sampled_from(["owed", "more"]),
                st.sampled_from(["cash", "card"]))
adjust = st.tuples(st.just("adjust"), bill_index, st.integers(-30_000, -1) | amounts)
refund = st.tuples(st.just("refund"), bill_index, st.integers(1, 20_000) | st.just("all"))
# A bill lowered and the difference refunded at once (a held fee's surplus, an absence).
reduce_and_refund = st.tuples(st.just("reduce_and_refund"), bill_index, st.integers(1, 20_000))
pay_refund = st.tuples(st.just("pay_refund"), st.integers(0, 20))
# Repeated strategies are drawn more often: the paths to refunds are long.
operations = st.lists(st.one_of(
    st.tuples(st.just("issue"), bill_index), pay, pay, adjust, adjust, refund,
    reduce_and_refund, reduce_and_refund, pay_refund, pay_refund,
    st.tuples(st.just("void"), st.integers(0, 20)),
    st.tuples(st.just("write_off"), bill_index, amounts),
), min_size=3, max_size=20)


@dataclass
class BillModel:
    """What the rules say a bill holds, worked out without the ledger."""

    id: uuid.UUID
    student_id: uuid.UUID
    lines: int
    issued: bool = False
    charged: int = 0
    paid: int = 0
    refunded: int = 0
    written_off: int = 0
    due: int = 0  # refunds decided, not yet paid

    @property
    def balance(self) -> int:
        return self.charged - self.paid + self.refunded - self.written_off

    @property
    def paid_and_not_owed(self) -> int:
        return max(min(self.paid - self.refunded, -self.balance), 0)


@dataclass
class Model:
    bills: list[BillModel]
    credit: dict[uuid.UUID, int] = field(default_factory=dict)
    payments: list[dict] = field(default_factory=list)
    refunds: list[dict] = field(default_factory=list)


@pytest.fixture
def students(school):
    _, pupils = classroom(school, "1班", students=3)
    return [uuid.UUID(p) for p in pupils]


def accepted(kind: str, step) -> bool:
    """Run one operation as a request runs: all of it, or (refused) none of it."""
    try:
        with db.session.begin_nested():
            step()
    except RuleBroken:
        event(f"{kind} refused")  # how often each path ran: --hypothesis-show-statistics
        return False
    event(f"{kind} accepted")
    return True


def apply(model: Model, operation: tuple) -> None:
    kind, *args = operation
    if kind == "issue":
        bill = model.bills[args[0] % len(model.bills)]
        assert accepted(kind, lambda: bills.issue(bills.get_bill(bill.id), by="p")) == (not bill.issued)
        if not bill.issued:
            bill.issued, bill.charged = True, bill.lines
    elif kind == "pay":
        bill = model.bills[args[0] % len(model.bills)]
        amount = {"owed": bill.balance, "more": bill.balance + 1000}.get(args[1], args[1])
        method = args[2]
        if not isinstance(amount, int) or amount <= 0:
            return
        made = []
        assert accepted(kind, lambda: made.append(payments.record(
            bill.id, amount, method, RECEIVED, by="p"))) == bill.issued
        if made:
            to_bill = min(amount, max(bill.balance, 0))
            bill.paid += to_bill
            model.credit[bill.student_id] = model.credit.get(bill.student_id, 0) + \
                amount - to_bill
            model.payments.append({"id": made[0].id, "bill": bill, "to_bill": to_bill,
                                   "to_credit": amount - to_bill, "voided": False})
    elif kind == "void" and model.payments:
        payment = model.payments[args[0] % len(model.payments)]
        assert accepted(kind, lambda: payments.void(payment["id"], "作废", by="p")) == \
            (not payment["voided"])
        if not payment["voided"]:
            payment["voided"] = True
            payment["bill"].paid -= payment["to_bill"]
            model.credit[payment["bill"].student_id] -= payment["to_credit"]
    elif kind == "adjust":
        bill = model.bills[args[0] % len(model.bills)]
        line = bills.Line("adjustment", "fees", "prop", "other", "调整", 1, args[1], args[1],
                          reason="更正")
        assert accepted(kind, lambda: bills.adjust(bills.get_bill(bill.id), line, by="p")) == \
            bill.issued
        if bill.issued:
            bill.charged += args[1]
    elif kind == "refund":
        bill = model.bills[args[0] % len(model.bills)]
        amount = bill.paid_and_not_owed - bill.due if args[1] == "all" else args[1]
        if amount <= 0:
            return
        may = amount <= bill.paid_and_not_owed - bill.due
        made = []
        assert accepted(kind, lambda: made.append(refunds.decide(
            bills.get_bill(bill.id), amount, "退费", by="p"))) == may
        if made:
            bill.due += amount
            model.refunds.append({"id": made[0].id, "bill": bill, "amount": amount,
                                  "paid": False})
    elif kind == "reduce_and_refund":
        bill, amount = model.bills[args[0] % len(model.bills)], args[1]
        lowered = BillModel(bill.id, bill.student_id, 0, charged=bill.charged - amount,
                            paid=bill.paid, refunded=bill.refunded,
                            written_off=bill.written_off, due=bill.due)
        may = bill.issued and amount <= lowered.paid_and_not_owed - lowered.due
        line = bills.Line("adjustment", "fees", "surplus", "held", "结算", 1, -amount, -amount,
                          reason="多退")
        made = []
        assert accepted(kind, lambda: made.append(refunds.decide(
            bills.get_bill(bill.id), amount, "多退少不补", source="settlement",
            reduce_by=line, by="p"))) == may
        if made:
            bill.charged -= amount
            bill.due += amount
            model.refunds.append({"id": made[0].id, "bill": bill, "amount": amount,
                                  "paid": False})
    elif kind == "pay_refund" and model.refunds:
        refund = model.refunds[args[0] % len(model.refunds)]
        bill = refund["bill"]
        # never more than was paid on the bill and is not owed, when the money goes out
        may = not refund["paid"] and refund["amount"] <= bill.paid_and_not_owed
        assert accepted(kind, lambda: refunds.pay(refund["id"], "cash", RECEIVED, by="p")) == may
        if may:
            refund["paid"] = True
            bill.due -= refund["amount"]
            bill.refunded += refund["amount"]
    elif kind == "write_off":
        bill = model.bills[args[0] % len(model.bills)]
        if bill.issued and bill.balance > 0:
            amount = min(args[1], bill.balance)
            ledger.post(bill.student_id, "write_off", -amount, bill_id=bill.id,
                        reason="核销", by="p")
            bill.written_off += amount
            event("write_off accepted")


def check(model: Model) -> None:
    assert ledger.reconcile() == []
    money = ledger.bill_money([b.id for b in model.bills])
    for bill in model.bills:
        if not bill.issued:
            assert bill.id not in money
            continue
        held = money[bill.id]
        assert (held.charged, held.paid, held.refunded, held.written_off) == (
            bill.charged, bill.paid, bill.refunded, bill.written_off)
        assert held.balance == bill.balance == \
            held.charged - held.paid + held.refunded - held.written_off
        assert held.refunded <= held.paid + sum(
            p["to_bill"] for p in model.payments if p["bill"] is bill and p["voided"])
    for student_id, credit in model.credit.items():
        assert ledger.credit_of(student_id) == credit


@settings(max_examples=50, deadline=None, suppress_health_check=[
    HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(charges=st.lists(st.lists(st.integers(1, 30_000), min_size=1, max_size=2), min_size=1,
                       max_size=3),
       issued=st.lists(st.booleans(), min_size=3, max_size=3), steps=operations)
def test_any_sequence_keeps_the_ledger_and_the_bills_in_balance(school, term_id, students,
                                                                charges, issued, steps):
    with tenant_context(school):
        try:
            model = Model(bills=[])
            for student_id, lines in zip(students, charges, strict=False):
                class_id = db.session.scalar(select(Student.class_id).where(
                    Student.id == student_id))
                bill = Bill(term_id=uuid.UUID(term_id), student_id=student_id,
                            class_id=class_id)
                db.session.add(bill)
                db.session.flush()
                bills.replace_draft_lines(bill, [
                    bills.Line("charge", "fees", f"p.{n}", "tuition", f"费用{n}", 1, fen, fen)
                    for n, fen in enumerate(lines)], by="p")
                model.bills.append(BillModel(bill.id, student_id, sum(lines)))
            for index, issue_at_once in enumerate(issued[:len(model.bills)]):
                if issue_at_once:
                    apply(model, ("issue", index))
            for step in steps:
                apply(model, step)
                check(model)
        finally:
            db.session.rollback()
