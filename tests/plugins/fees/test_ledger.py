"""The ledger's rules: entries keep their signs, balances come from entries only, issued bills
are frozen, and the reconciliation finds each kind of disagreement."""

import uuid

import pytest
from sqlalchemy import select, update

from core.extensions import db
from core.rules import RuleBroken
from core.tenancy import tenant_context
from plugins.fees.models import Bill, BillLine
from plugins.fees.services import bills, ledger

from .support import classroom, issued_bill


def test_an_issued_bill_is_charged_line_by_line_and_balances_from_the_ledger(school, term_id):
    _, (pupil, *_) = classroom(school, "1班", students=1)
    bill_id = issued_bill(school, term_id, pupil, 120000, 35000)
    with tenant_context(school):
        money = ledger.bill_money([uuid.UUID(bill_id)])[uuid.UUID(bill_id)]
        assert (money.charged, money.paid, money.balance, money.status) == (
            155000, 0, 155000, "unpaid")
        assert ledger.bill_balance(uuid.UUID(bill_id)) == 155000
        assert ledger.reconcile() == []


def test_entries_keep_their_signs_and_refuse_zero_and_fractions(school, term_id):
    _, (pupil, *_) = classroom(school, "1班", students=1)
    student = uuid.UUID(pupil)
    with tenant_context(school):
        with pytest.raises(ValueError, match="payment entry must be negative"):
            ledger.post(student, "payment", 100, by="t")
        with pytest.raises(ValueError, match="charge entry must be positive"):
            ledger.post(student, "charge", -100, by="t")
        with pytest.raises(RuleBroken) as zero:
            ledger.post(student, "adjustment", 0, by="t")
        assert zero.value.field == "amount_fen"
        with pytest.raises(RuleBroken):
            ledger.post(student, "charge", 10.5, by="t")
        db.session.rollback()


def test_an_issued_bill_changes_only_by_adjustment_lines(school, term_id):
    _, (pupil, *_) = classroom(school, "1班", students=1)
    bill_id = uuid.UUID(issued_bill(school, term_id, pupil, 50000))
    with tenant_context(school):
        bill = bills.get_bill(bill_id)
        with pytest.raises(RuleBroken) as frozen:
            bills.replace_draft_lines(bill, [], by="t")
        assert frozen.value.status == 409
        with pytest.raises(RuleBroken) as no_reason:
            bills.adjust(bill, bills.Line("adjustment", "fees", "fix", "tuition", "更正", 1,
                                          -5000, -5000), by="t")
        assert no_reason.value.field == "reason"
        bills.adjust(bill, bills.Line("adjustment", "fees", "fix", "tuition", "更正", 1, -5000,
                                      -5000, reason="多收了50元"), by="t")
        db.session.commit()
        assert bills.get_bill(bill_id).total_fen == 45000
        assert ledger.bill_balance(bill_id) == 45000
        assert ledger.reconcile() == []


def test_reconciliation_finds_a_bill_total_or_line_that_disagrees_with_the_ledger(school,
                                                                                  term_id):
    _, (pupil, *_) = classroom(school, "1班", students=1)
    bill_id = uuid.UUID(issued_bill(school, term_id, pupil, 50000))
    with tenant_context(school):  # the line charged twice (lines themselves never change)
        line_id = db.session.scalar(select(BillLine.id).where(BillLine.bill_id == bill_id))
        ledger.post(uuid.UUID(pupil), "adjustment", -1, bill_id=bill_id, bill_line_id=line_id,
                    reason="改动", by="test")
        checks = {d.check for d in ledger.reconcile()}
        db.session.rollback()
    assert checks == {"line_charged"}
    with tenant_context(school):
        db.session.execute(update(Bill).where(Bill.id == bill_id).values(total_fen=1))
        checks = {d.check for d in ledger.reconcile()}
        db.session.rollback()
    assert checks == {"bill_total"}


def test_reconciliation_api_and_page_answer_for_the_school(client, school, term_id, clerk):
    _, (pupil, *_) = classroom(school, "1班", students=1)
    issued_bill(school, term_id, pupil, 50000)
    answer = client.get("/api/v1/fees/reconciliation", headers=clerk.headers)
    assert answer.status_code == 200 and answer.get_json() == []
    rules = client.get("/api/v1/fees/rules", headers=clerk.headers).get_json()
    assert {r["key"]: r["value"] for r in rules}["absence_care_refund_after_days"] == 30
