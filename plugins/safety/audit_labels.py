"""What the audit log shows for the safety module's tables and its register's exports."""

from core.sdk import lazy_gettext

from .models import AGENT_TITLES, DRILL_TITLES, EQUIPMENT_TITLES, LEVEL_TITLES, STATUS_TITLES, STEP_TITLES

AUDIT_LABELS: dict[str, object] = {
    "safety_hazards": lazy_gettext("Hazards"),
    "safety_hazard_steps": lazy_gettext("Hazard steps"),
    "safety.hazards": lazy_gettext("Hazard register"),
    "safety_equipment": lazy_gettext("Fire equipment"),
    "safety_equipment_checks": lazy_gettext("Fire equipment checks"),
    "safety.equipment": lazy_gettext("Fire equipment"),
    "safety_drills": lazy_gettext("Drills"),
    "safety.drills": lazy_gettext("Drills"),
}

# The safety columns core does not name already, with the titles its pages give them.
AUDIT_FIELDS: dict[str, object] = {
    "safety_hazards.found_at": lazy_gettext("Found at"),
    "safety_hazards.place": lazy_gettext("Place"),
    "safety_hazards.description": lazy_gettext("Hazard"),
    "safety_hazards.level": lazy_gettext("Level"),
    "safety_hazards.reported_by": lazy_gettext("Found by"),
    "safety_hazards.reported_by_user": lazy_gettext("Found by (login)"),
    "safety_hazards.photo_id": lazy_gettext("Photo"),
    "safety_hazards.owner_id": lazy_gettext("Owner"),
    "safety_hazards.deadline": lazy_gettext("Deadline"),
    "safety_hazards.fixed_by": lazy_gettext("Fixed by"),
    "safety_hazards.fixed_by_user": lazy_gettext("Fixed by (login)"),
    "safety_hazards.closed_at": lazy_gettext("Closed at"),
    "safety_hazards.escalated_at": lazy_gettext("Reported to the district at"),
    "safety_hazard_steps.hazard_id": lazy_gettext("Hazard"),
    "safety_hazard_steps.step": lazy_gettext("Step"),
    "safety_hazard_steps.at": lazy_gettext("At"),
    "safety_hazard_steps.by": lazy_gettext("Done by"),
    "safety_hazard_steps.photo_id": lazy_gettext("Photo"),
    "safety_equipment.agent": lazy_gettext("Agent"),
    "safety_equipment.capacity": lazy_gettext("Capacity, as on the label"),
    "safety_equipment.produced_on": lazy_gettext("Made on"),
    "safety_equipment.place": lazy_gettext("Where it stands"),
    "safety_equipment.listed_place": lazy_gettext("Checked every half month"),
    "safety_equipment.registered_on": lazy_gettext("Registered on"),
    "safety_equipment.serviced_on": lazy_gettext("Last serviced on"),
    "safety_equipment.retired_on": lazy_gettext("Taken out of use"),
    "safety_equipment_checks.equipment_id": lazy_gettext("Fire equipment"),
    "safety_equipment_checks.checked_on": lazy_gettext("Day"),
    "safety_equipment_checks.pressure": lazy_gettext("Pressure gauge in the green"),
    "safety_equipment_checks.seal": lazy_gettext("Pin and seal intact"),
    "safety_equipment_checks.hose": lazy_gettext("Hose and nozzle sound"),
    "safety_equipment_checks.body": lazy_gettext("No dent, rust or leak; label legible"),
    "safety_equipment_checks.works": lazy_gettext("Lights, sounds or flows when tested"),
    "safety_equipment_checks.passed": lazy_gettext("passed"),
    "safety_equipment_checks.checked_by": lazy_gettext("Inspected by"),
    "safety_drills.planned_on": lazy_gettext("Planned on"),
    "safety_drills.scope": lazy_gettext("Who takes part"),
    "safety_drills.held_on": lazy_gettext("Held on"),
    "safety_drills.participants": lazy_gettext("People taking part"),
    "safety_drills.evacuation_seconds": lazy_gettext("Evacuation time (seconds)"),
    "safety_drills.evaluation": lazy_gettext("How it went"),
    "safety_drills.lessons": lazy_gettext("Lessons"),
    "safety_drills.photo_id": lazy_gettext("Photo"),
    "safety_drills.planned_by": lazy_gettext("Planned by"),
    "safety_drills.recorded_by": lazy_gettext("Written up by"),
}

AUDIT_VALUES: dict[str, dict] = {
    "safety_hazards.level": LEVEL_TITLES,
    "safety_hazards.status": STATUS_TITLES,
    "safety_hazard_steps.step": STEP_TITLES,
    "safety_equipment.kind": EQUIPMENT_TITLES,
    "safety_equipment.agent": AGENT_TITLES,
    "safety_drills.kind": DRILL_TITLES,
}
