"""What the audit log shows for the safety module's tables and its register's exports."""

from core.sdk import lazy_gettext

from .models import LEVEL_TITLES, STATUS_TITLES, STEP_TITLES

AUDIT_LABELS: dict[str, object] = {
    "safety_hazards": lazy_gettext("Hazards"),
    "safety_hazard_steps": lazy_gettext("Hazard steps"),
    "safety.hazards": lazy_gettext("Hazard register"),
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
}

AUDIT_VALUES: dict[str, dict] = {
    "safety_hazards.level": LEVEL_TITLES,
    "safety_hazards.status": STATUS_TITLES,
    "safety_hazard_steps.step": STEP_TITLES,
}
