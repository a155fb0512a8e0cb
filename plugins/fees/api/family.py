"""A guardian's own children's fees: their bills, one bill in full, a receipt. Another child's
bill or receipt is "no such" (404), whoever's it is."""

from __future__ import annotations

import uuid

from core.sdk import current_principal, requires, transactional

from ..schemas.family import (
    FamilyBillDetailSchema,
    FamilyBillSchema,
    FamilyReceiptSchema,
    FamilyStandingSchema,
)
from ..services import family
from . import blp


@blp.route("/my/children")
@blp.response(200, FamilyStandingSchema(many=True))
@requires("fees.own.read")
def my_children():
    """What each of one's children still owes and holds as credit."""
    return family.standing(current_principal().user_id)


@blp.route("/my/bills")
@blp.response(200, FamilyBillSchema(many=True))
@requires("fees.own.read")
def my_bills():
    """The issued bills of one's children, the latest term first."""
    return family.bills_of(current_principal().user_id)


@blp.route("/my/bills/<uuid:bill_id>")
@blp.response(200, FamilyBillDetailSchema)
@requires("fees.own.read")
@transactional
def my_bill(bill_id: uuid.UUID):
    """One of one's children's bills with its lines, payments (and receipt numbers) and
    refunds."""
    return family.bill_of(current_principal().user_id, bill_id)


@blp.route("/my/receipts/<uuid:payment_id>")
@blp.response(200, FamilyReceiptSchema)
@requires("fees.own.read")
@transactional
def my_receipt(payment_id: uuid.UUID):
    """The receipt of a payment made for one of one's children."""
    return family.receipt_of(current_principal().user_id, payment_id)
