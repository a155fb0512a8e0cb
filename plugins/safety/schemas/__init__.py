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

__all__ = [
    "AssignmentSchema",
    "AuthorisedSchema",
    "ChildTodaySchema",
    "DrillRecordSchema",
    "DrillSchema",
    "DrillStandingSchema",
    "EquipmentCheckSchema",
    "EquipmentQuerySchema",
    "EquipmentSchema",
    "FixSchema",
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
]
from .rounds import (
    ChecklistRevisionSchema,
    ChecklistSchema,
    DistrictChecklistSchema,
    DueRoundSchema,
    RoundAmendmentSchema,
    RoundAnswersSchema,
    RoundQuerySchema,
    RoundScheduleSchema,
    RoundSchema,
    RoundStartSchema,
)

__all__ += ["ChecklistRevisionSchema", "ChecklistSchema", "DistrictChecklistSchema", "DueRoundSchema",
            "RoundAmendmentSchema", "RoundAnswersSchema", "RoundQuerySchema",
            "RoundScheduleSchema", "RoundSchema", "RoundStartSchema"]
