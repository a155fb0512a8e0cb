"""Payments and their receipts. A payment goes to a bill up to what the bill still owes; the
rest stays on the student's account as credit. Receipt numbers run 1, 2, 3… per school and
year with no gaps: the year's counter row is locked while a number is taken, and a voided
receipt keeps its number."""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import Select, select

from core.sdk import RuleBroken, _, acting_name, db, first_writer, school_today, utcnow

from ..models import METHODS, LedgerEntry, Payment, Receipt, ReceiptCounter
from . import bills, ledger

# No school fee comes near a million yuan; a bigger figure is a typing mistake.
MAX_PAYMENT_FEN = 100_000_000


def record(bill_id: uuid.UUID, amount_fen: int, method: str, received_on: date, *,
           payer: str = "", reference: str = "", request_key: str | None = None,
           by: str | None = None) -> Payment:
    """Record money received towards an issued bill and give it its receipt. With a
    ``request_key`` (the API's Idempotency-Key) a repeat of the same request returns the
    first payment instead of paying twice."""
    return record_or_replay(bill_id, amount_fen, method, received_on, payer=payer,
                            reference=reference, request_key=request_key, by=by)[0]


def record_or_replay(bill_id: uuid.UUID, amount_fen: int, method: str, received_on: date, *,
                     payer: str = "", reference: str = "", request_key: str | None = None,
                     by: str | None = None) -> tuple[Payment, bool]:
    """``record``, and whether it recorded anything: False when ``request_key`` was seen
    before (the same bill, amount and method) and the earlier payment is returned."""
    check_amount(amount_fen)
    check_method(method)
    if received_on > school_today():
        raise RuleBroken(_("money cannot be received after today (%(day)s)",
                           day=school_today().isoformat()), "received_on")
    bill = bills.get_bill(bill_id, lock=True)  # payments on one bill take turns
    year_counter = _counter(received_on.year)  # and so do receipt numbers
    if request_key and (earlier := _replayed(request_key, bill.id, amount_fen, method)):
        return earlier, False
    if bill.status != "issued":
        raise RuleBroken(_("only an issued bill can be paid"), "bill_id", status=409)
    name = acting_name(by)
    payment = Payment(student_id=bill.student_id, bill_id=bill.id, method=method,
                      amount_fen=amount_fen, received_on=received_on, payer=payer[:50],
                      reference=reference[:80], request_key=request_key, recorded_by=name)
    # The same key in a request that was not waiting on our locks (another bill, another
    # year) and committed first: that request's payment is the one.
    won = first_writer(payment, field="Idempotency-Key",
                       winner=lambda: _replayed(request_key, bill.id, amount_fen, method)
                       if request_key else None)
    if won is not payment:
        return won, False
    owed = max(ledger.bill_balance(bill.id), 0)
    to_bill = min(amount_fen, owed)
    if to_bill:
        ledger.post(bill.student_id, "payment", -to_bill, bill_id=bill.id,
                    payment_id=payment.id, by=name)
    if amount_fen > to_bill:
        ledger.post(bill.student_id, "payment", -(amount_fen - to_bill), payment_id=payment.id,
                    reason=_("overpayment kept as credit"), by=name)
    from .receipts import covered_items  # (receipts reads payments: imported when used)

    year_counter.last += 1
    db.session.add(Receipt(payment_id=payment.id, year=year_counter.year, seq=year_counter.last,
                           amount_fen=amount_fen, items=[
                               {"description": item.description, "amount_fen": item.amount_fen}
                               for item in covered_items(payment)]))
    db.session.flush()
    return payment, True


def _replayed(request_key: str, bill_id: uuid.UUID, amount_fen: int,
              method: str) -> Payment | None:
    """The payment an earlier request with this Idempotency-Key made; a different payment
    under the same key is refused."""
    earlier = db.session.scalar(select(Payment).where(Payment.request_key == request_key))
    if earlier is not None and (earlier.bill_id, earlier.amount_fen, earlier.method) != (
            bill_id, amount_fen, method):
        raise RuleBroken(_("this Idempotency-Key was used for another payment"),
                         "Idempotency-Key", status=409)
    return earlier


