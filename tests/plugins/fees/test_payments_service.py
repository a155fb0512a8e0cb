"""The money rules of payments and refunds, through the services: allocation and credit,
gapless receipts, idempotency, voiding, and refunds never more than was paid."""

import uuid
from datetime import date

import pytest
from sqlalchemy import select

from core.extensions import db
from core.rules import RuleBroken
from core.tenancy import tenant_context
from plugins.fees.models import Receipt, Refund
from plugins.fees.services import bills, ledger, payments, refunds

from .support import classroom, issued_bill, paid


@pytest.fixture
def bill(school, term_id):
    _, (pupil, *_) = classroom(school, "1班", students=1)
    return issued_bill(school, term_id, pupil, 100000)


def test_partial_payments_then_an_overpayment_kept_as_credit(school, bill):
    paid(school, bill, 30000)
    paid(school, bill, 80000, method="bank_transfer")
    with tenant_context(school):
        money = ledger.bill_money([uuid.UUID(bill)])[uuid.UUID(bill)]
        student = bills.get_bill(uuid.UUID(bill)).student_id
        assert (money.paid, money.balance, money.status) == (100000, 0, "paid")
        assert ledger.credit_of(student) == 10000
        numbers = [r.number for r in db.session.scalars(select(Receipt).order_by(Receipt.seq))]
        assert numbers == ["2026-000001", "2026-000002"]


def test_the_same_idempotency_key_pays_once_and_another_request_with_it_is_refused(school,
                                                                                    bill):
    with tenant_context(school):
        first = payments.record(uuid.UUID(bill), 5000, "cash", date(2026, 9, 10),
                                request_key="k-1", by="t")
        again = payments.record(uuid.UUID(bill), 5000, "cash", date(2026, 9, 10),
                                request_key="k-1", by="t")
        assert again.id == first.id
        with pytest.raises(RuleBroken) as other:
            payments.record(uuid.UUID(bill), 6000, "cash", date(2026, 9, 10),
                            request_key="k-1", by="t")
        assert (other.value.field, other.value.status) == ("Idempotency-Key", 409)
        db.session.commit()
        assert ledger.bill_balance(uuid.UUID(bill)) == 95000


@pytest.mark.parametrize("amount", [0, -100, 12.5, 100_000_001])
def test_absurd_amounts_are_refused_naming_the_field(school, bill, amount):
    with tenant_context(school), pytest.raises(RuleBroken) as refused:
        payments.record(uuid.UUID(bill), amount, "cash", date(2026, 9, 10), by="t")
    assert refused.value.field == "amount_fen"


def test_a_voided_payment_is_reversed_and_its_receipt_keeps_its_number(school, bill):
    first = paid(school, bill, 30000)
    paid(school, bill, 20000)
    with tenant_context(school):
        payments.void(uuid.UUID(first), "录入重复", by="t")
        db.session.commit()
        assert ledger.bill_balance(uuid.UUID(bill)) == 80000
        receipts = db.session.scalars(select(Receipt).order_by(Receipt.seq)).all()
        assert [(r.seq, r.voided_at is not None) for r in receipts] == [(1, True), (2, False)]
        with pytest.raises(RuleBroken):
            payments.void(uuid.UUID(first), "again", by="t")


def test_a_refund_is_never_more_than_was_paid_and_not_owed(school, bill):
    paid(school, bill, 100000)
    with tenant_context(school):
        issued = bills.get_bill(uuid.UUID(bill))
        with pytest.raises(RuleBroken) as nothing_owed_back:
            refunds.decide(issued, 100, "试试", by="t")
        assert nothing_owed_back.value.field == "amount_fen"
        surplus = bills.Line("adjustment", "fees", "settle", "held", "教材结算", 1, -15000,
                             -15000, reason="教材实际费用少150元")
        refund = refunds.decide(issued, 15000, "教材结算退费", source="settlement",
                                key="settlement:x", reduce_by=surplus, by="t")
        assert refunds.decide(issued, 15000, "again", key="settlement:x", by="t").id == refund.id
        with pytest.raises(RuleBroken):
            refunds.decide(issued, 1, "more than is owed back", by="t")
        refunds.pay(refund.id, "cash", date(2026, 12, 1), by="t")
        db.session.commit()
        assert ledger.bill_balance(issued.id) == 0
        assert db.session.scalar(select(Refund.status)) == "paid"


def test_a_refund_whose_payment_was_voided_meanwhile_is_not_paid_out(school, bill):
    payment = paid(school, bill, 100000)
    with tenant_context(school):
        issued = bills.get_bill(uuid.UUID(bill))
        surplus = bills.Line("adjustment", "fees", "settle", "held", "教材结算", 1, -15000,
                             -15000, reason="教材实际费用少150元")
        refund = refunds.decide(issued, 15000, "教材结算退费", reduce_by=surplus, by="t")
        payments.void(uuid.UUID(payment), "转账退回", by="t")
        with pytest.raises(RuleBroken) as nothing_paid:
            refunds.pay(refund.id, "cash", date(2026, 12, 1), by="t")
        assert (nothing_paid.value.field, nothing_paid.value.status) == ("refund_id", 409)
        db.session.commit()
        assert ledger.bill_balance(issued.id) == 85000
        assert db.session.scalar(select(Refund.status)) == "due"


def test_money_is_not_received_on_a_day_still_to_come(school, bill):
    from datetime import timedelta

    from core.sdk import school_today as today

    with tenant_context(school), pytest.raises(RuleBroken) as refused:
        payments.record(uuid.UUID(bill), 100, "cash", today() + timedelta(days=1), by="t")
    assert refused.value.field == "received_on"
