"""A school's safety settings (``PUT /api/v1/modules/safety``): how many days a hazard of
each level has to be fixed, how long past its deadline it goes to the district, and how often
fire equipment other than extinguishers is checked, and within how many hours an incident of
each severity goes to the district.

No national text fixes these: the State Council's education inspectorate asks for a ledger
and a deadline set case by case (2017 and 2018 notices, as reported), so nothing has a
default; until a school enters them, whoever assigns a hazard sets its deadline by hand and
only grave hazards (reported at once) reach the district."""

from __future__ import annotations

from marshmallow import fields, validate

from core.sdk import Schema, lazy_gettext


def days(label, hint):
    return fields.Integer(load_default=None, allow_none=True, strict=True,
                          validate=validate.Range(1, 365),
                          metadata={"label": label, "hint": hint})


def hours(label):
    # National texts ask for a report "promptly" (及时) or "at once" (立即) and name no
    # hours; local rules do (2 h, 24 h), so each school enters its own.
    return fields.Integer(load_default=None, allow_none=True, strict=True,
                          validate=validate.Range(1, 720),
                          metadata={"label": label, "hint": lazy_gettext(
                              "Empty: no report required. National rules say promptly or at "
                              "once and give no hours; enter your district's.")})


def clock(label, hint=None):
    return fields.String(load_default="", validate=validate.Regexp(r"^$|^([01]\d|2[0-3]):[0-5]\d$"),
                         metadata={"label": label, "hint": hint or lazy_gettext(
                             "HH:MM. Empty: a whole-day duty. No national figure exists.")})


class SafetySettingsSchema(Schema):
    general_days = days(lazy_gettext("Days to fix a general hazard"),
                        lazy_gettext("Empty: set each deadline by hand. No national figure exists."))
    major_days = days(lazy_gettext("Days to fix a serious hazard"),
                      lazy_gettext("Empty: set each deadline by hand. No national figure exists."))
    grave_days = days(lazy_gettext("Days to fix a grave hazard"),
                      lazy_gettext("Empty: set each deadline by hand. No national figure exists."))
    escalate_after_days = days(
        lazy_gettext("Days past its deadline before a hazard goes to the district"),
        lazy_gettext("Empty: only grave hazards go to the district (at once)."))
    equipment_check = fields.String(
        load_default="", validate=validate.OneOf(("", "monthly", "half_monthly")),
        metadata={"label": lazy_gettext("How often other fire equipment is checked"),
                  "choices": {"": lazy_gettext("no schedule"), "monthly": lazy_gettext("monthly"),
                              "half_monthly": lazy_gettext("every half month")},
                  "hint": lazy_gettext("Hydrants, hose reels, lights, signs, alarms and "
                                       "sprinklers. Extinguishers follow GB 50444-2008.")})
    incident_hours_general = hours(lazy_gettext("Hours to report a general incident to the district"))
    incident_hours_major = hours(lazy_gettext("Hours to report a serious incident to the district"))
    incident_hours_grave = hours(lazy_gettext("Hours to report a grave incident to the district"))
    pickup_up_to_level = fields.Integer(
        load_default=None, allow_none=True, strict=True, validate=validate.Range(1, 12),
        metadata={"label": lazy_gettext("Children are handed over up to grade"),
                  "hint": lazy_gettext("Kindergartens hand over every class. Elsewhere, empty: "
                                       "no class. No national figure: local rules often name "
                                       "grades 1 and 2.")})
    # Duty hours (值班): schools set their own; no national text fixes them, so none is
    # assumed — a roster entered before they are set is a whole-day duty.
    duty_day_starts = clock(lazy_gettext("Day duty starts at"))
    duty_day_ends = clock(lazy_gettext("Day duty ends at"))
    duty_night_starts = clock(lazy_gettext("Night watch starts at"))
    duty_night_ends = clock(lazy_gettext("Night watch ends at"),
                            lazy_gettext("Before its start: the next morning."))
    gate_report_hour = fields.Integer(
        load_default=None, allow_none=True, strict=True, validate=validate.Range(12, 23),
        metadata={"label": lazy_gettext("Hour the gate hears who is still on campus"),
                  "hint": lazy_gettext("12 to 23 on the school's clock. Empty: no end-of-day "
                                       "notice (the gate page shows them live). No national "
                                       "figure exists.")})
