"""A guardian's pages (/m/fees/my…), phone first: what each child owes, the bills, one bill in
full, a receipt. Another child's bill or receipt is a 404 page."""

from __future__ import annotations

import uuid
from functools import partial

from core.sdk import current_principal, forms, requires

from ..services import family, receipts
from . import bp
from .reports import page


@bp.route("/my")
@requires("fees.own.read")
def my_fees():
    user_id = current_principal().user_id
    return page("fees/family.html", standing=family.standing(user_id),
                bills=family.bills_of(user_id))


@bp.route("/my/bills/<uuid:bill_id>")
@requires("fees.own.read")
def my_bill(bill_id: uuid.UUID):
    detail = forms.found(partial(family.bill_of, current_principal().user_id), bill_id)
    return page("fees/family_bill.html", detail=detail)


@bp.route("/my/receipts/<uuid:payment_id>")
@requires("fees.own.read")
def my_receipt(payment_id: uuid.UUID):
    found = forms.found(partial(family.receipt_of, current_principal().user_id), payment_id)
    return page("fees/family_receipt.html", found=found,
                items=receipts.receipt_items(found.payment, found.receipt))
