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
    "ExpectedVisitSchema",
    "FillSchema",
    "FilledSchema",
    "FixSchema",
    "FollowUpSchema",
    "GateRefusalSchema",
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
    "VisitQuerySchema",
    "VisitSchema",
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
