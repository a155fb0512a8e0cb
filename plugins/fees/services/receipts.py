"""What a receipt says and how often it was printed. The amount is written out in Chinese
capital numerals (大写金额) as bank and invoice forms require, from integer fen, exactly.

Printing: the first print of a receipt is the original (原件); each later one is a copy
(副本) and says so, and a void receipt says 作废 whenever it is printed. A print is counted
when someone asks Houqin to print it (``count_print``), never when the page is only looked at.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select

from core.sdk import RuleBroken, _, among, db, people, require_tenant, term_span

from ..models import Bill, BillLine, Payment, Receipt
from . import bills, payments, settings

DIGITS = "零壹贰叁肆伍陆柒捌玖"
PLACES = ("仟", "佰", "拾", "")  # within a group of four digits
GROUPS = ("", "万", "亿", "万亿")


def amount_in_words(fen: int) -> str:
    """Fen as a capital amount (12345 -> 壹佰贰拾叁元肆角伍分), following the rules for
    writing amounts on payment documents: one 零 for a run of zeros, 零 after 元 when the
    yuan end in zero or there are no 角 but there are 分, and 整 when there are no 角 or 分."""
    if not isinstance(fen, int) or isinstance(fen, bool) or fen < 0:
        raise ValueError("an amount in words is for a whole, non-negative number of fen")
    if fen == 0:
        return "零元整"
    whole, jiao, fen_digit = fen // 100, fen // 10 % 10, fen % 10
    words = _whole_number(whole) + "元" if whole else ""
    if not jiao and not fen_digit:
        return words + "整"
    if whole and (whole % 10 == 0 or not jiao):
        words += "零"
    if jiao:
        words += DIGITS[jiao] + "角"
    if fen_digit:
        words += DIGITS[fen_digit] + "分"
    return words


def _whole_number(number: int) -> str:
    groups = []
    while number:
        number, group = divmod(number, 10000)
        groups.append(group)
    if len(groups) > len(GROUPS):
        raise ValueError("too large an amount")
    words, gap = "", False
    for index in reversed(range(len(groups))):
        group = groups[index]
        if group == 0:
            gap = bool(words)
            continue
        if words and (gap or group < 1000):
            words += "零"
        words += _group(group) + GROUPS[index]
        gap = False
    return words


def _group(number: int) -> str:
    """1 to 9999 in capitals, without leading zeros (1010 -> 壹仟零壹拾)."""
    words, gap = "", False
    for digit, place in zip(f"{number:04d}", PLACES, strict=True):
        if digit == "0":
            gap = bool(words)
            continue
        if gap:
            words += "零"
            gap = False
        words += DIGITS[int(digit)] + place
    return words


@dataclass(frozen=True)
class ReceiptItem:
    """A part of a payment: what of one item of the bill it pays (``description`` empty for
    what was paid beyond the bill and stays on the account as credit)."""

    description: str
    amount_fen: int


def receipt_items(payment: Payment, receipt: Receipt) -> tuple[ReceiptItem, ...]:
    """What the receipt says the payment paid for: the items kept with it when it was issued
    (a receipt shows what the payer was given, even once the bill has changed or an earlier
    payment was voided); worked out from the bill for a receipt issued before they were
    kept."""
    if receipt.items is not None:
        return _kept(receipt)
    return covered_items(payment)


def _kept(receipt: Receipt) -> tuple[ReceiptItem, ...]:
    return tuple(ReceiptItem(item["description"], item["amount_fen"]) for item in receipt.items)


def covered_items(payment: Payment) -> tuple[ReceiptItem, ...]:
    """The items of the bill a payment pays for, with how much of each, adding up to the
    payment: what its receipt keeps when it is issued. A bill's payments pay its items in
    the bill's order, the earliest payment first: each item counts net of its own
    discounts, and a reduction of the bill that is no item's (a negative adjustment) lowers
    the last items. Voided payments pay nothing."""
    if payment.bill_id is None:
        return (ReceiptItem("", payment.amount_fen),)
    return _covered(payment, list(db.session.scalars(payments.listed(bill_id=payment.bill_id))),
                    bills.lines_of(payment.bill_id))


def _covered(payment: Payment, of_bill: list[Payment],
             lines: list[BillLine]) -> tuple[ReceiptItem, ...]:
    """``covered_items`` from the bill's payments and lines."""
    start = sum(p.amount_fen for p in of_bill if p.voided_at is None
                and (p.recorded_at, p.id) < (payment.recorded_at, payment.id))
    left, found = payment.amount_fen, []
    for description, due in _item_amounts(lines):
        covered = max(0, min(due - start, left))
        start = max(0, start - due)
        if covered:
            found.append(ReceiptItem(description, covered))
            left -= covered
    if left:
        found.append(ReceiptItem("", left))
    return tuple(found)


def _item_amounts(lines: list[BillLine]) -> list[tuple[str, int]]:
    """Each item of the bill with what it asks for, net of its discounts, in the bill's
    order: an item is its fee item (with its discount lines) or a line of its own."""
    order: dict[object, list] = {}
    for line in lines:
        key = line.fee_item_id or line.id
        entry = order.setdefault(key, [line.description if line.kind == "charge"
                                       or line.amount_fen > 0 else "", 0])
        if not entry[0] and line.kind == "charge":
            entry[0] = line.description
        entry[1] += line.amount_fen
    items = [[description, due] for description, due in order.values() if due > 0]
    reduction = -sum(due for _, due in order.values() if due < 0)
    for item in reversed(items):
        off = min(item[1], reduction)
        item[1] -= off
        reduction -= off
    return [(description, due) for description, due in items if due > 0]


