"""One schema per resource, for the API and the pages alike: one module an area; the
module's settings and what every area shares are here."""

from __future__ import annotations

from decimal import Decimal

from marshmallow import ValidationError, fields, post_load, validate, validates_schema

from core.sdk import Schema

from ..models import MEAL_SLOTS

TIME_OF_DAY = validate.Regexp(r"^([01]\d|2[0-3]):[0-5]\d$", error="a time such as 09:30")


class CanteenSettingsSchema(Schema):
    """A school's canteen settings."""

    meal_slots = fields.List(fields.String(validate=validate.OneOf(MEAL_SLOTS)),
                             load_default=lambda: ["breakfast", "lunch"],
                             validate=validate.Length(min=1, max=len(MEAL_SLOTS)))
    count_cutoff = fields.String(load_default="09:00", validate=TIME_OF_DAY,
                                 metadata={"description": "meal counts close at this time "
                                                          "on the day, school time"})
    tuck_shop = fields.Boolean(load_default=False)
    # The regulations name fever without a figure; 37.3 °C is the usual clinical threshold.
    fever_from = fields.Decimal(places=1, as_string=True, load_default=Decimal("37.3"),
                                validate=validate.Range(37, 38.5),
                                metadata={"description": "a morning check at or above this "
                                                         "temperature (°C) fails"})
    health_certificate_warn_days = fields.List(
        fields.Integer(validate=validate.Range(1, 365)), load_default=lambda: [30, 7],
        validate=validate.Length(min=1, max=4),
        metadata={"description": "warn this many days before a health certificate expires"})

    @validates_schema
    def _slots_once(self, data, **_):
        slots = data.get("meal_slots") or []
        if len(set(slots)) != len(slots):
            raise ValidationError("give each meal slot once", "meal_slots")

    @post_load
    def _storable(self, data, **_):
        data["fever_from"] = str(data["fever_from"])  # settings are kept as JSON
        return data


class DayQuerySchema(Schema):
    day = fields.Date(required=True)


class PeriodSchema(Schema):
    """The days from ``start`` to ``end``, both included."""

    start = fields.Date(required=True)
    end = fields.Date(required=True)


class VoidSchema(Schema):
    """Why a kept record is voided, and by whom (such records are never deleted)."""

    reason = fields.String(required=True, validate=validate.Length(min=2, max=200))
    voided_by = fields.String(load_default=None, validate=validate.Length(min=1, max=50),
                              metadata={"description": "by default the person signed in"})
