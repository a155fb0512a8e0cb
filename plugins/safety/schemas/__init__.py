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
from .incidents import (
    ClosureSchema,
    DistrictReportSchema,
    FollowUpSchema,
    IncidentPersonSchema,
    IncidentQuerySchema,
    IncidentSchema,
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
    "ClosureSchema",
    "DistrictReportSchema",
    "DrillRecordSchema",
    "DrillSchema",
    "DrillStandingSchema",
    "EquipmentCheckSchema",
    "EquipmentQuerySchema",
    "EquipmentSchema",
    "FillSchema",
    "FilledSchema",
    "FixSchema",
    "FollowUpSchema",
    "HandoverSchema",
    "HazardQuerySchema",
    "HazardSchema",
    "HazardStepSchema",
    "IncidentPersonSchema",
    "IncidentQuerySchema",
    "IncidentSchema",
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
