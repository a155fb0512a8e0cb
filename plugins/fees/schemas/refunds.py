"""Settlements of held fees and the refund list, as the API and the pages take and show them.
Amounts are integer fen; a fraction of a fen is refused by type."""

from __future__ import annotations

from marshmallow import ValidationError, fields, validate

from core.sdk import MULTILINE, Schema, _

from ..models import METHODS
from ..services.refunds import SOURCES, STATUSES
from ..services.settlements import MAX_REAL_COST_FEN

MAX_ROWS = 1000  # real costs recorded in one request: a whole school's year group


def written_out(value: str) -> None:
    if not value.strip():
        raise ValidationError(_("write it out"))


class SettlementSchema(Schema):
    id = fields.UUID(dump_only=True)
    term_id = fields.UUID(required=True)
    fee_item_id = fields.UUID(required=True, metadata={
        "description": "a published fee item of category held (collected on behalf of others)"})
    item_name = fields.String(dump_only=True)
    remarks = fields.String(load_default="", validate=validate.Length(max=1000), metadata={
        **MULTILINE,
        "description": "shown on the settlement notice (what was bought, from whom)"})
    status = fields.String(dump_only=True, metadata={"description": "draft, published"})
    created_by = fields.String(dump_only=True)
    created_at = fields.DateTime(dump_only=True)
    published_by = fields.String(dump_only=True, allow_none=True)
    published_at = fields.DateTime(dump_only=True, allow_none=True)
    students = fields.Integer(dump_only=True, metadata={
        "description": "students with a real cost recorded"})
    missing = fields.Integer(dump_only=True, metadata={
        "description": "students charged the item without a real cost yet (publishing waits "
                       "for them)"})
    charged_fen = fields.Integer(dump_only=True)
    collected_fen = fields.Integer(dump_only=True, metadata={
        "description": "paid for the item (money on a bill pays its other lines first)"})
    real_cost_fen = fields.Integer(dump_only=True)
    refund_fen = fields.Integer(dump_only=True)
    reduction_fen = fields.Integer(dump_only=True, metadata={
        "description": "what the bills are (or will be) lowered by"})
    shortfall_fen = fields.Integer(dump_only=True, metadata={
        "description": "real cost above the charge: borne by the school, never charged"})


class SettlementQuerySchema(Schema):
    term_id = fields.UUID(load_default=None)


class SettlementLineSchema(Schema):
    """A student of a settlement; while a draft, paid and refund are worked out with today's
    payments, once published they are as settled."""

    student_id = fields.UUID()
    student_no = fields.String()
    student_name = fields.String()
    class_id = fields.UUID()
    class_title = fields.String()
    bill_id = fields.UUID()
    charged_fen = fields.Integer()
    paid_fen = fields.Integer(allow_none=True)
    real_cost_fen = fields.Integer(allow_none=True, metadata={
        "description": "none: not recorded yet"})
    refund_fen = fields.Integer(allow_none=True)
    reduction_fen = fields.Integer(allow_none=True)
    refund_id = fields.UUID(allow_none=True)
    refund_status = fields.String(allow_none=True)


class SettlementCostSchema(Schema):
    student_id = fields.UUID(required=True)
    real_cost_fen = fields.Integer(required=True, strict=True, validate=validate.Range(
        min=0, max=MAX_REAL_COST_FEN))


class SettlementCostsSchema(Schema):
    lines = fields.List(fields.Nested(SettlementCostSchema), required=True,
                        validate=validate.Length(min=1, max=MAX_ROWS))


class FeeRefundSchema(Schema):
    id = fields.UUID()
    student_id = fields.UUID()
    student_no = fields.String()
    student_name = fields.String()
    class_title = fields.String()
    bill_id = fields.UUID()
    amount_fen = fields.Integer()
    source = fields.String(metadata={"description": "manual, settlement, absence"})
    key = fields.String(allow_none=True)
    reason = fields.String()
    status = fields.String(metadata={"description": "due, paid"})
    method = fields.String(allow_none=True)
    paid_on = fields.Date(allow_none=True)
    paid_by = fields.String(allow_none=True)
    created_by = fields.String()
    created_at = fields.DateTime()


class RefundQuerySchema(Schema):
    term_id = fields.UUID(load_default=None)
    status = fields.String(load_default=None, validate=validate.OneOf(STATUSES))
    source = fields.String(load_default=None, validate=validate.OneOf(SOURCES))
    settlement_id = fields.UUID(load_default=None)
    class_id = fields.UUID(load_default=None)


class RefundPaySchema(Schema):
    method = fields.String(required=True, validate=validate.OneOf(METHODS))
    paid_on = fields.Date(required=True, metadata={"description": "the day it was handed over"})


class RefundBulkPaySchema(RefundPaySchema):
    refund_ids = fields.List(fields.UUID(), required=True,
                             validate=validate.Length(min=1, max=MAX_ROWS))
