"""Fire equipment pages: the register with what falls due and the form that adds a piece; one
piece with its standing, the phone form of its check, its service and retirement."""

from __future__ import annotations

import uuid

from flask import redirect, render_template, request, url_for

from core.sdk import buildings, forms, requires

from ..models import AGENT_TITLES, AGENTS, EQUIPMENT_KINDS, EQUIPMENT_TITLES
from ..regulations import CERTAINTY_TITLES, RULE_TITLES, VALUE_TITLES, rules
from ..schemas import EquipmentCheckSchema, EquipmentSchema, RetirementSchema, ServiceSchema
from ..services import equipment, today
from . import bp

FIELDS = ("number", "kind", "agent", "capacity", "produced_on", "building_id", "place",
          "listed_place", "serviced_on")
PARTS_SHOWN = equipment.PARTS


def _render_list(errors: dict, form: dict, status: int = 200):
    due = request.args.get("due", "")
    if due in ("check", "overdue", "month"):
        rows, page, more = forms.page_of(equipment.due(due))
    else:
        due = ""
        found, page, more = forms.page_of(equipment.listed())
        rows = equipment.standings(found)
    return render_template("safety/equipment.html", rows=rows, page=page, more=more, due=due,
                           errors=errors, form=form, kinds=EQUIPMENT_KINDS,
                           kind_titles=EQUIPMENT_TITLES, agents=AGENTS,
                           agent_titles=AGENT_TITLES, buildings=buildings(),
                           rules=rules(), rule_titles=RULE_TITLES, value_titles=VALUE_TITLES,
                           certainty_titles=CERTAINTY_TITLES, today=today()), status


@bp.route("/equipment", endpoint="equipment")
@requires("safety.read")
def equipment_page():
    return _render_list({}, {"kind": "extinguisher"})


@bp.route("/equipment", methods=["POST"])
@requires("safety.equipment.manage")
@forms.submitted(_render_list, picked=("building_id",))
def create_equipment():
    data = EquipmentSchema().load_form(forms.schema_fields(
        request.form, FIELDS, optional=("agent", "produced_on", "building_id", "serviced_on"),
        checkboxes=("listed_place",)))
    made = equipment.create(data)
    return redirect(url_for("safety_pages.equipment_item", equipment_id=made.id))


def _render_item(errors: dict, form: dict, status: int = 200, *, equipment_id: uuid.UUID):
    found = equipment.get(equipment_id)
    checks, page, more = forms.page_of(equipment.checks(found.id))
    return render_template("safety/equipment_item.html", item=equipment.shown_one(found),
                           checks=checks, page=page, more=more, errors=errors, form=form,
                           kind_titles=EQUIPMENT_TITLES, agent_titles=AGENT_TITLES,
                           parts=PARTS_SHOWN, today=today(),
                           building={b.id: b.name for b in buildings()}.get(found.building_id)
                           ), status


@bp.route("/equipment/<uuid:equipment_id>", endpoint="equipment_item")
@requires("safety.read")
def equipment_item(equipment_id: uuid.UUID):
    return _render_item({}, {"checked_on": today().isoformat()}, equipment_id=equipment_id)


@bp.route("/equipment/<uuid:equipment_id>/checks", methods=["POST"])
@requires("safety.equipment.check")
@forms.submitted(_render_item)
def check_equipment(equipment_id: uuid.UUID):
    # Each part is a choice of passed, failed or not for this kind ("" leaves it out).
    data = EquipmentCheckSchema().load_form(forms.schema_fields(
        request.form, ("checked_on", "note", *PARTS_SHOWN),
        optional=("checked_on", *PARTS_SHOWN)))
    equipment.record_check(equipment.get(equipment_id), data)
    return redirect(url_for("safety_pages.equipment_item", equipment_id=equipment_id))


@bp.route("/equipment/<uuid:equipment_id>/service", methods=["POST"])
@requires("safety.equipment.manage")
@forms.submitted(_render_item)
def service_equipment(equipment_id: uuid.UUID):
    data = ServiceSchema().load_form(forms.schema_fields(request.form, ("serviced_on",),
                                                         optional=("serviced_on",)))
    equipment.record_service(equipment.get(equipment_id), data.get("serviced_on") or today())
    return redirect(url_for("safety_pages.equipment_item", equipment_id=equipment_id))


@bp.route("/equipment/<uuid:equipment_id>/retirement", methods=["POST"])
@requires("safety.equipment.manage")
@forms.submitted(_render_item)
def retire_equipment(equipment_id: uuid.UUID):
    data = RetirementSchema().load_form(forms.schema_fields(request.form, ("retired_on",),
                                                            optional=("retired_on",)))
    equipment.retire(equipment.get(equipment_id), data.get("retired_on") or today())
    return redirect(url_for("safety_pages.equipment_item", equipment_id=equipment_id))
