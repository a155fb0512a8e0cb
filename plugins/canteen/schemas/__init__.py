"""One schema per resource, for the API and the pages alike: one module an area; the
module's settings and what every area shares are here."""

from __future__ import annotations

from flask_babel import gettext
from marshmallow import ValidationError, fields, validate, validates_schema

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
    # No regulation names these horizons, so they are the school's choice.
    certificate_warn_days = fields.List(
        fields.Integer(validate=validate.Range(min=1, max=365)), load_default=lambda: [30, 7],
        validate=validate.Length(min=1, max=4),
        metadata={"description": "warn this many days before a supplier's certificate lapses"})

    @validates_schema
    def _slots_once(self, data, **_):
        slots = data.get("meal_slots") or []
        if len(set(slots)) != len(slots):
            raise ValidationError("give each meal slot once", "meal_slots")
        horizons = data.get("certificate_warn_days") or []
        if len(set(horizons)) != len(horizons):
            raise ValidationError(gettext("give each number of days once"), "certificate_warn_days")


class DayQuerySchema(Schema):
    day = fields.Date(required=True)


class PeriodSchema(Schema):
    """The days from ``start`` to ``end``, both included."""

    start = fields.Date(required=True)
    end = fields.Date(required=True)
