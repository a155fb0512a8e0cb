"""The hazard register's filtered .xlsx (what the register page shows, through the register's
columns), and the list of the safety module's tables for the school file."""

from __future__ import annotations

from flask import Response

from core.sdk import _, audit, sheet_cell, workbook_bytes, xlsx_download

from .models import (
    Drill,
    DutyShift,
    DutySwap,
    Equipment,
    EquipmentCheck,
    Handover,
    Hazard,
    HazardStep,
    Incident,
    IncidentEntry,
    IncidentPerson,
    PatrolCheck,
    PatrolPoint,
    Pickup,
    PickupPermit,
    PickupRefusal,
)
from .models.rounds import (
    Checklist,
    ChecklistItem,
    RoundAmendment,
    RoundAnswer,
    RoundSchedule,
    SafetyRound,
)
from .models.visitors import GateRefusal, Visit
from .registers import COLUMNS, rows_of

TABLES = {"safety_hazards": Hazard, "safety_hazard_steps": HazardStep,
          "safety_equipment": Equipment, "safety_equipment_checks": EquipmentCheck,
          "safety_drills": Drill, "safety_pickup_permits": PickupPermit,
          "safety_pickups": Pickup, "safety_pickup_refusals": PickupRefusal,
          "safety_incidents": Incident, "safety_incident_people": IncidentPerson,
          "safety_incident_entries": IncidentEntry,
          "safety_duty_shifts": DutyShift, "safety_patrol_points": PatrolPoint,
          "safety_patrol_checks": PatrolCheck, "safety_handovers": Handover,
          "safety_duty_swaps": DutySwap,
          "safety_gate_visits": Visit, "safety_gate_refusals": GateRefusal,
          "safety_checklists": Checklist, "safety_checklist_items": ChecklistItem,
          "safety_round_schedules": RoundSchedule, "safety_rounds": SafetyRound,
          "safety_round_answers": RoundAnswer, "safety_round_amendments": RoundAmendment}


def hazards_download(hazards: list[Hazard], filters: dict) -> Response:
    audit.record("export", "safety.hazards", after={k: str(v) for k, v in filters.items()})
    sheet = [[str(c.title) for c in COLUMNS],
             *([sheet_cell(c.value(row)) for c in COLUMNS] for row in rows_of(hazards))]
    return xlsx_download(workbook_bytes([(_("Hazard register"), sheet)]), "safety-hazards.xlsx")
