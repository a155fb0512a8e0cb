"""One schema per resource, serving the API and the pages' forms alike."""

from .drills import DrillRecordSchema, DrillSchema, DrillStandingSchema
from .equipment import DaySchema, EquipmentCheckSchema, EquipmentQuerySchema, EquipmentSchema
from .hazards import (
    AssignmentSchema,
    FixSchema,
    HazardQuerySchema,
    HazardSchema,
    HazardStepSchema,
    PhotoSchema,
    VerificationSchema,
)
from .settings import SafetySettingsSchema

__all__ = ["AssignmentSchema", "DaySchema", "DrillRecordSchema", "DrillSchema",
           "DrillStandingSchema", "EquipmentCheckSchema", "EquipmentQuerySchema",
           "EquipmentSchema", "FixSchema", "HazardQuerySchema", "HazardSchema",
           "HazardStepSchema", "PhotoSchema", "SafetySettingsSchema", "VerificationSchema"]
