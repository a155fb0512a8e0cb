"""A meter, as the API and the pages take and show it; the form that replaces one."""

from __future__ import annotations

from decimal import Decimal

from marshmallow import fields, validate

from core.sdk import Schema

from ..models import KINDS

DIAL_VALUE = {"required": True, "as_string": True, "places": 3,
              "validate": validate.Range(min=Decimal(0), max=Decimal("999999999.999"))}


class MeterSchema(Schema):
    id = fields.UUID(dump_only=True)
    number = fields.String(required=True, validate=validate.Length(min=1, max=40))
    kind = fields.String(required=True, validate=validate.OneOf(KINDS))
    unit = fields.String(dump_only=True)
    building_id = fields.UUID(load_default=None, allow_none=True,
                              metadata={"description": "one of the school's buildings "
                                                       "(core's places), or none"})
    building = fields.String(dump_only=True,
                             metadata={"description": "the building's name; on a meter set up "
                                                      "before meters named core's buildings, "
                                                      "the name as written when it matched "
                                                      "none of the school's"})
    location = fields.String(load_default="", validate=validate.Length(max=120))
    parent_id = fields.UUID(load_default=None, allow_none=True)
    digits = fields.Integer(required=True, strict=True, validate=validate.Range(1, 9))
    multiplier = fields.Integer(load_default=1, strict=True, validate=validate.Range(1, 100000))
    installed_on = fields.Date(required=True)
    retired_on = fields.Date(dump_only=True, allow_none=True)
    replaces_id = fields.UUID(dump_only=True, allow_none=True)


class MeterBuildingSchema(Schema):
    """The building a meter is in: one of the school's, or none."""

    building_id = fields.UUID(required=True, allow_none=True)


class MeterQuerySchema(Schema):
    kind = fields.String(validate=validate.OneOf(KINDS))
    retired = fields.Boolean(load_default=False)


class ReplacementSchema(Schema):
    """The old meter's final reading and the new meter, read at the same moment."""

    read_at = fields.DateTime(required=True)
    final_value = fields.Decimal(**DIAL_VALUE)
    final_rolled_over = fields.Boolean(load_default=False)
    number = fields.String(required=True, validate=validate.Length(min=1, max=40),
                           metadata={"description": "the new meter's number"})
    digits = fields.Integer(required=True, strict=True, validate=validate.Range(1, 9))
    multiplier = fields.Integer(load_default=1, strict=True, validate=validate.Range(1, 100000))
    first_value = fields.Decimal(**DIAL_VALUE)
