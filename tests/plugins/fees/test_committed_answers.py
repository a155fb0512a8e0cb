"""A payment that was recorded is answered as recorded, even when the database goes away
between the commit and the answer: 2xx with the payment's id, and one payment, so the till
does not post it again."""

from sqlalchemy import func, select

from core.extensions import db
from core.tenancy import tenant_context
from core.testing import signed_in
from plugins.fees.api import payments as payments_api
from plugins.fees.models import Payment, Receipt
from tests.test_committed_answers import database_gone_after_commit

from .support import classroom, issued_bill

API = "/api/v1/fees"


def recorded(school) -> list[tuple[str, int]]:
    db.session.rollback()
    with tenant_context(school):
        return [(str(p.id), p.amount_fen) for p, _ in db.session.execute(
            select(Payment, Receipt).join(Receipt, Receipt.payment_id == Payment.id))]


def pay(app, clerk, bill):
    return app.test_client().post(f"{API}/bills/{bill}/payments", headers=clerk.headers,
                                  json={"amount_fen": 30000, "method": "cash"})


def test_a_payment_answers_from_what_was_written_when_the_database_goes_after_commit(
        app, school, term_id, clerk):
    _, (pupil,) = classroom(school, "1班", students=1)
    bill = issued_bill(school, term_id, pupil, 100000)
    with database_gone_after_commit() as gone:
        answer = pay(app, clerk, bill)
    assert answer.status_code == 201
    body = answer.get_json()
    assert body["amount_fen"] == 30000 and body["receipt_number"]
    assert gone["failed"] == 0  # nothing was read again for the answer
    assert recorded(school) == [(body["id"], 30000)]
    with tenant_context(school):
        assert db.session.scalar(select(func.count()).select_from(Payment)) == 1


def test_a_payment_read_back_after_a_lost_commit_still_answers_201_with_its_id(
        app, school, term_id, clerk, monkeypatch):
    _, (pupil,) = classroom(school, "1班", students=1)
    bill = issued_bill(school, term_id, pupil, 100000)
    numbered = payments_api.with_receipt_numbers

    def read_back_for_the_answer(found):
        for payment in numbered(found):
            db.session.expire(payment)  # its answer will read it again, after the commit
        return found

    monkeypatch.setattr(payments_api, "with_receipt_numbers", read_back_for_the_answer)
    with database_gone_after_commit() as gone:
        answer = pay(app, clerk, bill)
    assert gone["failed"] >= 1
    assert answer.status_code == 201
    assert recorded(school) == [(answer.get_json()["id"], 30000)]


def test_a_payment_recorded_on_the_page_leads_to_it_when_the_database_goes_after_commit(
        app, client, school, term_id, clerk):
    _, (pupil,) = classroom(school, "1班", students=1)
    bill = issued_bill(school, term_id, pupil, 100000)
    token = signed_in(client, clerk)
    with database_gone_after_commit() as gone:
        answer = client.post(f"/t/fees-school/m/fees/bills/{bill}/pay", data={
            "csrf_token": token, "request_key": "page-1", "method": "cash", "amount": "300",
            "received_on": "", "payer": "", "reference": ""})
    assert gone["after_commit"] and gone["failed"] == 0  # the answer was built before it
    assert answer.status_code == 302 and "/payments/" in answer.headers["Location"]
    paid_id = answer.headers["Location"].split("/payments/")[1].split("?")[0]
    assert recorded(school) == [(paid_id, 30000)]
