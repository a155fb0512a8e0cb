"""An incident as the API and the pages take and show it; the people involved; a follow-up,
the report to the district and the closure."""

from __future__ import annotations

from marshmallow import fields, validate

from core.sdk import MULTILINE, Schema

from ..models import INCIDENT_KINDS, LEVELS


class IncidentPersonSchema(Schema):
    student_id = fields.UUID(load_default=None, allow_none=True)
    staff_id = fields.UUID(load_default=None, allow_none=True)
    name = fields.String(dump_only=True)
    injury = fields.String(load_default="", validate=validate.Length(max=200))


class IncidentEntrySchema(Schema):
    id = fields.UUID(dump_only=True)
    kind = fields.String(dump_only=True)
    at = fields.AwareDateTime(dump_only=True)
    by = fields.String(dump_only=True)
    note = fields.String(dump_only=True)


class IncidentSchema(Schema):
    id = fields.UUID(dump_only=True)
    occurred_at = fields.DateTime(required=True, metadata={
        "description": "when it happened; without a zone, on the school's clock"})
    building_id = fields.UUID(load_default=None, allow_none=True)
    place = fields.String(required=True, validate=validate.Length(min=1, max=120))
    kind = fields.String(required=True, validate=validate.OneOf(INCIDENT_KINDS))
    severity = fields.String(load_default="general", validate=validate.OneOf(LEVELS))
    description = fields.String(required=True, validate=validate.Length(min=1, max=1000),
                                metadata=MULTILINE)
    people = fields.List(fields.Nested(IncidentPersonSchema), load_default=list,
                         validate=validate.Length(max=50))
    others = fields.String(load_default="", validate=validate.Length(max=300), metadata={
        "description": "people involved who are on no register, as free text"})
    injuries = fields.String(load_default="", validate=validate.Length(max=500))
    first_actions = fields.String(load_default="", validate=validate.Length(max=1000))
    informed = fields.String(load_default="", validate=validate.Length(max=500), metadata={
        "description": "who was told (parents, police, the hospital) and when"})
    photo_id = fields.UUID(dump_only=True, allow_none=True)
    reported_by = fields.String(dump_only=True)
    report_due_at = fields.AwareDateTime(dump_only=True, allow_none=True)
    district_reported_at = fields.AwareDateTime(dump_only=True, allow_none=True)
    district_report = fields.String(dump_only=True)
    late = fields.Boolean(dump_only=True, metadata={
        "description": "the district's report was sent after its deadline, or is unsent past it"})
    status = fields.String(dump_only=True)
    closed_at = fields.AwareDateTime(dump_only=True, allow_none=True)
    closed_by = fields.String(dump_only=True)
    outcome = fields.String(dump_only=True)
    closing_report = fields.String(dump_only=True)
    version = fields.Integer(dump_only=True)
    entries = fields.List(fields.Nested(IncidentEntrySchema), dump_only=True)


class IncidentQuerySchema(Schema):
    status = fields.String(load_default=None, validate=validate.OneOf(("open", "closed", "late")))
    kind = fields.String(load_default=None, validate=validate.OneOf(INCIDENT_KINDS))


class FollowUpSchema(Schema):
    note = fields.String(required=True, validate=validate.Length(min=1, max=1000),
                         metadata=MULTILINE)


class DistrictReportSchema(Schema):
    report = fields.String(required=True, validate=validate.Length(min=1, max=2000),
                           metadata=MULTILINE)


class ClosureSchema(Schema):
    outcome = fields.String(required=True, validate=validate.Length(min=1, max=500))
    closing_report = fields.String(load_default="", validate=validate.Length(max=2000),
                                   metadata=MULTILINE)
    version = fields.Integer(load_default=None, allow_none=True, metadata={
        "description": "the version read; a closure of a changed incident is a 409"})
