"""Hygiene logs and their coverage."""

from __future__ import annotations

from decimal import Decimal

from marshmallow import fields, validate

from core.sdk import MULTILINE, Schema

from ..models import MEAL_SLOTS
from ..models.hygiene import DISINFECTION_METHODS, WASTE_KINDS

NAME = validate.Length(min=1, max=50)


class EntrySchema(Schema):
    """What every hygiene log entry has."""

    id = fields.UUID(dump_only=True)
    day = fields.Date(required=True)
    recorded_at = fields.DateTime(dump_only=True)
    voided_at = fields.DateTime(dump_only=True, allow_none=True)
    voided_by = fields.String(dump_only=True, allow_none=True)
    void_reason = fields.String(dump_only=True, allow_none=True)


class DisinfectionSchema(EntrySchema):
    slot = fields.String(required=True, validate=validate.OneOf(MEAL_SLOTS))
    method = fields.String(required=True, validate=validate.OneOf(DISINFECTION_METHODS))
    temperature = fields.Decimal(load_default=None, allow_none=True, places=1, as_string=True,
                                 validate=validate.Range(50, 250),
                                 metadata={"description": "°C reached; thermal methods"})
    agent = fields.String(load_default="", validate=validate.Length(max=100),
                          metadata={"description": "chemical: the disinfectant and strength"})
    minutes = fields.Integer(required=True, validate=validate.Range(1, 180))
    items = fields.String(load_default="", validate=validate.Length(max=100),
                          metadata={"description": "the tableware disinfected"})
    done_by = fields.String(required=True, validate=NAME)


class PestControlSchema(EntrySchema):
    area = fields.String(required=True, validate=validate.Length(min=1, max=60))
    method = fields.String(required=True, validate=validate.Length(min=1, max=100),
                           metadata={"description": "method and agent"})
    done_by = fields.String(required=True, validate=NAME)
    contractor = fields.String(load_default="", validate=validate.Length(max=80),
                               metadata={"description": "the company, when one was hired"})
    remarks = fields.String(load_default="", validate=validate.Length(max=500),
                            metadata=MULTILINE)


class WasteHandoverSchema(EntrySchema):
    kind = fields.String(load_default="food_waste", validate=validate.OneOf(WASTE_KINDS))
    kilograms = fields.Decimal(required=True, places=2, as_string=True,
                               validate=validate.Range(Decimal(0), Decimal(10000),
                                                       min_inclusive=False))
    collector = fields.String(required=True, validate=NAME)
    collector_company = fields.String(required=True, validate=validate.Length(min=1, max=80))
    receipt_no = fields.String(required=True, validate=validate.Length(min=1, max=40))
    handed_over_by = fields.String(required=True, validate=NAME)


class AccompaniedMealSchema(EntrySchema):
    slot = fields.String(required=True, validate=validate.OneOf(MEAL_SLOTS))
    leader_name = fields.String(required=True, validate=NAME)
    leader_title = fields.String(required=True, validate=NAME)
    rating = fields.Integer(required=True, validate=validate.Range(1, 5))
    remarks = fields.String(load_default="", validate=validate.Length(max=1000),
                            metadata=MULTILINE)


SCHEMAS = {"disinfections": DisinfectionSchema, "pest_controls": PestControlSchema,
           "waste_handovers": WasteHandoverSchema, "accompanied_meals": AccompaniedMealSchema}


class DayCoverageSchema(Schema):
    day = fields.Date()
    school_day = fields.Boolean()
    meal_day = fields.Boolean()
    served = fields.List(fields.String())
    accompanied = fields.List(fields.String())
    disinfected = fields.List(fields.String())
    present = fields.List(fields.String())
    missing = fields.List(fields.String())
    unaccompanied_meals = fields.List(fields.String())
