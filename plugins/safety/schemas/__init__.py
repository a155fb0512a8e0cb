"""One schema per resource, serving the API and the pages' forms alike."""

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

__all__ = ["AssignmentSchema", "FixSchema", "HazardQuerySchema", "HazardSchema",
           "HazardStepSchema", "PhotoSchema", "SafetySettingsSchema", "VerificationSchema"]
