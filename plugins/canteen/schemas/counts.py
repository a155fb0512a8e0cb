"""Meal counts."""

from __future__ import annotations

from marshmallow import ValidationError, fields, validate, validates_schema

from core.sdk import Schema
from core.sdk import lazy_gettext as _l

from ..models import MEAL_SLOTS

EATERS = validate.Range(min=0, max=10000)


class MealCountSchema(Schema):
    """A count as reported: for a class (``class_id``) or for the staff (``kind`` "staff").

    ``version`` is the version of the count the reporter last saw: 0 when none was reported.
    """

    id = fields.UUID(dump_only=True)
    day = fields.Date(required=True)
    slot = fields.String(required=True, validate=validate.OneOf(MEAL_SLOTS))
    kind = fields.String(load_default="class", validate=validate.OneOf(("class", "staff")))
    class_id = fields.UUID(load_default=None, allow_none=True)
    class_name = fields.String(dump_only=True, allow_none=True)
    eaters = fields.Integer(required=True, validate=EATERS)
    version = fields.Integer(load_default=0, validate=validate.Range(min=0))
    reported_by = fields.String(dump_only=True)
    reported_at = fields.DateTime(dump_only=True)
    late = fields.Boolean(dump_only=True, metadata={"description": "changed after the cut-off"})

    @validates_schema
    def _class_or_staff(self, data, **_):
        if data.get("kind", "class") == "class" and data.get("class_id") is None:
            raise ValidationError(_l("name the class, or count the staff"), "class_id")
        if data.get("kind") == "staff" and data.get("class_id") is not None:
            raise ValidationError(_l("the staff's meals belong to no class"), "class_id")


class CountChangeSchema(Schema):
    eaters = fields.Integer(required=True, validate=EATERS)
    version = fields.Integer(required=True, validate=validate.Range(min=1), metadata={
        "description": "the version of the count you read"})
