"""The safety module's daily job: chase the hazards past their deadline."""

from __future__ import annotations

from core.sdk import N_, JobContext, notify

from .services import drills, equipment, hazards, today

EQUIPMENT_DUE = "safety.equipment"  # the notice kind of equipment falling due
DRILLS_DUE = "safety.drills"  # the notice kind of drills due or missed


def chase_late(ctx: JobContext) -> int:
    """Tell the director of each late hazard and report those later than the school's limit
    to the district; tell whoever checks the fire equipment what is due. Core's scheduler
    runs it for every school with the module on; run twice in a day (retried), it updates the
    same notices and escalates nothing twice."""
    late, _escalated = hazards.chase_late()
    remind_equipment()
    remind_drills()
    return late


def remind_drills() -> None:
    """Tell whoever plans drills when the last period went without one, and when the next is
    due within a week with none planned."""
    standing = drills.standing()
    if standing.missed:
        notify(f"safety:drill-missed:{standing.next_due}", "safety.drills.manage",
               N_("The last period went without an evacuation drill; the next is due by %(day)s"),
               {"day": standing.next_due.isoformat()}, source="safety",
               endpoint="safety_pages.drills", kind=DRILLS_DUE)
    elif not standing.planned and (standing.next_due - today()).days <= 7:
        notify(f"safety:drill-due:{standing.next_due}", "safety.drills.manage",
               N_("An evacuation drill is due by %(day)s and none is planned"),
               {"day": standing.next_due.isoformat()}, source="safety",
               endpoint="safety_pages.drills", kind=DRILLS_DUE)


def remind_equipment() -> None:
    """One notice a school for the checks due this period and one for service or scrapping
    due this month, updated as the figures change (none while nothing is due)."""
    due = equipment.falling_due()
    checks, month = due["check"], due["month"]
    if checks:
        notify(f"safety:equipment-checks:{today():%Y-%m}", "safety.equipment.check",
               N_("%(count)s pieces of fire equipment are due for their check"),
               {"count": len(checks)}, source="safety", endpoint="safety_pages.equipment",
               endpoint_args={"due": "check"}, kind=EQUIPMENT_DUE)
    if month:
        notify(f"safety:equipment-service:{today():%Y-%m}", "safety.equipment.manage",
               N_("%(count)s extinguishers are due for service or scrapping this month"),
               {"count": len(month)}, source="safety", endpoint="safety_pages.equipment",
               endpoint_args={"due": "month"}, kind=EQUIPMENT_DUE)
