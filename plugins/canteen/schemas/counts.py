"""Meal counts."""

from __future__ import annotations

from marshmallow import ValidationError, fields, validate, validates_schema

from core.sdk import Schema, _l

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


class ReportedCountSchema(MealCountSchema):
    warnings = fields.List(fields.String(), dump_only=True)


class SheetCellSchema(Schema):
    kind = fields.String()
    class_id = fields.UUID(allow_none=True)
    class_name = fields.String(allow_none=True)
    enrolled = fields.Integer(allow_none=True)
    slot = fields.String()
    count_id = fields.UUID(allow_none=True)
    eaters = fields.Integer(allow_none=True)
    version = fields.Integer(metadata={"description": "send it back with a change; 0: none yet"})


class SheetSchema(Schema):
    day = fields.Date()
    school_day = fields.Boolean()
    closes_at = fields.DateTime()
    closed = fields.Boolean()
    cells = fields.List(fields.Nested(SheetCellSchema))


class ClassCountSchema(Schema):
    class_id = fields.UUID()
    class_name = fields.String()
    eaters = fields.Integer()
    version = fields.Integer()
    late = fields.Boolean()


class UnreportedClassSchema(Schema):
    class_id = fields.UUID()
    class_name = fields.String()
    slot = fields.String()


class MealTotalSchema(Schema):
    slot = fields.String()
    students = fields.Integer()
    staff = fields.Integer()
    total = fields.Integer()
    classes = fields.List(fields.Nested(ClassCountSchema))
    unreported = fields.List(fields.Nested(UnreportedClassSchema))
