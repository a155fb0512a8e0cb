"""Pick-up: a handover, a refusal, a temporary permit, and a child's list for the day."""

from __future__ import annotations

from marshmallow import fields, validate

from core.sdk import Schema


class PickupSchema(Schema):
    id = fields.UUID(dump_only=True)
    student_id = fields.UUID(required=True)
    guardian_id = fields.UUID(load_default=None, allow_none=True,
                              metadata={"description": "a guardian the school lets pick up"})
    permit_id = fields.UUID(load_default=None, allow_none=True,
                            metadata={"description": "a temporary permit valid today"})
    day = fields.Date(dump_only=True)
    at = fields.DateTime(dump_only=True)
    person = fields.String(dump_only=True)
    handed_by = fields.String(dump_only=True)


class RefusalSchema(Schema):
    id = fields.UUID(dump_only=True)
    student_id = fields.UUID(required=True)
    person = fields.String(required=True, validate=validate.Length(min=1, max=50),
                           metadata={"description": "the name the person gave"})
    note = fields.String(load_default="", validate=validate.Length(max=200))
    at = fields.DateTime(dump_only=True)
    refused_by = fields.String(dump_only=True)


class PermitSchema(Schema):
    id = fields.UUID(dump_only=True)
    student_id = fields.UUID(required=True)
    name = fields.String(required=True, validate=validate.Length(min=1, max=50))
    relation = fields.String(required=True, validate=validate.Length(min=1, max=20))
    phone = fields.String(load_default="", validate=validate.Length(max=20))
    valid_from = fields.Date(required=True)
    valid_until = fields.Date(required=True)
    photo_id = fields.UUID(dump_only=True, allow_none=True)
    granted_by = fields.String(dump_only=True)
    revoked_at = fields.DateTime(dump_only=True, allow_none=True)


class AuthorisedSchema(Schema):
    kind = fields.String(metadata={"description": "guardian or permit"})
    id = fields.UUID()
    name = fields.String()
    relation = fields.String()
    phone = fields.String()
    photo_id = fields.UUID(allow_none=True)
    valid_until = fields.Date(allow_none=True)


class ChildTodaySchema(Schema):
    student_id = fields.UUID(attribute="student.id")
    name = fields.String(attribute="student.name")
    class_title = fields.String()
    picked_up = fields.Nested(PickupSchema, allow_none=True)


class PickupQuerySchema(Schema):
    class_id = fields.UUID()
    waiting = fields.Boolean(load_default=False,
                             metadata={"description": "only the children still waiting"})
