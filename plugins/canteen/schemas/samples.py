"""Retained samples."""

from __future__ import annotations

from marshmallow import fields, validate

from core.sdk import Schema

from ..models import MEAL_SLOTS


class SampleSchema(Schema):
    id = fields.UUID(dump_only=True)
    day = fields.Date(required=True)
    slot = fields.String(required=True, validate=validate.OneOf(MEAL_SLOTS))
    dish_id = fields.UUID(required=True)
    grams = fields.Integer(required=True, validate=validate.Range(min=1, max=5000))
    taken_at = fields.AwareDateTime(required=True, default_timezone=None)
    taken_by = fields.String(required=True, validate=validate.Length(min=1, max=50))
    cabinet = fields.String(required=True, validate=validate.Length(min=1, max=30))
    dispose_due_at = fields.DateTime(dump_only=True)
    disposed_at = fields.DateTime(dump_only=True, allow_none=True)
    disposed_by = fields.String(dump_only=True, allow_none=True)


class DisposalSchema(Schema):
    disposed_by = fields.String(required=True, validate=validate.Length(min=1, max=50))


class MissingSampleSchema(Schema):
    slot = fields.String()
    dish_id = fields.UUID()
    dish = fields.String()


class SampleDaySchema(Schema):
    day = fields.Date()
    samples = fields.List(fields.Nested(SampleSchema))
    missing = fields.List(fields.Nested(MissingSampleSchema))
    overdue = fields.List(fields.Nested(SampleSchema))
