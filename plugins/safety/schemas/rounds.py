"""Checklists, schedules and rounds as the API and the pages take and show them."""

from __future__ import annotations

from marshmallow import fields, validate

from core.sdk import Schema

from ..models import FREQUENCIES, KINDS, RESULTS


class ChecklistItemSchema(Schema):
    position = fields.Integer(dump_only=True)
    text_zh = fields.String(required=True, validate=validate.Length(min=1, max=200),
                            metadata={"description": "what to check, in Chinese"})
    text_en = fields.String(load_default="", validate=validate.Length(max=200))
    pass_zh = fields.String(load_default="", validate=validate.Length(max=200),
                            metadata={"description": "what passing means"})
    pass_en = fields.String(load_default="", validate=validate.Length(max=200))
    source = fields.String(load_default="", validate=validate.Length(max=200),
                           metadata={"description": "the rule it restates; empty: practice"})
    certainty = fields.String(load_default="",
                              validate=validate.OneOf(("", "verified", "secondary")))


class ChecklistSchema(Schema):
    id = fields.UUID(dump_only=True)
    kind = fields.String(required=True, validate=validate.OneOf(KINDS))
    title = fields.String(required=True, validate=validate.Length(min=1, max=80))
    items = fields.List(fields.Nested(ChecklistItemSchema), required=True,
                        validate=validate.Length(min=1, max=100))
    district_checklist_id = fields.UUID(dump_only=True, allow_none=True,
                                        metadata={"description": "the district's it copies"})
    diverged_at = fields.DateTime(dump_only=True, allow_none=True,
                                  metadata={"description": "when the school edited its copy: "
                                                           "it no longer follows the district"})


class DistrictChecklistSchema(Schema):
    id = fields.UUID(dump_only=True)
    kind = fields.String(required=True, validate=validate.OneOf(KINDS))
    title = fields.String(required=True, validate=validate.Length(min=1, max=80))
    items = fields.List(fields.Nested(ChecklistItemSchema), required=True,
                        validate=validate.Length(min=1, max=100))
    version = fields.Integer(dump_only=True)
    published_by = fields.String(dump_only=True)
    published_at = fields.DateTime(dump_only=True)


class ChecklistRevisionSchema(Schema):
    """The school's own wording: the title and the whole list of items."""

    title = fields.String(load_default="", validate=validate.Length(max=80))
    items = fields.List(fields.Nested(ChecklistItemSchema), required=True,
                        validate=validate.Length(min=1, max=100))


class RoundScheduleSchema(Schema):
    id = fields.UUID(dump_only=True)
    checklist_id = fields.UUID(required=True)
    place = fields.String(required=True, validate=validate.Length(min=1, max=120))
    building_id = fields.UUID(load_default=None, allow_none=True)
    frequency = fields.String(required=True, validate=validate.OneOf(FREQUENCIES))
    start_on = fields.Date(required=True, metadata={"description": "the first day a round is due"})
    assignee_id = fields.UUID(load_default=None, allow_none=True,
                              metadata={"description": "the member of staff who walks it"})
    active = fields.Boolean(dump_only=True)


class RoundStartSchema(Schema):
    """A round of a schedule's day, or of a checklist at a place."""

    schedule_id = fields.UUID(load_default=None, allow_none=True)
    due_on = fields.Date(load_default=None, allow_none=True)
    checklist_id = fields.UUID(load_default=None, allow_none=True)
    place = fields.String(load_default="", validate=validate.Length(max=120))
    building_id = fields.UUID(load_default=None, allow_none=True)


class RoundAnswerSchema(Schema):
    position = fields.Integer(required=True, strict=True)
    text_zh = fields.String(dump_only=True)
    text_en = fields.String(dump_only=True)
    pass_zh = fields.String(dump_only=True)
    pass_en = fields.String(dump_only=True)
    source = fields.String(dump_only=True)
    certainty = fields.String(dump_only=True)
    result = fields.String(required=True, validate=validate.OneOf(RESULTS))
    note = fields.String(load_default="", validate=validate.Length(max=400))
    photo_id = fields.UUID(dump_only=True, allow_none=True)
    hazard_id = fields.UUID(dump_only=True, allow_none=True,
                            metadata={"description": "the hazard a failure became"})
    answered_by = fields.String(dump_only=True)
    answered_at = fields.DateTime(dump_only=True, allow_none=True)


class RoundAnswersSchema(Schema):
    answers = fields.List(fields.Nested(RoundAnswerSchema), required=True,
                          validate=validate.Length(min=1, max=100))


class RoundAmendmentSchema(Schema):
    id = fields.UUID(dump_only=True)
    position = fields.Integer(required=True, strict=True)
    result = fields.String(required=True, validate=validate.OneOf(RESULTS))
    note = fields.String(load_default="", validate=validate.Length(max=400))
    reason = fields.String(required=True, validate=validate.Length(min=1, max=500))
    hazard_id = fields.UUID(dump_only=True, allow_none=True)
    by = fields.String(dump_only=True)
    at = fields.DateTime(dump_only=True)


class RoundSchema(Schema):
    id = fields.UUID(dump_only=True)
    checklist_id = fields.UUID(dump_only=True)
    schedule_id = fields.UUID(dump_only=True, allow_none=True)
    due_on = fields.Date(dump_only=True, allow_none=True)
    kind = fields.String(dump_only=True)
    title = fields.String(dump_only=True)
    place = fields.String(dump_only=True)
    building_id = fields.UUID(dump_only=True, allow_none=True)
    started_at = fields.DateTime(dump_only=True)
    started_by = fields.String(dump_only=True)
    done_at = fields.DateTime(dump_only=True, allow_none=True,
                              metadata={"description": "signed: from then on only amended"})
    signed_by = fields.String(dump_only=True)
    answers = fields.List(fields.Nested(RoundAnswerSchema), dump_only=True)
    amendments = fields.List(fields.Nested(RoundAmendmentSchema), dump_only=True)


class RoundQuerySchema(Schema):
    done = fields.Boolean(load_default=None, allow_none=True)
    kind = fields.String(load_default=None, validate=validate.OneOf(KINDS))
    place = fields.String(load_default=None)


class DueRoundSchema(Schema):
    schedule_id = fields.UUID()
    day = fields.Date()
    place = fields.String()
    checklist_id = fields.UUID()
    round_id = fields.UUID(allow_none=True)
    done = fields.Boolean()
