"""Absences and the refunds worked out from them, as the API and the pages take and show
them."""

from __future__ import annotations

from marshmallow import fields, validate

from core.sdk import Schema

from .refunds import written_out


class FeeAbsenceSchema(Schema):
    id = fields.UUID(dump_only=True)
    student_id = fields.UUID(required=True)
    student_no = fields.String(dump_only=True)
    student_name = fields.String(dump_only=True)
    class_title = fields.String(dump_only=True)
    starts_on = fields.Date(required=True, metadata={"description": "the first day away"})
    ends_on = fields.Date(required=True, metadata={
        "description": "the last day away (included), in the same term"})
    days = fields.Integer(dump_only=True, metadata={"description": "calendar days, both ends"})
    reason = fields.String(required=True, validate=[validate.Length(min=1, max=200),
                                                    written_out],
                           metadata={"description": "illness, family leave, …"})
    recorded_by = fields.String(dump_only=True)
    recorded_at = fields.DateTime(dump_only=True)


class AbsenceQuerySchema(Schema):
    term_id = fields.UUID(load_default=None)
    student_id = fields.UUID(load_default=None)
    class_id = fields.UUID(load_default=None)


class AbsenceTermSchema(Schema):
    term_id = fields.UUID(required=True)


class AbsenceDueSchema(Schema):
    """What the rule gives back for one student, item and month."""

    student_id = fields.UUID()
    student_no = fields.String()
    student_name = fields.String()
    class_title = fields.String()
    bill_id = fields.UUID()
    kind = fields.String(metadata={
        "description": "care, meals (or the category of a module's charge by the day)"})
    item_key = fields.String(metadata={
        "description": "the fee item's id, or a module's per-day line code "
                       "(canteen:meals.full)"})
    title = fields.String()
    month = fields.String(metadata={"description": "yyyy-mm"})
    per = fields.String(metadata={"description": "what quantity counts: month, school_day"})
    quantity = fields.Integer()
    amount_fen = fields.Integer(metadata={"description": "what the bill is lowered by"})
    refund_fen = fields.Integer(metadata={
        "description": "of it, refunded (what was paid and is not owed); the rest is simply "
                       "no longer owed"})
    applied_fen = fields.Integer(allow_none=True)
    refund_status = fields.String(allow_none=True)
    status = fields.String(metadata={
        "description": "new (applying lowers the bill), applied, or changed (applied before "
                       "with another figure; left as it is)"})


class AbsenceSkippedSchema(Schema):
    student_id = fields.UUID()
    student_name = fields.String()
    why = fields.String(metadata={"description": "no_bill, draft (the term's bill is not "
                                                 "issued yet)"})


class AbsenceRefundsSchema(Schema):
    term_id = fields.UUID()
    after_days = fields.Integer(metadata={"description": "the rule in force: consecutive days"})
    mode = fields.String(metadata={"description": "whole_months, pro_rata"})
    meals = fields.Boolean(metadata={"description": "meals refunded per absent school day"})
    dues = fields.List(fields.Nested(AbsenceDueSchema))
    skipped = fields.List(fields.Nested(AbsenceSkippedSchema))
    amount_fen = fields.Integer(metadata={"description": "the new dues' total"})
    refund_fen = fields.Integer(metadata={"description": "of it, refunded"})
    lowered = fields.Integer(metadata={"description": "after applying: dues applied now"})
    lowered_fen = fields.Integer()
    refunds = fields.Integer(metadata={"description": "after applying: refunds decided now"})
    refunds_fen = fields.Integer()
