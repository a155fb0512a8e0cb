"""Refunds: money owed back on a bill is first decided (due), then handed over (paid). A
refund can never be more than was paid on the bill and is not yet owed back."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Select, func, select

from core.sdk import RuleBroken, _, db, first_writer, people, yuan

from ..models import Bill, Refund
from . import bills, ledger, who
from .payments import check_method


def refundable(bill: Bill) -> int:
    """What may still be refunded on the bill: the money paid on it (less refunds paid) that
    it does not owe, less refunds already decided and not yet paid."""
    money = ledger.bill_money([bill.id]).get(bill.id)
    if money is None:
        return 0
    due = db.session.scalar(select(func.coalesce(func.sum(Refund.amount_fen), 0)).where(
        Refund.bill_id == bill.id, Refund.status == "due"))
    return max(money.paid_not_owed - due, 0)


def decide(bill: Bill, amount_fen: int, reason: str, *, source: str = "manual",
           key: str | None = None, reduce_by: bills.Line | None = None,
           by: str | None = None) -> Refund:
    """Decide a refund on an issued bill. ``reduce_by`` first lowers the bill (the surplus of a
    held fee, an absence) by that adjustment line; without it the refund comes out of an
    overpayment. With a ``key`` already used, the earlier refund is returned."""
    if key:
        earlier = db.session.scalar(select(Refund).where(Refund.key == key))
        if earlier is not None:
            return earlier
    if not isinstance(amount_fen, int) or isinstance(amount_fen, bool) or amount_fen <= 0:
        raise RuleBroken(_("a refund is a whole number of fen more than zero"), "amount_fen")
    if not reason.strip():
        raise RuleBroken(_("say why the money is refunded"), "reason")
    bills.get_bill(bill.id, lock=True)  # decisions on one bill take turns, as payments do

    def decided() -> Refund:
        if reduce_by is not None:
            bills.adjust(bill, reduce_by, by=by)
        available = refundable(bill)
        if amount_fen > available:
            raise RuleBroken(_("at most %(yuan)s yuan can be refunded on this bill: what was "
                               "paid and is not owed", yuan=yuan(available)), "amount_fen")
        refund = Refund(student_id=bill.student_id, bill_id=bill.id, amount_fen=amount_fen,
                        source=source, key=key, reason=reason[:200], created_by=who(by))
        db.session.add(refund)
        db.session.flush()
        return refund

    # The same refund worked out by two requests at once: the first one's stands, and the
    # other's adjustment of the bill is undone with its savepoint.
    return first_writer(decided, field="key", winner=lambda: db.session.scalar(
        select(Refund).where(Refund.key == key)) if key else None)


def get_refund(refund_id: uuid.UUID) -> Refund:
    refund = db.session.scalar(select(Refund).where(Refund.id == refund_id))
    if refund is None:
        raise RuleBroken(_("no such refund in this school"), "refund_id", status=404)
    return refund


def pay(refund_id: uuid.UUID, method: str, paid_on: date, by: str | None = None) -> Refund:
    """Record a due refund as handed over: the ledger gets its refund entry."""
    check_method(method)
    refund = get_refund(refund_id)
    bill = bills.get_bill(refund.bill_id, lock=True)  # as payments and voids lock it
    db.session.refresh(refund, with_for_update=True)
    if refund.status != "due":
        raise RuleBroken(_("this refund is already paid"), "refund_id", status=409)
    # A payment voided since the refund was decided may have taken away what it came from.
    money = ledger.bill_money([bill.id]).get(bill.id)
    if money is None or refund.amount_fen > money.paid_not_owed:
        raise RuleBroken(_("the bill no longer has this much paid and not owed (was a payment "
                           "voided?): decide the refund again"), "refund_id", status=409)
    name = who(by)
    ledger.post(refund.student_id, "refund", refund.amount_fen, bill_id=refund.bill_id,
                refund_id=refund.id, reason=refund.reason, by=name)
    refund.status, refund.method, refund.paid_on, refund.paid_by = "paid", method, paid_on, name
    db.session.flush()
    return refund


# --- the refund list and paying out ---------------------------------------------------------

SOURCES = ("manual", "settlement", "absence")
STATUSES = ("due", "paid")


def listing(term_id: uuid.UUID | None = None, status: str | None = None,
            source: str | None = None, settlement_id: uuid.UUID | None = None,
            class_id: uuid.UUID | None = None) -> Select:
    """The refunds these filters pick (the bill's term and class), in the order a refund list
    is printed and paid: by class, then student, then when decided."""
    query = select(Refund).join(Bill, Bill.id == Refund.bill_id)
    if term_id is not None:
        query = query.where(Bill.term_id == term_id)
    if status is not None:
        query = query.where(Refund.status == status)
    if source is not None:
        query = query.where(Refund.source == source)
    if settlement_id is not None:
        query = query.where(Refund.key.startswith(f"settlement:{settlement_id}:"))
    if class_id is not None:
        query = query.where(Bill.class_id == class_id)
    return query.order_by(Bill.class_id, Refund.student_id, Refund.created_at, Refund.id)


@dataclass(frozen=True)
class ListedStudent:
    """A student as refund and absence lists show them."""

    student_no: str
    name: str
    class_id: uuid.UUID
    class_title: str


def named(student_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, ListedStudent]:
    """Each student's number, name and class, for lists."""
    students = people.students(set(student_ids))
    titles = {c.id: c.title for c in people.classes({s.class_id for s in students},
                                                     active=False)}
    return {s.id: ListedStudent(s.student_no, s.name, s.class_id, titles.get(s.class_id, ""))
            for s in students}


def pay_many(refund_ids: list[uuid.UUID], method: str, paid_on: date,
             by: str | None = None) -> list[Refund]:
    """Record several due refunds as paid out by one method on one day: all or none (the
    caller's transaction). A refund of another school or already paid is refused as
    ``refund_ids.<n>``."""
    if not refund_ids:
        raise RuleBroken(_("choose at least one refund"), "refund_ids")
    order = {refund_id: n for n, refund_id in reversed(list(enumerate(refund_ids)))}
    paid = []
    for refund_id in sorted(order):  # rows locked in one order
        try:
            paid.append(pay(refund_id, method, paid_on, by=by))
        except RuleBroken as exc:
            field = exc.field if exc.field == "method" else f"refund_ids.{order[refund_id]}"
            raise RuleBroken(str(exc), field, 409 if exc.status == 409 else 422) from exc
    return paid


def with_names(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rows (dicts with a ``student_id``) with the student's number, name and class."""
    names = named(row["student_id"] for row in rows)
    for row in rows:
        person = names.get(row["student_id"])
        row.update(student_no=person.student_no if person else "",
                   student_name=person.name if person else "",
                   class_title=person.class_title if person else "")
    return rows


SHOWN = ("id", "student_id", "bill_id", "amount_fen", "source", "key", "reason", "status",
         "method", "paid_on", "paid_by", "created_by", "created_at")


def named_refunds(found: list[Refund]) -> list[dict[str, Any]]:
    """Refunds as lists show them: with the student's number, name and class."""
    return with_names([{name: getattr(refund, name) for name in SHOWN} for refund in found])
