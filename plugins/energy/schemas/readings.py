"""A reading, as the API and the pages take and show it; ."""

from __future__ import annotations

from marshmallow import fields, validate

from core.sdk import Schema

from .meters import DIAL_VALUE


class ReadingSchema(Schema):
    id = fields.UUID(dump_only=True)
    meter_id = fields.UUID(dump_only=True)
    # A time without a zone is the school's own clock.
    read_at = fields.DateTime(required=True)
    value = fields.Decimal(**DIAL_VALUE)
    rolled_over = fields.Boolean(load_default=False)
    note = fields.String(load_default="", validate=validate.Length(max=200))
    kind = fields.String(dump_only=True)
    used = fields.Decimal(dump_only=True, as_string=True, allow_none=True)
    photo_id = fields.UUID(dump_only=True, allow_none=True)
    recorded_by = fields.String(dump_only=True)


class ReadingQuerySchema(Schema):
    meter_id = fields.UUID()
