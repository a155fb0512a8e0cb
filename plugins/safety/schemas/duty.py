"""Duty (值班) as the API and the pages take and show it: a shift, the range fill, patrol
points and check-ins, handovers and swaps."""

from __future__ import annotations

from marshmallow import fields, validate

from core.sdk import Schema

from ..models import POSTS, SWAP_STATUSES


class ShiftSchema(Schema):
    id = fields.UUID(dump_only=True)
    day = fields.Date(required=True)
    post = fields.String(required=True, validate=validate.OneOf(POSTS))
    staff_id = fields.UUID(required=True)
    starts_at = fields.AwareDateTime(load_default=None, allow_none=True,
                                     metadata={"description": "empty with ends_at: the "
                                                              "school's hours for the post"})
    ends_at = fields.AwareDateTime(load_default=None, allow_none=True)


class ShiftQuerySchema(Schema):
    first_day = fields.Date(required=True)
    last_day = fields.Date(required=True)


class FillSchema(Schema):
    """Put these people on these days in turn (寒暑假护校)."""

    first_day = fields.Date(required=True)
    last_day = fields.Date(required=True)
    post = fields.String(required=True, validate=validate.OneOf(POSTS))
    staff_ids = fields.List(fields.UUID(), required=True, validate=validate.Length(max=60))


class FilledSchema(Schema):
    added = fields.Integer()


class PointSchema(Schema):
    id = fields.UUID(dump_only=True)
    name = fields.String(required=True, validate=validate.Length(min=1, max=80))
    active = fields.Boolean(dump_only=True)


class PointChangeSchema(Schema):
    active = fields.Boolean(required=True)


class CheckSchema(Schema):
    id = fields.UUID(dump_only=True)
    point_id = fields.UUID(required=True)
    shift_id = fields.UUID(dump_only=True)
    at = fields.AwareDateTime(load_default=None, allow_none=True,
                              metadata={"description": "empty: now"})
    note = fields.String(load_default="", validate=validate.Length(max=200))
    by = fields.String(dump_only=True)


class HandoverSchema(Schema):
    id = fields.UUID(dump_only=True)
    shift_id = fields.UUID(dump_only=True)
    happened = fields.String(required=True, validate=validate.Length(min=1, max=1000))
    watch = fields.String(load_default="", validate=validate.Length(max=1000))
    written_at = fields.DateTime(dump_only=True)
    written_by = fields.String(dump_only=True)
    acknowledged_at = fields.DateTime(dump_only=True, allow_none=True)
    acknowledged_by = fields.String(dump_only=True)


class SwapSchema(Schema):
    id = fields.UUID(dump_only=True)
    shift_id = fields.UUID(required=True)
    other_shift_id = fields.UUID(required=True)
    reason = fields.String(load_default="", validate=validate.Length(max=200))
    status = fields.String(dump_only=True, validate=validate.OneOf(SWAP_STATUSES))
    asked_by = fields.String(dump_only=True)
    answered_by = fields.String(dump_only=True)
    decided_by = fields.String(dump_only=True)


class SwapAnswerSchema(Schema):
    yes = fields.Boolean(required=True, metadata={"description": "accept (approve) or not"})
