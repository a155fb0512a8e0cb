"""Pages for taking money: record a payment for a bill (amounts typed in yuan), the payments
of a day, one payment with its void form, and its receipt, printed from here: the first
print is the original, every later one is marked as a copy."""

from __future__ import annotations

import uuid
from datetime import timedelta

from flask import redirect, render_template, request, url_for
from marshmallow import ValidationError

from core.sdk import _, db, forms, people, requires, term_span, whole_fen, yuan

from ..models import METHOD_TITLES
from ..schemas.payments import RECORDED_METHODS, FeePaymentSchema, FeePaymentVoidSchema
from ..services import bills, ledger, payments, receipts, today
from . import bp

PAYMENT_FIELDS = ("method", "received_on", "payer", "reference")


def _bill_facts(bill_id: uuid.UUID) -> dict:
    """The bill being paid, with whom it is for and what it still owes."""
    bill = forms.found(bills.get_bill, bill_id)
    student = next(iter(people.students(ids=[bill.student_id])), None)
    school_class = next(iter(people.classes(ids=[bill.class_id], active=False)), None)
    money = ledger.bill_money([bill.id]).get(bill.id)
    return {"bill": bill, "student": student, "school_class": school_class,
            "term": term_span(bill.term_id), "money": money,
            "credit": ledger.credit_of(bill.student_id)}


def _render_pay(bill_id: uuid.UUID, errors: dict[str, str], form: dict, status: int = 200):
    return render_template("fees/payment_new.html", **_bill_facts(bill_id), errors=errors,
                           form=form, methods=RECORDED_METHODS, method_titles=METHOD_TITLES,
                           request_key=uuid.uuid4().hex, today=today(), yuan=yuan), status


@bp.route("/bills/<uuid:bill_id>/pay")
@requires("fees.payments.record")
def pay_bill(bill_id: uuid.UUID):
    """The payment form for the bill, filled in with what it still owes and today."""
    money = ledger.bill_money([bill_id]).get(bill_id)
    owed = money.balance if money and money.balance > 0 else None
    return _render_pay(bill_id, {}, {"received_on": today().isoformat(),
                                     "amount": yuan(owed) if owed else ""})


def _refused_payment(errors: dict[str, str], form: dict, status: int, bill_id: uuid.UUID):
    if "amount_fen" in errors:  # the page asks for yuan
        errors["amount"] = errors.pop("amount_fen")
    return _render_pay(bill_id, errors, form, status)


@bp.route("/bills/<uuid:bill_id>/pay", methods=["POST"])
@requires("fees.payments.record")
@forms.submitted(_refused_payment)
def record_payment(bill_id: uuid.UUID):
    forms.found(bills.get_bill, bill_id)
    form = request.form.to_dict()
    fen = whole_fen(form.get("amount", ""))
    if fen is None:
        raise ValidationError({"amount": [_("an amount in yuan, such as 123.45")]})
    data = FeePaymentSchema().load({**forms.schema_fields(
        form, PAYMENT_FIELDS, optional=("received_on",)), "amount_fen": fen})
    payment = payments.record(bill_id, data["amount_fen"], data["method"],
                              data["received_on"] or today(), payer=data["payer"].strip(),
                              reference=data["reference"].strip(),
                              request_key=(form.get("request_key") or "")[:64] or None)
    return redirect(url_for("fees_pages.payment", payment_id=payment.id, recorded=1))


@bp.route("/payments", endpoint="payments")
@requires("fees.read")
def payments_of_day():
    """The payments received on a day (today unless ``?day=``), with the day's total."""
    day = forms.day_arg("day", today())
    found = db.session.scalars(payments.listed(day, day)).all()
    numbers = payments.receipts_of([p.id for p in found])
    names = {s.id: s for s in people.students(ids={p.student_id for p in found})}
    kept = [p for p in found if p.voided_at is None]
    by_method = {m: sum(p.amount_fen for p in kept if p.method == m) for m in METHOD_TITLES}
    return render_template("fees/payments.html", day=day, payments=found, numbers=numbers,
                           students=names, total=sum(p.amount_fen for p in kept),
                           by_method={m: t for m, t in by_method.items() if t},
                           method_titles=METHOD_TITLES, yuan=yuan,
                           previous=day - timedelta(days=1), following=day + timedelta(days=1))


def _render_payment(payment_id: uuid.UUID, errors: dict[str, str], status: int = 200):
    payment = forms.found(payments.get_payment, payment_id)
    return render_template("fees/payment.html", payment=payment,
                           receipt=payments.receipt_of(payment.id),
                           **_bill_facts(payment.bill_id), method_titles=METHOD_TITLES,
                           recorded=request.args.get("recorded") == "1", errors=errors,
                           form=request.form, yuan=yuan), status


@bp.route("/payments/<uuid:payment_id>")
@requires("fees.read")
def payment(payment_id: uuid.UUID):
    return _render_payment(payment_id, {})


@bp.route("/payments/<uuid:payment_id>/void", methods=["POST"])
@requires("fees.payments.void")
@forms.submitted(lambda errors, form, status, payment_id: _render_payment(payment_id, errors,
                                                                          status))
def void_payment(payment_id: uuid.UUID):
    forms.found(payments.get_payment, payment_id)
    data = FeePaymentVoidSchema().load(forms.schema_fields(request.form, ("reason",)))
    payments.void(payment_id, data["reason"].strip())
    return redirect(url_for("fees_pages.payment", payment_id=payment_id))


@bp.route("/payments/<uuid:payment_id>/receipt")
@requires("fees.read")
def receipt(payment_id: uuid.UUID):
    """The receipt on screen; printing it from here is not counted (and prints marked as a
    preview or a copy): the Print button counts."""
    shown = forms.found(receipts.receipt_view, payment_id)
    return render_template("fees/receipt.html", receipt=shown, method_titles=METHOD_TITLES,
                           yuan=yuan)


@bp.route("/payments/<uuid:payment_id>/receipt/print", methods=["POST"])
@requires("fees.payments.record")
@forms.submitted(lambda errors, form, status, payment_id: _render_payment(payment_id, errors,
                                                                          status))
def print_receipt(payment_id: uuid.UUID):
    """Count a print and show the receipt as this print is marked (the original the first
    time, a copy after that), with the browser's print dialog."""
    printed = forms.found(receipts.count_print, payment_id)
    return render_template("fees/receipt.html", receipt=printed, method_titles=METHOD_TITLES,
                           yuan=yuan, print_now=True)
