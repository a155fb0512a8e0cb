"""One schema per resource, serving the API and the pages' forms alike."""

from .drills import DrillRecordSchema, DrillSchema, DrillStandingSchema
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
from .visitors import (
    CheckInSchema,
    CheckOutSchema,
    ExpectedVisitSchema,
    GateRefusalSchema,
    VisitQuerySchema,
    VisitSchema,
)

__all__ = [
    "AssignmentSchema",
    "AuthorisedSchema",
    "CheckInSchema",
    "CheckOutSchema",
    "ChildTodaySchema",
    "DrillRecordSchema",
    "DrillSchema",
    "DrillStandingSchema",
    "EquipmentCheckSchema",
    "EquipmentQuerySchema",
    "EquipmentSchema",
    "ExpectedVisitSchema",
    "FixSchema",
    "GateRefusalSchema",
    "HazardQuerySchema",
    "HazardSchema",
    "HazardStepSchema",
    "PermitSchema",
    "PhotoSchema",
    "PickupQuerySchema",
    "PickupSchema",
    "RefusalSchema",
    "RetirementSchema",
    "SafetySettingsSchema",
    "ServiceSchema",
    "VerificationSchema",
    "VisitQuerySchema",
    "VisitSchema",
]
