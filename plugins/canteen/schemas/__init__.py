"""One schema per resource, for the API and the pages alike: one module an area; the
module's settings and what every area shares are here."""

from __future__ import annotations

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
    tuck_shop_warn_days = fields.Integer(load_default=7, validate=validate.Range(min=0, max=90),
                                         metadata={"description": "list tuck-shop batches this "
                                                                  "many days before they expire"})

    @validates_schema
    def _slots_once(self, data, **_):
        slots = data.get("meal_slots") or []
        if len(set(slots)) != len(slots):
            raise ValidationError("give each meal slot once", "meal_slots")


class DayQuerySchema(Schema):
    day = fields.Date(required=True)


class PeriodSchema(Schema):
    """The days from ``start`` to ``end``, both included."""

    start = fields.Date(required=True)
    end = fields.Date(required=True)