def void(payment_id: uuid.UUID, reason: str, by: str | None = None) -> Payment:
    """Take a payment back (entered twice, a bounced transfer): its ledger entries are
    reversed, and it and its receipt are marked void but kept."""
    if not reason.strip():
        raise RuleBroken(_("say why the payment is voided"), "reason")
    payment = get_payment(payment_id)
    # The bill first, as payments lock it: a payment recorded meanwhile sees what the bill
    # owes once this one is taken back, not before.
    if payment.bill_id is not None:
        bills.get_bill(payment.bill_id, lock=True)
    db.session.refresh(payment, with_for_update=True)
    if payment.voided_at is not None:
        raise RuleBroken(_("this payment is already void"), "payment_id", status=409)
    name, now = acting_name(by), utcnow()
    for entry in db.session.scalars(select(LedgerEntry).where(
            LedgerEntry.payment_id == payment.id, LedgerEntry.reverses_id.is_(None))).all():
        ledger.post(entry.student_id, "payment", -entry.amount_fen, bill_id=entry.bill_id,
                    payment_id=payment.id, reverses_id=entry.id, reason=reason, by=name)
    receipt = db.session.scalar(select(Receipt).where(Receipt.payment_id == payment.id))
    for voided in (payment, receipt):
        voided.voided_at, voided.voided_by, voided.void_reason = now, name, reason[:200]
    db.session.flush()
    return payment


def get_payment(payment_id: uuid.UUID) -> Payment:
    payment = db.session.scalar(select(Payment).where(Payment.id == payment_id))
    if payment is None:
        raise RuleBroken(_("no such payment in this school"), "payment_id", status=404)
    return payment


def receipt_of(payment_id: uuid.UUID) -> Receipt:
    receipt = db.session.scalar(select(Receipt).where(Receipt.payment_id == payment_id))
    if receipt is None:
        raise RuleBroken(_("no such payment in this school"), "payment_id", status=404)
    return receipt


def listed(start: date | None = None, end: date | None = None, method: str | None = None,
           bill_id: uuid.UUID | None = None, student_id: uuid.UUID | None = None) -> Select:
    """The school's payments received from ``start`` to ``end`` (both included), by method,
    bill or student, in the order they were recorded (void ones included, marked)."""
    query = select(Payment).order_by(Payment.received_on, Payment.recorded_at, Payment.id)
    if start is not None:
        query = query.where(Payment.received_on >= start)
    if end is not None:
        query = query.where(Payment.received_on <= end)
    if method is not None:
        query = query.where(Payment.method == method)
    if bill_id is not None:
        query = query.where(Payment.bill_id == bill_id)
    if student_id is not None:
        query = query.where(Payment.student_id == student_id)
    return query


def receipts_of(payment_ids: list[uuid.UUID]) -> dict[uuid.UUID, Receipt]:
    """The receipts of these payments, by payment, in one query."""
    if not payment_ids:
        return {}
    return {r.payment_id: r for r in db.session.scalars(
        select(Receipt).where(Receipt.payment_id.in_(payment_ids)))}


def check_method(method: str) -> None:
    """A way money changes hands that the module knows (payments and refunds alike)."""
    if method not in METHODS:
        raise RuleBroken(_("one of: %(methods)s", methods=", ".join(METHODS)), "method")


def check_amount(amount_fen: int) -> None:
    if not isinstance(amount_fen, int) or isinstance(amount_fen, bool):
        raise RuleBroken(_("a whole number of fen"), "amount_fen")
    if amount_fen <= 0:
        raise RuleBroken(_("a payment is more than zero"), "amount_fen")
    if amount_fen > MAX_PAYMENT_FEN:
        raise RuleBroken(_("at most %(yuan)s yuan at once", yuan=MAX_PAYMENT_FEN // 100),
                         "amount_fen")


def _counter(year: int) -> ReceiptCounter:
    """The year's receipt counter, locked until the transaction ends; made on first use (two
    first payments of a year at once: one makes it, the other waits for it)."""
    query = select(ReceiptCounter).where(ReceiptCounter.year == year).with_for_update()
    counter = db.session.scalar(query)
    if counter is None:
        first_writer(ReceiptCounter(year=year, last=0), field="received_on",
                     winner=lambda: db.session.scalar(query))
        counter = db.session.scalar(query)
    return counter
