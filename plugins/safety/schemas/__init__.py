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
    "ChildTodaySchema",
    "ClosureSchema",
    "DistrictReportSchema",
    "DrillRecordSchema",
    "DrillSchema",
    "DrillStandingSchema",
    "EquipmentCheckSchema",
    "EquipmentQuerySchema",
    "EquipmentSchema",
    "FixSchema",
    "FollowUpSchema",
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
    "RefusalSchema",
    "RetirementSchema",
    "SafetySettingsSchema",
    "ServiceSchema",
    "VerificationSchema",
]
