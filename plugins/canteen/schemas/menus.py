"""One schema per resource, for the API and the pages alike."""

from __future__ import annotations

from marshmallow import ValidationError, fields, validate, validates_schema

from core.sdk import Schema

from .models import ALLERGENS, MEAL_SLOTS

TIME_OF_DAY = validate.Regexp(r"^([01]\d|2[0-3]):[0-5]\d$", error="a time such as 09:30")


class CanteenSettingsSchema(Schema):
    """A school's canteen settings."""

    meal_slots = fields.List(fields.String(validate=validate.OneOf(MEAL_SLOTS)),
                             load_default=lambda: ["breakfast", "lunch"],
                             validate=validate.Length(min=1, max=len(MEAL_SLOTS)))
    count_cutoff = fields.String(load_default="09:00", validate=TIME_OF_DAY,
                                 metadata={"description": "meal counts close at this time "
                                                          "on the day, school time"})
    tuck_shop = fields.Boolean(load_default=False)

    @validates_schema
    def _slots_once(self, data, **_):
        slots = data.get("meal_slots") or []
        if len(set(slots)) != len(slots):
            raise ValidationError("give each meal slot once", "meal_slots")


class IngredientSchema(Schema):
    food = fields.String(required=True, validate=validate.Length(min=1, max=60))
    grams = fields.Integer(required=True, validate=validate.Range(min=1, max=2000),
                           metadata={"description": "grams per serving"})


class DishSchema(Schema):
    id = fields.UUID(dump_only=True)
    name = fields.String(required=True, validate=validate.Length(min=1, max=60))
    allergens = fields.List(fields.String(validate=validate.OneOf(ALLERGENS)),
                            load_default=list)
    notes = fields.String(load_default="", validate=validate.Length(max=500))
    active = fields.Boolean(load_default=True)
    ingredients = fields.List(fields.Nested(IngredientSchema), load_default=list,
                              validate=validate.Length(max=40))


class DishChangeSchema(DishSchema):
    """An edit: any field, each optional; ingredients, when given, replace the old ones."""


class MenuItemSchema(Schema):
    id = fields.UUID(dump_only=True)
    day = fields.Date(required=True)
    slot = fields.String(required=True, validate=validate.OneOf(MEAL_SLOTS))
    dish_id = fields.UUID(required=True)
    dish = fields.String(dump_only=True, attribute="dish_name")
    position = fields.Integer(load_default=0, validate=validate.Range(min=0, max=50))


class MenuWeekQuerySchema(Schema):
    week = fields.Date(required=True, metadata={"description": "any day of the week"})


class CopyWeekSchema(Schema):
    source = fields.Date(required=True, metadata={"description": "any day of the week to copy"})
    target = fields.Date(required=True, metadata={"description": "any day of the week to fill"})
    replace = fields.Boolean(load_default=False,
                             metadata={"description": "clear the target week first"})


class SampleSchema(Schema):
    id = fields.UUID(dump_only=True)
    day = fields.Date(required=True)
    slot = fields.String(required=True, validate=validate.OneOf(MEAL_SLOTS))
    dish_id = fields.UUID(required=True)
    grams = fields.Integer(required=True, validate=validate.Range(min=1, max=5000))
    taken_at = fields.AwareDateTime(required=True, default_timezone=None)
    taken_by = fields.String(required=True, validate=validate.Length(min=1, max=50))
    cabinet = fields.String(required=True, validate=validate.Length(min=1, max=30))
    dispose_due_at = fields.DateTime(dump_only=True)
    disposed_at = fields.DateTime(dump_only=True, allow_none=True)
    disposed_by = fields.String(dump_only=True, allow_none=True)


class DisposalSchema(Schema):
    disposed_by = fields.String(required=True, validate=validate.Length(min=1, max=50))


class DayQuerySchema(Schema):
    day = fields.Date(required=True)
