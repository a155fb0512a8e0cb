from marshmallow import fields, validate

from core.sdk import MULTILINE, Schema


class NoteSchema(Schema):
    id = fields.UUID(dump_only=True)
    title = fields.String(required=True, validate=validate.Length(min=1, max=200))
    body = fields.String(load_default="", validate=validate.Length(max=10000),
                         metadata=MULTILINE)
    created_at = fields.DateTime(dump_only=True)


class NotesSettingsSchema(Schema):
    max_body_length = fields.Integer(load_default=2000, validate=validate.Range(min=1, max=10000))
    greeting = fields.String(load_default="welcome", validate=validate.Length(min=1, max=100))


class ItemsJobSchema(Schema):
    count = fields.Integer(required=True, validate=validate.Range(min=1, max=10000))
    fail_at = fields.Integer(load_default=None, allow_none=True)
