"""One schema per resource, serving the API and the pages' forms alike."""

from .drills import DrillRecordSchema, DrillSchema, DrillStandingSchema
from .duty import (
    CheckSchema,
    FilledSchema,
    FillSchema,
    HandoverSchema,
    PointChangeSchema,
    PointSchema,
    ShiftQuerySchema,
    ShiftSchema,
    SwapAnswerSchema,
    SwapSchema,
)
from .equipment import (
    EquipmentCheckSchema,
    EquipmentQuerySchema,
    EquipmentSchema,
    RetirementSchema,
    ServiceSchema,
)
from .hazards import (
    AssignmentSchema,
    FixSchema,
    HazardQuerySchema,
    HazardSchema,
    HazardStepSchema,
    PhotoSchema,
    VerificationSchema,
)
from .pickup import (
    AuthorisedSchema,
    ChildTodaySchema,
    PermitSchema,
    PickupQuerySchema,
    PickupSchema,
    RefusalSchema,
)
from .settings import SafetySettingsSchema

__all__ = [
    "AssignmentSchema",
    "AuthorisedSchema",
    "CheckSchema",
    "ChildTodaySchema",
    "DrillRecordSchema",
    "DrillSchema",
    "DrillStandingSchema",
    "EquipmentCheckSchema",
    "EquipmentQuerySchema",
    "EquipmentSchema",
    "FillSchema",
    "FilledSchema",
    "FixSchema",
    "HandoverSchema",
    "HazardQuerySchema",
    "HazardSchema",
    "HazardStepSchema",
    "PermitSchema",
    "PhotoSchema",
    "PickupQuerySchema",
    "PickupSchema",
    "PointChangeSchema",
    "PointSchema",
    "RefusalSchema",
    "RetirementSchema",
    "SafetySettingsSchema",
    "ServiceSchema",
    "ShiftQuerySchema",
    "ShiftSchema",
    "SwapAnswerSchema",
    "SwapSchema",
    "VerificationSchema",
]
