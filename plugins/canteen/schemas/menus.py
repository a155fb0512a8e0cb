"""Dishes and menus."""

from __future__ import annotations

from marshmallow import fields, validate

from core.sdk import MULTILINE, Schema

from ..models import ALLERGENS, MEAL_SLOTS


class IngredientSchema(Schema):
    food = fields.String(required=True, validate=validate.Length(min=1, max=60))
    grams = fields.Integer(required=True, validate=validate.Range(min=1, max=2000),
                           metadata={"description": "grams per serving"})


class DishSchema(Schema):
    id = fields.UUID(dump_only=True)
    name = fields.String(required=True, validate=validate.Length(min=1, max=60))
    allergens = fields.List(fields.String(validate=validate.OneOf(ALLERGENS)),
                            load_default=list)
    notes = fields.String(load_default="", validate=validate.Length(max=500), metadata=MULTILINE)
    active = fields.Boolean(load_default=True)
    ingredients = fields.List(fields.Nested(IngredientSchema), load_default=list,
                              validate=validate.Length(max=40))
    photo_id = fields.UUID(dump_only=True, allow_none=True,
                           metadata={"description": "set through /dishes/<id>/photo"})


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


class AddedMenuItemSchema(MenuItemSchema):
    warnings = fields.List(fields.String(), dump_only=True)


class CopiedSchema(Schema):
    added = fields.Integer()
