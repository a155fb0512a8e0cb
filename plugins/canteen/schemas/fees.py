"""Meal plans and meal fees."""

from __future__ import annotations

from marshmallow import fields, validate

from core.sdk import Schema

from ..models import TIERS


class MealPlanSchema(Schema):
    """A student's price tier; ``meals_from``/``meals_until`` only when the student does not
    eat at school the whole term (joins or leaves mid-term)."""

    student_id = fields.UUID(dump_only=True)
    student_no = fields.String(dump_only=True)
    name = fields.String(dump_only=True)
    tier = fields.String(required=True, validate=validate.OneOf(TIERS))
    meals_from = fields.Date(load_default=None, allow_none=True)
    meals_until = fields.Date(load_default=None, allow_none=True)
    note = fields.String(load_default="", validate=validate.Length(max=200))


class ClassQuerySchema(Schema):
    class_id = fields.UUID(required=True)


class FeePreviewQuerySchema(Schema):
    term_id = fields.UUID(required=True)
    class_id = fields.UUID(required=True)


class FeeLineSchema(Schema):
    """One line of a bill, as the canteen gives it to the fees module."""

    student_id = fields.UUID()
    source = fields.String()
    code = fields.String()
    description = fields.String()
    quantity = fields.Integer()
    unit_price_fen = fields.Integer()
    amount_fen = fields.Integer()
