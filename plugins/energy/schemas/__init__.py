"""marshmallow schemas of the energy module, one per resource, for the API and the pages
alike; the module's settings schema lives in ``settings``."""

from .meters import MeterBuildingSchema, MeterQuerySchema, MeterSchema, ReplacementSchema
from .readings import ReadingQuerySchema, ReadingSchema
from .settings import EnergySettingsSchema

__all__ = ["EnergySettingsSchema", "MeterBuildingSchema", "MeterQuerySchema", "MeterSchema",
           "ReadingQuerySchema", "ReadingSchema", "ReplacementSchema"]
