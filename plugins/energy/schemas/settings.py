"""A school's energy settings (``PUT /api/v1/modules/energy``): its tariffs, the thresholds of
the waste flags, its floor areas and its saving targets.

Nothing here has a default price or threshold: there is no national tariff (each supplier
sets its own) and no regulation gives a night-time or holiday figure, so a school enters its
own; until then costs read "no tariff" and the flags they need stay off."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from marshmallow import ValidationError, fields, validate, validates_schema

from core.sdk import Schema, _, lazy_gettext

from ..models import KIND_TITLES, KINDS


def decimal_text(value: str) -> None:
    """A figure of 0 or more typed as text ("3.45"), kept as text so settings stay JSON;
    empty means "not set"."""
    if value == "":
        return
    try:
        number = Decimal(value)
    except InvalidOperation:
        raise ValidationError(_("a number such as 3.45")) from None
    if not number.is_finite():
        raise ValidationError(_("a number such as 3.45"))
    if number < 0:
        raise ValidationError(_("must not be negative"))
    if number > Decimal("1000000000") or -number.as_tuple().exponent > 4:
        raise ValidationError(_("at most 1,000,000,000, with at most 4 decimals"))


def figure(label, hint=None, required=False):
    metadata = {"label": label} | ({"hint": hint} if hint else {})
    if required:
        return fields.String(required=True, validate=[validate.Length(min=1, max=20),
                                                      decimal_text], metadata=metadata)
    return fields.String(load_default="", validate=[validate.Length(max=20), decimal_text],
                         metadata=metadata)


class TierSchema(Schema):
    """One step of a tiered (阶梯) tariff: the month's units up to ``up_to`` cost ``price``
    yuan each; the last step has no limit."""

    up_to = figure(lazy_gettext("Up to (units a month; empty on the last step)"))
    price = figure(lazy_gettext("Price per unit (yuan)"), required=True)


class KindSettingsSchema(Schema):
    tiers = fields.List(fields.Nested(TierSchema), load_default=list,
                        validate=validate.Length(max=10),
                        metadata={"label": lazy_gettext("Tariff steps")})
    night_limit = figure(lazy_gettext("Night-time use that raises a flag (units an hour, a meter)"),
                         lazy_gettext("Empty: no night-time flag. There is no official figure: take "
                            "what your meters show on a quiet night."))
    holiday_limit = figure(lazy_gettext("Holiday use that raises a flag (units a day, a meter)"),
                           lazy_gettext("Empty: no holiday flag."))

    @validates_schema
    def _steps_rise(self, data, **kwargs):
        limits = [step["up_to"] for step in data.get("tiers", [])]
        if not limits:
            return
        if limits[-1] != "":
            raise ValidationError({"tiers": [_("the last step has no limit (leave 'up to' "
                                                 "empty)")]})
        bounded = [Decimal(limit) for limit in limits[:-1]]
        if "" in limits[:-1] or bounded != sorted(set(bounded)):
            raise ValidationError({"tiers": [_("each step's limit is above the one before, "
                                                 "and only the last is empty")]})


def kind_defaults() -> dict:
    return {"tiers": [], "night_limit": "", "holiday_limit": ""}


class BuildingAreaSchema(Schema):
    building = fields.String(required=True, validate=validate.Length(min=1, max=80),
                             metadata={"label": lazy_gettext("Building")})
    area = figure(lazy_gettext("Floor area (m²)"), required=True)


class TargetSchema(Schema):
    year = fields.Integer(required=True, validate=validate.Range(2000, 2999),
                          metadata={"label": lazy_gettext("Year")})
    kind = fields.String(required=True, validate=validate.OneOf(KINDS),
                         metadata={"label": lazy_gettext("Kind"), "choices": KIND_TITLES})
    percent = fields.Integer(required=True, validate=validate.Range(1, 100),
                             metadata={"label": lazy_gettext("Saving against last year (%)")})


class EnergySettingsSchema(Schema):
    """A school's energy settings."""

    water = fields.Nested(KindSettingsSchema, load_default=kind_defaults,
                          metadata={"label": lazy_gettext("Water")})
    electricity = fields.Nested(KindSettingsSchema, load_default=kind_defaults,
                                metadata={"label": lazy_gettext("Electricity")})
    gas = fields.Nested(KindSettingsSchema, load_default=kind_defaults,
                        metadata={"label": lazy_gettext("Gas")})
    night_starts = fields.Integer(load_default=22, validate=validate.Range(0, 23),
                                  metadata={"label": lazy_gettext("Night begins at (hour)"),
                                            "hint": lazy_gettext("When the school is closed for the "
                                                       "night: your own hours.")})
    night_ends = fields.Integer(load_default=6, validate=validate.Range(0, 23),
                                metadata={"label": lazy_gettext("Night ends at (hour)")})
    jump_factor = figure(lazy_gettext("A day's use above the meter's median day times this raises a "
                            "flag"), lazy_gettext("Empty: no flag for a jump. 2 flags a day twice as "
                                        "high as usual."))
    reading_days = fields.Integer(load_default=1, validate=validate.Range(1, 31),
                                  metadata={"label": lazy_gettext("Read each meter every (days)")})
    floor_area = figure(lazy_gettext("The school's floor area (m²)"))
    building_areas = fields.List(fields.Nested(BuildingAreaSchema), load_default=list,
                                 validate=validate.Length(max=100),
                                 metadata={"label": lazy_gettext("Buildings' floor areas")})
    targets = fields.List(fields.Nested(TargetSchema), load_default=list,
                          validate=validate.Length(max=60),
                          metadata={"label": lazy_gettext("Saving targets")})

    @validates_schema
    def _one_target_a_year(self, data, **kwargs):
        seen = [(t["year"], t["kind"]) for t in data.get("targets", [])]
        if len(seen) != len(set(seen)):
            raise ValidationError({"targets": [_("one target a year for each kind")]})
