"""Payments posted at the same moment, on the suite's database (PostgreSQL with its row
locks, or the embedded SQLite, where writes take turns): each request in its own thread, app
context and database session, as two tills would post them."""

import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import date

import pytest
from sqlalchemy import func, select

from core.extensions import db
from core.tenancy import tenant_context
from plugins.fees.models import Payment, Receipt
from plugins.fees.services import ledger, payments

from .support import classroom, issued_bill, receipt_number

API = "/api/v1/fees"


def at_once(app, requests: list[tuple[str, dict, dict]]) -> list:
    """Post every (path, headers, body) from its own thread, all let go together."""
    start = threading.Barrier(len(requests))

    def post(path, headers, body):
        client = app.test_client()
        start.wait(timeout=30)
        return client.post(path, headers=headers, json=body)

    with ThreadPoolExecutor(max_workers=len(requests)) as pool:
        return list(pool.map(lambda r: post(*r), requests))


def payments_of(school) -> list[tuple[int, str]]:
    with tenant_context(school):
        return sorted((p.amount_fen, r.number) for p, r in db.session.execute(
            select(Payment, Receipt).join(Receipt, Receipt.payment_id == Payment.id)))


def test_two_payments_on_one_bill_at_once_leave_the_right_balance_and_two_receipts(
        app, school, term_id, clerk):
    _, (pupil,) = classroom(school, "1班", students=1)
    bill = issued_bill(school, term_id, pupil, 100000)
    answers = at_once(app, [(f"{API}/bills/{bill}/payments", clerk.headers,
                             {"amount_fen": amount, "method": "cash"})
                            for amount in (30000, 45000)])
    assert [a.status_code for a in answers] == [201, 201]
    numbers = sorted(a.get_json()["receipt_number"] for a in answers)
    assert numbers == [receipt_number(1), receipt_number(2)]
    with tenant_context(school):
        assert ledger.bill_balance(uuid.UUID(bill)) == 25000


def test_the_same_key_posted_twice_at_once_pays_once(app, school, term_id, clerk):
    _, (pupil,) = classroom(school, "1班", students=1)
    bill = issued_bill(school, term_id, pupil, 100000)
    headers = {**clerk.headers, "Idempotency-Key": "double-click"}
    answers = at_once(app, [(f"{API}/bills/{bill}/payments", headers,
                             {"amount_fen": 30000, "method": "cash"})] * 2)
    assert sorted(a.status_code for a in answers) == [200, 201]
    assert answers[0].get_json()["id"] == answers[1].get_json()["id"]
    assert payments_of(school) == [(30000, receipt_number(1))]
    with tenant_context(school):
        assert ledger.bill_balance(uuid.UUID(bill)) == 70000


def test_a_key_that_loses_the_race_on_the_unique_index_gets_the_winner_not_a_500(
        app, school, term_id, clerk, monkeypatch):
    """The same key for payments on two bills, received in two years: on PostgreSQL neither
    request waits for the other's row locks, so both find the key unused (on SQLite one
    waits for the other, and they cannot cross). The first inserts its payment and
    holds on until the second has looked; the second's insert then meets the unique index on
    the key and must answer with the first payment's conflict (409), not an error."""
    if db.engine.dialect.name == "sqlite":
        pytest.skip("SQLite's writes take turns: the two requests cannot cross")
    _, (first_pupil, second_pupil) = classroom(school, "1班", students=2)
    first_bill = issued_bill(school, term_id, first_pupil, 100000)
    second_bill = issued_bill(school, term_id, second_pupil, 100000)
    first_inserted, second_looked = threading.Event(), threading.Event()
    replayed, balance = payments._replayed, ledger.bill_balance

    def looked_after_the_first_inserted(key, bill_id, *args):
        if str(bill_id) == second_bill and not second_looked.is_set():
            assert first_inserted.wait(timeout=30)
            found = replayed(key, bill_id, *args)
            second_looked.set()
            return found
        return replayed(key, bill_id, *args)

    def first_holds_on(bill_id):
        if str(bill_id) == first_bill:
            first_inserted.set()
            assert second_looked.wait(timeout=30)
        return balance(bill_id)

    monkeypatch.setattr(payments, "_replayed", looked_after_the_first_inserted)
    monkeypatch.setattr(ledger, "bill_balance", first_holds_on)
    headers = {**clerk.headers, "Idempotency-Key": "one-key-two-bills"}
    answers = at_once(app, [
        (f"{API}/bills/{first_bill}/payments", headers,
         {"amount_fen": 30000, "method": "cash", "received_on": "2025-12-31"}),
        (f"{API}/bills/{second_bill}/payments", headers,
         {"amount_fen": 30000, "method": "cash", "received_on": "2026-09-10"})])
    assert [a.status_code for a in answers] == [201, 409]
    assert "Idempotency-Key" in answers[1].get_json()["errors"]
    assert payments_of(school) == [(30000, "2025-000001")]


def test_receipt_numbers_have_no_gaps_under_many_payments_at_once(app, school, term_id,
                                                                 clerk):
    _, pupils = classroom(school, "1班", students=8)
    bills = [issued_bill(school, term_id, pupil, 50000) for pupil in pupils]
    answers = at_once(app, [(f"{API}/bills/{bill}/payments", clerk.headers,
                             {"amount_fen": 10000 + n, "method": "cash",
                              "received_on": date(2026, 9, 10).isoformat()})
                            for n, bill in enumerate(bills)])
    assert [a.status_code for a in answers] == [201] * 8
    numbers = sorted(a.get_json()["receipt_number"] for a in answers)
    assert numbers == [f"2026-{seq:06d}" for seq in range(1, 9)]
    with tenant_context(school):
        assert db.session.scalar(select(func.count()).select_from(Receipt)) == 8
        assert ledger.reconcile() == []
