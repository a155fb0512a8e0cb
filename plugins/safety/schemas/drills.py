"""A drill as the API and the pages take and show it, and the write-up of one held."""

from __future__ import annotations

from marshmallow import fields, validate

from core.sdk import Schema

from ..models import DRILL_KINDS


class DrillSchema(Schema):
    id = fields.UUID(dump_only=True)
    kind = fields.String(required=True, validate=validate.OneOf(DRILL_KINDS))
    planned_on = fields.Date(required=True)
    scope = fields.String(required=True, validate=validate.Length(min=1, max=120),
                          metadata={"description": "who takes part: the whole school, a "
                                                   "building, a grade"})
    held_on = fields.Date(dump_only=True, allow_none=True)
    participants = fields.Integer(dump_only=True, allow_none=True)
    evacuation_seconds = fields.Integer(dump_only=True, allow_none=True)
    evaluation = fields.String(dump_only=True)
    lessons = fields.String(dump_only=True)
    photo_id = fields.UUID(dump_only=True, allow_none=True)
    planned_by = fields.String(dump_only=True)
    recorded_by = fields.String(dump_only=True)


class DrillRecordSchema(Schema):
    """A drill as held."""

    held_on = fields.Date(required=True)
    participants = fields.Integer(required=True, strict=True,
                                  validate=validate.Range(1, 100000))
    evacuation_seconds = fields.Integer(load_default=None, allow_none=True, strict=True,
                                        validate=validate.Range(1, 86400),
                                        metadata={"description": "from the signal to the last "
                                                                 "person out, in seconds"})
    evaluation = fields.String(required=True, validate=validate.Length(min=1, max=1000))
    lessons = fields.String(load_default="", validate=validate.Length(max=1000))


class DrillStandingSchema(Schema):
    period = fields.String(metadata={"description": "monthly or quarterly, by the school's type"})
    last_held = fields.Date(allow_none=True)
    next_due = fields.Date(metadata={"description": "the day the next drill is due by"})
    missed = fields.Boolean(metadata={"description": "the last full period went without one"})
