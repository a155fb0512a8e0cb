"""Payments, receipts and online payments, as the API and the pages take and show them.
Money is integer fen: 12345 is ¥123.45; a fraction of a fen is refused by type."""

from __future__ import annotations

from marshmallow import ValidationError, fields, validate, validates_schema

from core.sdk import Schema
from core.sdk import lazy_gettext as _l

from ..models import METHODS
from ..services.payments import MAX_PAYMENT_FEN

# Online payments are recorded by their provider's notification, never typed in.
RECORDED_METHODS = tuple(m for m in METHODS if m != "online")
# The bank's serial number or the card terminal's voucher number: what the day's takings are
# matched against on the bank statement.
NEEDS_REFERENCE = ("bank_transfer", "card")
FEN = validate.Range(min=1, max=MAX_PAYMENT_FEN)


class FeePaymentSchema(Schema):
    """A payment towards a bill. ``received_on`` is the school's today unless given (never a
    day still to come); ``reference`` is required for bank transfers and card payments."""

    id = fields.UUID(dump_only=True)
    bill_id = fields.UUID(dump_only=True, allow_none=True)
    student_id = fields.UUID(dump_only=True)
    amount_fen = fields.Integer(strict=True, required=True, validate=FEN,
                                metadata={"description": "in fen (分): 12345 is ¥123.45"})
    method = fields.String(required=True, validate=validate.OneOf(RECORDED_METHODS),
                           metadata={"description": "online payments come from providers"})
    received_on = fields.Date(load_default=None, metadata={
        "description": "the day the money came; the school's today when left out"})
    payer = fields.String(load_default="", validate=validate.Length(max=50))
    reference = fields.String(load_default="", validate=validate.Length(max=80), metadata={
        "description": "bank serial or terminal voucher number; required for bank_transfer "
                       "and card"})
    receipt_number = fields.String(dump_only=True, metadata={"description": "2026-000123"})
    recorded_by = fields.String(dump_only=True)
    recorded_at = fields.DateTime(dump_only=True)
    # null unless the payment was voided
    voided_at = fields.DateTime(dump_only=True, allow_none=True)
    voided_by = fields.String(dump_only=True, allow_none=True)
    void_reason = fields.String(dump_only=True, allow_none=True)

    @validates_schema
    def _reference_where_the_bank_has_one(self, data, **kwargs):
        if data.get("method") in NEEDS_REFERENCE and not data.get("reference", "").strip():
            raise ValidationError(_l("the bank serial or terminal voucher number"),
                                  "reference")


class FeePaymentQuerySchema(Schema):
    start = fields.Date(load_default=None, metadata={"description": "received on or after"})
    end = fields.Date(load_default=None, metadata={"description": "received on or before"})
    method = fields.String(load_default=None, validate=validate.OneOf(METHODS))
    bill_id = fields.UUID(load_default=None)
    student_id = fields.UUID(load_default=None)

    @validates_schema
    def _start_before_end(self, data, **kwargs):
        if data.get("start") and data.get("end") and data["start"] > data["end"]:
            raise ValidationError(_l("the end comes before the start"), "end")


class FeePaymentVoidSchema(Schema):
    reason = fields.String(required=True, validate=validate.Length(min=2, max=200), metadata={
        "description": "why the payment is taken back (entered twice, a bounced transfer)"})


class FeeReceiptSchema(Schema):
    """A receipt as it prints; ``marking`` is how it is marked when looked at now."""

    payment_id = fields.UUID()
    number = fields.String()
    issued_at = fields.DateTime()
    received_on = fields.Date()
    payee = fields.String()
    school = fields.String()
    student = fields.String()
    student_no = fields.String()
    class_title = fields.String(data_key="class")
    bill_id = fields.UUID(allow_none=True)
    term_start = fields.Date(allow_none=True)
    term_end = fields.Date(allow_none=True)
    amount_fen = fields.Integer()
    amount_in_words = fields.String(metadata={"description": "大写金额, 壹佰贰拾叁元肆角伍分"})
    method = fields.String()
    payer = fields.String()
    reference = fields.String()
    recorded_by = fields.String()
    prints = fields.Integer(metadata={"description": "how often it was printed"})
    voided = fields.Boolean()
    void_reason = fields.String()
    marking = fields.String(metadata={"description": "unprinted, original, copy or void"})


class OnlinePaymentStartSchema(Schema):
    provider = fields.String(required=True, validate=validate.Length(min=1, max=40))
    amount_fen = fields.Integer(strict=True, required=True, validate=FEN, metadata={
        "description": "in fen, at most what the bill still owes"})


class FeeOnlinePaymentSchema(Schema):
    id = fields.UUID()
    bill_id = fields.UUID()
    student_id = fields.UUID()
    provider = fields.String()
    provider_ref = fields.String()
    amount_fen = fields.Integer()
    status = fields.String(metadata={"description": "pending, paid or failed"})
    pay_url = fields.String(metadata={"description": "where the payer pays"})
    payment_id = fields.UUID(allow_none=True, metadata={"description": "once paid"})
    created_by = fields.String()
    created_at = fields.DateTime()
    settled_at = fields.DateTime(allow_none=True)


class OnlineNotifyAnswerSchema(Schema):
    status = fields.String()
