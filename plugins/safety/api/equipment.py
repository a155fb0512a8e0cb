"""Fire equipment: the register with what falls due, one piece with its standing, its checks,
its service and its retirement; the cited rules in force."""

from __future__ import annotations

import uuid

from core.sdk import MAX_PAGE_SIZE, PAGE_SIZE, RuleSchema, page_of, requires, transactional

from ..regulations import rules
from ..schemas import (
    EquipmentCheckSchema,
    EquipmentQuerySchema,
    EquipmentSchema,
    RetirementSchema,
    ServiceSchema,
)
from ..services import equipment, today
from . import blp


@blp.route("/equipment")
@blp.arguments(EquipmentQuerySchema, location="query")
@blp.response(200, EquipmentSchema(many=True))
@blp.paginate(page_size=PAGE_SIZE, max_page_size=MAX_PAGE_SIZE)
@requires("safety.read")
def list_equipment(query, pagination_parameters):
    """The fire equipment in use by kind and number (retired too with ``retired=true``), each
    with its check period, last check and the days it is due for service and scrapping;
    ``due`` keeps only what falls due."""
    if query.get("due"):
        found = [s for s in equipment.due(query["due"])
                 if not query.get("kind") or s.equipment.kind == query["kind"]]
        return page_of([equipment.shown(s) for s in found], pagination_parameters)
    rows = page_of(equipment.listed(query.get("kind"), query["retired"]), pagination_parameters)
    return [equipment.shown(s) for s in equipment.standings(rows)]


@blp.route("/equipment", methods=["POST"])
@blp.arguments(EquipmentSchema)
@blp.response(201, EquipmentSchema)
@requires("safety.equipment.manage")
@transactional
def create_equipment(data):
    """Register a piece of equipment; its number is unique in the school (409 when taken).
    An extinguisher needs its agent and the day it was made."""
    return equipment.shown_one(equipment.create(data))


@blp.route("/equipment/<uuid:equipment_id>")
@blp.response(200, EquipmentSchema)
@requires("safety.read")
def get_equipment(equipment_id: uuid.UUID):
    """One piece of equipment with its standing; another school's, or none, is the same 404."""
    return equipment.shown_one(equipment.get(equipment_id))


@blp.route("/equipment/<uuid:equipment_id>/checks")
@blp.response(200, EquipmentCheckSchema(many=True))
@blp.paginate(page_size=PAGE_SIZE, max_page_size=MAX_PAGE_SIZE)
@requires("safety.read")
def list_checks(pagination_parameters, equipment_id: uuid.UUID):
    """Its checks, newest first."""
    return page_of(equipment.checks(equipment.get(equipment_id).id), pagination_parameters)


@blp.route("/equipment/<uuid:equipment_id>/checks", methods=["POST"])
@blp.arguments(EquipmentCheckSchema)
@blp.response(201, EquipmentCheckSchema)
@requires("safety.equipment.check")
@transactional
def check_equipment(data, equipment_id: uuid.UUID):
    """Record a check (附录C): each part passed (true) or not (false), or left out when not
    for this kind; a failure needs ``note``. A second check of it the same day is a 409."""
    return equipment.record_check(equipment.get(equipment_id), data)


@blp.route("/equipment/<uuid:equipment_id>/service", methods=["POST"])
@blp.arguments(ServiceSchema)
@blp.response(200, EquipmentSchema)
@requires("safety.equipment.manage")
@transactional
def service_equipment(data, equipment_id: uuid.UUID):
    """Record an extinguisher's service (维修) on ``serviced_on``: its next is counted from
    then."""
    found = equipment.get(equipment_id)
    equipment.record_service(found, data.get("serviced_on") or today())
    return equipment.shown_one(found)


@blp.route("/equipment/<uuid:equipment_id>/retirement", methods=["POST"])
@blp.arguments(RetirementSchema)
@blp.response(200, EquipmentSchema)
@requires("safety.equipment.manage")
@transactional
def retire_equipment(data, equipment_id: uuid.UUID):
    """Take it out of use on ``retired_on`` (scrapped, replaced); it keeps its checks."""
    found = equipment.get(equipment_id)
    equipment.retire(found, data.get("retired_on") or today())
    return equipment.shown_one(found)


@blp.route("/rules")
@blp.response(200, RuleSchema(many=True))
@requires("safety.read")
def list_rules():
    """The cited rules in force for the school: each value with its source, how sure it is
    and the district that overrides it, if one does."""
    return list(rules().values())
