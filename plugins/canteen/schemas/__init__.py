"""One schema per resource, for the API and the pages alike: one module an area; the
module's settings and what every area shares are here."""

from __future__ import annotations

from decimal import Decimal

from marshmallow import ValidationError, fields, post_load, validate, validates_schema

from core.sdk import Month, Schema, gettext
from core.sdk import lazy_gettext as _l

from ..models import MEAL_SLOTS, SLOT_TITLES, TIERS
from ..models.fees import TIER_TITLES

TIME_OF_DAY = validate.Regexp(r"^([01]\d|2[0-3]):[0-5]\d$", error="a time such as 09:30")


class MealPricesSchema(Schema):
    """Daily meal prices in fen, per price tier (the free tier is always 0)."""

    full = fields.Integer(load_default=0, validate=validate.Range(min=0, max=20000),
                          metadata={"label": _l("Full price (fen)")})
    reduced = fields.Integer(load_default=0, validate=validate.Range(min=0, max=20000),
                             metadata={"label": _l("Reduced price (fen)")})
    staff = fields.Integer(load_default=0, validate=validate.Range(min=0, max=20000),
                           metadata={"label": _l("Staff price (fen)")})


class SubsidySchema(Schema):
    """A subsidy per school day eaten (a nutrition-improvement subsidy, say) for the students
    of some tiers; it is billed as its own line, taken off the meal fee."""

    code = fields.String(required=True, validate=validate.Regexp(
        r"^[a-z][a-z0-9_]{0,29}$", error=_l("lowercase letters, digits and _, such as nutrition")),
        metadata={"label": _l("Code (lowercase letters, digits and _)")})
    name = fields.String(required=True, validate=validate.Length(min=1, max=60),
                         metadata={"label": _l("Name on the bill")})
    fen_per_day = fields.Integer(required=True, validate=validate.Range(min=1, max=20000),
                                 metadata={"label": _l("Fen per school day eaten")})
    tiers = fields.List(fields.String(validate=validate.OneOf(TIERS),
                                      metadata={"choices": TIER_TITLES}),
                        required=True, validate=validate.Length(min=1),
                        metadata={"label": _l("For the students of these price tiers")})


class CanteenSettingsSchema(Schema):
    """A school's canteen settings."""

    meal_slots = fields.List(fields.String(validate=validate.OneOf(MEAL_SLOTS),
                                           metadata={"choices": SLOT_TITLES}),
                             load_default=lambda: ["breakfast", "lunch"],
                             validate=validate.Length(min=1, max=len(MEAL_SLOTS)),
                             metadata={"label": _l("Meal slots served")})
    count_cutoff = fields.String(load_default="09:00", validate=TIME_OF_DAY,
                                 metadata={"label": _l("Meal counts close at (HH:MM, school "
                                                       "time)"),
                                           "description": "meal counts close at this time "
                                                          "on the day, school time"})
    tuck_shop = fields.Boolean(load_default=False, metadata={"label": _l("Run the tuck shop")})
    meal_fees = fields.Boolean(load_default=False, metadata={
        "label": _l("Bill meals through the fee module"),
        "description": "bill meals through the fees module"})
    meal_prices_fen = fields.Nested(MealPricesSchema, load_default=lambda: MealPricesSchema()
                                    .load({}), metadata={"label": _l(
                                        "Daily meal prices in fen per tier")})
    subsidies = fields.List(fields.Nested(SubsidySchema), load_default=list,
                            validate=validate.Length(max=10), metadata={"label": _l(
                                "Subsidies per school day")})
    # No regulation names these horizons, so they are the school's choice.
    certificate_warn_days = fields.List(
        fields.Integer(validate=validate.Range(min=1, max=365)), load_default=lambda: [30, 7],
        validate=validate.Length(min=1, max=4),
        metadata={"label": _l("Days before a supplier's certificate lapses to warn"),
                  "description": "warn this many days before a supplier's certificate lapses"})
    stock_warning_days = fields.Integer(load_default=3, validate=validate.Range(min=0, max=60),
                                        metadata={"label": _l("Flag food lots expiring within "
                                                              "this many days"),
                                                  "description": "food lots expiring within "
                                                                 "this many days are flagged"})
    tuck_shop_warn_days = fields.Integer(load_default=7, validate=validate.Range(min=0, max=90),
                                         metadata={"label": _l("List tuck-shop batches this "
                                                               "many days before they expire"),
                                                   "description": "list tuck-shop batches this "
                                                                  "many days before they expire"})
    # The regulations name fever without a figure; 37.3 °C is the usual clinical threshold.
    fever_from = fields.Decimal(places=1, as_string=True, load_default=Decimal("37.3"),
                                validate=validate.Range(37, 38.5),
                                metadata={"label": _l("A morning check fails from this "
                                                      "temperature (°C)"),
                                          "description": "a morning check at or above this "
                                                         "temperature (°C) fails"})
    health_certificate_warn_days = fields.List(
        fields.Integer(validate=validate.Range(1, 365)), load_default=lambda: [30, 7],
        validate=validate.Length(min=1, max=4),
        metadata={"label": _l("Days before a health certificate expires to warn"),
                  "description": "warn this many days before a health certificate expires"})

    @validates_schema
    def _slots_once(self, data, **_):
        slots = data.get("meal_slots") or []
        if len(set(slots)) != len(slots):
            raise ValidationError(gettext("give each meal slot once"), "meal_slots")
        horizons = data.get("certificate_warn_days") or []
        if len(set(horizons)) != len(horizons):
            raise ValidationError(gettext("give each number of days once"), "certificate_warn_days")

    @validates_schema
    def _billable(self, data, **_):
        if data.get("meal_fees") and not (data.get("meal_prices_fen") or {}).get("full"):
            raise ValidationError({"full": [_l("set the full daily price to bill meals")]},
                                  "meal_prices_fen")
        codes = [s["code"] for s in data.get("subsidies") or []]
        if len(set(codes)) != len(codes):
            raise ValidationError(_l("give each subsidy its own code"), "subsidies")

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


class MonthQuerySchema(Schema):
    month = Month(required=True)
class VoidSchema(Schema):
    """Why a kept record is voided, and by whom (such records are never deleted)."""

    reason = fields.String(required=True, validate=validate.Length(min=2, max=200))
    voided_by = fields.String(load_default=None, validate=validate.Length(min=1, max=50),
                              metadata={"description": "by default the person signed in"})
