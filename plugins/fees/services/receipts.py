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

from core.sdk import db, people, require_tenant, term_span

from ..models import Bill, Payment, Receipt
from . import payments, settings

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
    tenant = require_tenant()
    bill = db.session.scalar(select(Bill).where(Bill.id == payment.bill_id))
    student = next(iter(people.students(ids=[payment.student_id])), None)
    class_id = bill.class_id if bill is not None else (student.class_id if student else None)
    found = people.classes(ids=[class_id], active=False) if class_id else []
    span = term_span(bill.term_id) if bill is not None else None
    return ReceiptView(
        payment_id=payment.id, number=receipt.number, issued_at=receipt.issued_at,
        received_on=payment.received_on, payee=settings()["payee"] or tenant.name,
        school=tenant.name, student=student.name if student else "",
        student_no=student.student_no if student else "",
        class_title=found[0].title if found else "", bill_id=payment.bill_id,
        term_start=span[0] if span else None, term_end=span[1] if span else None,
        amount_fen=payment.amount_fen, amount_in_words=amount_in_words(payment.amount_fen),
        method=payment.method, payer=payment.payer, reference=payment.reference,
        recorded_by=payment.recorded_by, prints=receipt.prints,
        voided=receipt.voided_at is not None, void_reason=receipt.void_reason or "",
        printing=printing)
