"""A piece of fire equipment and its checks, as the API and the pages take and show them."""

from __future__ import annotations

from marshmallow import fields, validate

from core.sdk import Schema

from ..models import AGENTS, EQUIPMENT_KINDS


class EquipmentSchema(Schema):
    id = fields.UUID(dump_only=True)
    number = fields.String(required=True, validate=validate.Length(min=1, max=40))
    kind = fields.String(required=True, validate=validate.OneOf(EQUIPMENT_KINDS))
    agent = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(AGENTS),
                          metadata={"description": "an extinguisher's agent (表5.3.2/5.4.3)"})
    capacity = fields.String(load_default="", validate=validate.Length(max=20),
                             metadata={"description": "as on its label, such as 4kg"})
    produced_on = fields.Date(load_default=None, allow_none=True,
                              metadata={"description": "required for an extinguisher"})
    building_id = fields.UUID(load_default=None, allow_none=True)
    place = fields.String(required=True, validate=validate.Length(min=1, max=120))
    listed_place = fields.Boolean(load_default=False, metadata={
        "description": "in a place GB 50444-2008 §5.2.2 lists (a boiler room, a basement): "
                       "an extinguisher there is checked every half month"})
    serviced_on = fields.Date(load_default=None, allow_none=True,
                              metadata={"description": "its last service, if any"})
    registered_on = fields.Date(dump_only=True)
    retired_on = fields.Date(dump_only=True, allow_none=True)
    version = fields.Integer(dump_only=True)
    period = fields.String(dump_only=True, allow_none=True,
                           metadata={"description": "monthly, half_monthly, or none"})
    last_check = fields.Date(dump_only=True, allow_none=True)
    check_due = fields.Boolean(dump_only=True)
    check_overdue = fields.Boolean(dump_only=True)
    service_due = fields.Date(dump_only=True, allow_none=True)
    scrap_due = fields.Date(dump_only=True, allow_none=True)


class EquipmentQuerySchema(Schema):
    kind = fields.String(validate=validate.OneOf(EQUIPMENT_KINDS))
    due = fields.String(validate=validate.OneOf(("check", "overdue", "month")), metadata={
        "description": "check: a check due this period; overdue: a check missed or service "
                       "or scrapping past due; month: service or scrapping due this month"})
    retired = fields.Boolean(load_default=False)


class EquipmentCheckSchema(Schema):
    id = fields.UUID(dump_only=True)
    checked_on = fields.Date(load_default=None, allow_none=True,
                             metadata={"description": "default: today"})
    pressure = fields.Boolean(load_default=None, allow_none=True,
                              metadata={"description": "the gauge in the green zone"})
    seal = fields.Boolean(load_default=None, allow_none=True,
                          metadata={"description": "pin and seal intact"})
    hose = fields.Boolean(load_default=None, allow_none=True,
                          metadata={"description": "hose and nozzle sound"})
    body = fields.Boolean(load_default=None, allow_none=True,
                          metadata={"description": "no dent, rust or leak; label legible"})
    works = fields.Boolean(load_default=None, allow_none=True,
                           metadata={"description": "lights, sounds or flows when tested"})
    passed = fields.Boolean(dump_only=True)
    note = fields.String(load_default="", validate=validate.Length(max=200),
                         metadata={"description": "what is wrong, required on a failure"})
    checked_by = fields.String(dump_only=True)


class ServiceSchema(Schema):
    serviced_on = fields.Date(load_default=None, allow_none=True,
                              metadata={"description": "default: today"})


class RetirementSchema(Schema):
    retired_on = fields.Date(load_default=None, allow_none=True,
                             metadata={"description": "default: today"})