@dataclass(frozen=True)
class ReceiptView:
    """Everything a printed receipt shows."""

    payment_id: uuid.UUID
    number: str
    issued_at: datetime
    received_on: date
    payee: str
    school: str
    student: str
    student_no: str
    class_title: str
    bill_id: uuid.UUID | None
    term_start: date | None
    term_end: date | None
    amount_fen: int
    amount_in_words: str
    method: str
    payer: str
    reference: str
    recorded_by: str
    prints: int
    voided: bool
    void_reason: str
    items: tuple[ReceiptItem, ...] = ()  # what the payment pays for; adds up to amount_fen
    printing: bool = False  # shown as counted print number ``prints``, not only looked at

    @property
    def marking(self) -> str:
        """void; original (the first counted print); copy (any later print, and the receipt
        looked at again once printed); unprinted (looked at before its first print)."""
        if self.voided:
            return "void"
        if self.printing and self.prints == 1:
            return "original"
        return "copy" if self.prints else "unprinted"


def receipt_view(payment_id: uuid.UUID) -> ReceiptView:
    """The receipt of the payment as it prints (a RuleBroken 404 for another school's)."""
    payment = payments.get_payment(payment_id)
    receipt = payments.receipt_of(payment.id)
    return _view(payment, receipt)


def count_print(payment_id: uuid.UUID) -> ReceiptView:
    """Count one more print of the receipt (its row locked, so two prints at once are the
    first and the second) and return it as this print shows it."""
    payment = payments.get_payment(payment_id)
    receipt = db.session.scalar(select(Receipt).where(Receipt.payment_id == payment.id)
                                .with_for_update())
    if receipt is None:
        receipt = payments.receipt_of(payment.id)  # raises the same 404 as elsewhere
    receipt.prints += 1
    db.session.flush()
    return _view(payment, receipt, printing=True)


def _view(payment: Payment, receipt: Receipt, printing: bool = False) -> ReceiptView:
    bill = db.session.scalar(select(Bill).where(Bill.id == payment.bill_id))
    student = next(iter(people.students(ids=[payment.student_id])), None)
    class_id = bill.class_id if bill is not None else (student.class_id if student else None)
    found = people.classes(ids=[class_id], active=False) if class_id else []
    span = term_span(bill.term_id) if bill is not None else None
    return _built(payment, receipt, student, found[0].title if found else "", span,
                  receipt_items(payment, receipt), printing)


def _built(payment: Payment, receipt: Receipt, student, class_title: str,
           span: tuple[date, date] | None, items: tuple[ReceiptItem, ...],
           printing: bool) -> ReceiptView:
    tenant = require_tenant()
    return ReceiptView(
        payment_id=payment.id, number=receipt.number, issued_at=receipt.issued_at,
        received_on=payment.received_on, payee=settings()["payee"] or tenant.name,
        school=tenant.name, student=student.name if student else "",
        student_no=student.student_no if student else "",
        class_title=class_title, bill_id=payment.bill_id,
        term_start=span[0] if span else None, term_end=span[1] if span else None,
        amount_fen=payment.amount_fen, amount_in_words=amount_in_words(payment.amount_fen),
        method=payment.method, payer=payment.payer, reference=payment.reference,
        recorded_by=payment.recorded_by, prints=receipt.prints,
        voided=receipt.voided_at is not None, void_reason=receipt.void_reason or "",
        items=items, printing=printing)


# A class is a few dozen students; a page of several hundred receipts is the most a
# printer queue should get at once.
MAX_SHEETS = 400


def class_receipts(term_id: uuid.UUID, class_id: uuid.UUID,
                   printing: bool = False) -> list[ReceiptView]:
    """The receipts of the payments on a class's bills of a term, by student number and
    receipt, at most ``MAX_SHEETS``, in a few statements whatever their number. ``printing``
    counts one print of each receipt (the first is then its original, as for one receipt)."""
    found = people.classes(ids=[class_id], active=False)
    span = term_span(term_id)
    if not found or span is None:
        raise RuleBroken(_("no such class or term in this school"), "class_id", status=404)
    class_bills = {b.id: b for b in db.session.scalars(
        select(Bill).where(Bill.term_id == term_id, Bill.class_id == class_id))}
    paid = list(db.session.scalars(
        select(Payment).where(among(Payment.bill_id, class_bills))
        .order_by(Payment.recorded_at, Payment.id)))
    numbers = select(Receipt).where(among(Receipt.payment_id, [p.id for p in paid]))
    receipts = {r.payment_id: r for r in db.session.scalars(
        numbers.with_for_update() if printing else numbers)}
    lines: dict[uuid.UUID, list[BillLine]] = {}
    for line in db.session.scalars(select(BillLine).where(among(BillLine.bill_id, class_bills))
                                   .order_by(BillLine.created_at, BillLine.id)):
        lines.setdefault(line.bill_id, []).append(line)
    students = {s.id: s for s in people.students(ids={p.student_id for p in paid})}
    by_bill: dict[uuid.UUID, list[Payment]] = {}
    for payment in paid:
        by_bill.setdefault(payment.bill_id, []).append(payment)
    paid.sort(key=lambda p: (getattr(students.get(p.student_id), "student_no", ""),
                             receipts[p.id].year, receipts[p.id].seq))
    paid = paid[:MAX_SHEETS]
    if printing:
        for payment in paid:
            receipts[payment.id].prints += 1
        db.session.flush()
    return [_built(p, receipts[p.id], students.get(p.student_id), found[0].title, span,
                   _kept(receipts[p.id]) if receipts[p.id].items is not None
                   else _covered(p, by_bill[p.bill_id], lines.get(p.bill_id, [])), printing)
            for p in paid]
