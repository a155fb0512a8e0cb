"""Payments and receipts: record a payment towards a bill (with an Idempotency-Key, so a
retried request cannot pay twice), list and read them, void one, read its receipt."""

from __future__ import annotations

import uuid

from flask import request

from core.sdk import MAX_PAGE_SIZE, PAGE_SIZE, RuleBroken, _, page_of, requires, transactional

from ..models import Payment
from ..schemas.payments import (
    FeePaymentQuerySchema,
    FeePaymentSchema,
    FeePaymentVoidSchema,
    FeeReceiptSchema,
)
from ..services import payments, receipts, today
from . import blp

IDEMPOTENCY_KEY = {
    "in": "header", "name": "Idempotency-Key", "required": False,
    "schema": {"type": "string", "maxLength": 64},
    "description": "Any unique string of at most 64 characters (a UUID, say). A retried "
                   "request with the same key and the same bill, amount and method answers "
                   "200 with the payment the first one recorded, and records nothing; the "
                   "same key with another bill, amount or method is refused with 409."}


def idempotency_key() -> str | None:
    key = request.headers.get("Idempotency-Key", "").strip() or None
    if key is not None and len(key) > 64:
        raise RuleBroken(_("at most 64 characters"), "Idempotency-Key")
    return key


def with_receipt_numbers(found: list[Payment]) -> list[Payment]:
    numbers = payments.receipts_of([p.id for p in found])
    for payment in found:
        receipt = numbers.get(payment.id)
        payment.receipt_number = receipt.number if receipt else None
    return found


@blp.route("/bills/<uuid:bill_id>/payments", methods=["POST"])
@blp.arguments(FeePaymentSchema)
@blp.response(201, FeePaymentSchema)
@blp.alt_response(200, schema=FeePaymentSchema,
                  description="A replay (the same Idempotency-Key): the earlier payment.")
@blp.doc(parameters=[IDEMPOTENCY_KEY])
@requires("fees.payments.record")
@transactional
def record_payment(data, bill_id: uuid.UUID):
    """Record money received towards an issued bill: 201 with the payment and its receipt
    number. What is more than the bill still owes stays on the student's account as credit.
    A draft bill cannot be paid (409)."""
    payment, created = payments.record_or_replay(
        bill_id, data["amount_fen"], data["method"], data["received_on"] or today(),
        payer=data["payer"].strip(), reference=data["reference"].strip(),
        request_key=idempotency_key())
    return with_receipt_numbers([payment])[0], 201 if created else 200


@blp.route("/payments")
@blp.arguments(FeePaymentQuerySchema, location="query")
@blp.response(200, FeePaymentSchema(many=True))
@blp.paginate(page_size=PAGE_SIZE, max_page_size=MAX_PAGE_SIZE)
@requires("fees.read")
def list_payments(query, pagination_parameters):
    """Payments received from ``start`` to ``end``, by method, bill or student, in the order
    they were recorded; void ones are included (``voided_at``)."""
    return with_receipt_numbers(page_of(payments.listed(**query), pagination_parameters))


@blp.route("/payments/<uuid:payment_id>")
@blp.response(200, FeePaymentSchema)
@requires("fees.read")
@transactional
def get_payment(payment_id: uuid.UUID):
    return with_receipt_numbers([payments.get_payment(payment_id)])[0]


@blp.route("/payments/<uuid:payment_id>/void", methods=["POST"])
@blp.arguments(FeePaymentVoidSchema)
@blp.response(200, FeePaymentSchema)
@requires("fees.payments.void")
@transactional
def void_payment(data, payment_id: uuid.UUID):
    """Take a payment back, saying why: the ledger gets reversing entries, the payment and its
    receipt are marked void and keep their number."""
    return with_receipt_numbers([payments.void(payment_id, data["reason"].strip())])[0]


@blp.route("/payments/<uuid:payment_id>/receipt")
@blp.response(200, FeeReceiptSchema)
@requires("fees.read")
@transactional
def get_receipt(payment_id: uuid.UUID):
    """The payment's receipt as it prints, with the amount in capitals (大写) and how often
    it was printed (prints are counted by the receipt page's Print button)."""
    return receipts.receipt_view(payment_id)
