"""A hazard as the API and the pages take and show it; the forms of each step after it."""

from __future__ import annotations

from marshmallow import fields, validate

from core.sdk import Schema

from ..models import LEVELS, STATUSES, STEPS


class HazardStepSchema(Schema):
    step = fields.String(dump_only=True, metadata={"description": "one of " + ", ".join(STEPS)})
    at = fields.DateTime(dump_only=True)
    by = fields.String(dump_only=True)
    note = fields.String(dump_only=True)
    photo_id = fields.UUID(dump_only=True, allow_none=True)


class HazardSchema(Schema):
    id = fields.UUID(dump_only=True)
    found_at = fields.DateTime(load_default=None, allow_none=True,
                               metadata={"description": "when it was found (default: now); "
                                                        "without a zone, the school's clock"})
    building_id = fields.UUID(load_default=None, allow_none=True,
                              metadata={"description": "one of the school's buildings, or none"})
    place = fields.String(required=True, validate=validate.Length(min=1, max=120))
    description = fields.String(required=True, validate=validate.Length(min=1, max=500))
    level = fields.String(load_default="general", validate=validate.OneOf(LEVELS))
    photo_id = fields.UUID(dump_only=True, allow_none=True)
    reported_by = fields.String(dump_only=True)
    status = fields.String(dump_only=True, metadata={"description": "one of " + ", ".join(STATUSES)})
    owner_id = fields.UUID(dump_only=True, allow_none=True)
    owner = fields.String(dump_only=True, allow_none=True)
    deadline = fields.Date(dump_only=True, allow_none=True)
    overdue = fields.Boolean(dump_only=True)
    fixed_by = fields.String(dump_only=True)
    closed_at = fields.DateTime(dump_only=True, allow_none=True)
    escalated_at = fields.DateTime(dump_only=True, allow_none=True)
    version = fields.Integer(dump_only=True)
    steps = fields.List(fields.Nested(HazardStepSchema), dump_only=True)
    round_id = fields.UUID(dump_only=True, allow_none=True,
                           metadata={"description": "the safety round it was found on (one "
                                                    "hazard's answer only)"})
    round_item = fields.Integer(dump_only=True, allow_none=True,
                                metadata={"description": "the round's item that failed"})


class AssignmentSchema(Schema):
    """Who fixes a hazard and by when; its level may be corrected on the way."""

    owner_id = fields.UUID(required=True, metadata={"description": "one of the school's staff"})
    level = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(LEVELS))
    deadline = fields.Date(load_default=None, allow_none=True,
                           metadata={"description": "default: the level's days in the "
                                                    "school's settings; required without them"})


class FixSchema(Schema):
    note = fields.String(required=True, validate=validate.Length(min=1, max=500),
                         metadata={"description": "what was done"})


class VerificationSchema(Schema):
    passed = fields.Boolean(required=True)
    note = fields.String(load_default="", validate=validate.Length(max=500))


class HazardQuerySchema(Schema):
    status = fields.String(validate=validate.OneOf((*STATUSES, "unclosed", "overdue")))
    level = fields.String(validate=validate.OneOf(LEVELS))
    owner_id = fields.UUID()
    building_id = fields.UUID()
    place = fields.String(validate=validate.Length(max=120),
                          metadata={"description": "part of the place's name"})


class PhotoSchema(Schema):
    photo = fields.Raw(required=True, metadata={"type": "string", "format": "binary",
                                                "description": "an image: PNG, JPEG or WebP"})
