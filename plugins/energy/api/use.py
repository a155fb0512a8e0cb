"""Use: a month's use of each kind with cost and comparisons; the day-by-day figures."""

from __future__ import annotations

from datetime import date, timedelta

from marshmallow import fields

from core.sdk import Invalid, Month, Schema, _, requires

from ..services import today, usage
from . import blp

FIGURE = {"as_string": True, "allow_none": True}


class MonthQuerySchema(Schema):
    month = Month()


class KindMonthSchema(Schema):
    kind = fields.String()
    used = fields.Decimal(**FIGURE)
    cost = fields.Decimal(**FIGURE, metadata={"description": "yuan; null without a tariff"})
    last_year = fields.Decimal(**FIGURE)
    change = fields.Decimal(**FIGURE, metadata={"description": "percent against last year"})
    per_student = fields.Decimal(**FIGURE)
    per_area = fields.Decimal(**FIGURE)


class DayQuerySchema(Schema):
    start = fields.Date(required=True)
    end = fields.Date(required=True)


class DayUseSchema(Schema):
    kind = fields.String()
    day = fields.Date()
    used = fields.Decimal(as_string=True)


@blp.route("/use/month")
@blp.arguments(MonthQuerySchema, location="query")
@blp.response(200, KindMonthSchema(many=True))
@requires("energy.read")
def month_use(query):
    """The school's use of each kind in ``month`` (this month by default)."""
    asked = query.get("month")
    first = date.fromisoformat(asked + "-01") if asked else today().replace(day=1)
    return usage.month(first)


@blp.route("/use/days")
@blp.arguments(DayQuerySchema, location="query")
@blp.response(200, DayUseSchema(many=True))
@requires("energy.read")
def day_use(query):
    """The school's use of each kind on each day from ``start`` to ``end`` (at most 366
    days) that readings span."""
    if query["end"] < query["start"]:
        raise Invalid(errors={"end": [_("on or after the first day")]})
    if query["end"] - query["start"] > timedelta(days=366):
        raise Invalid(errors={"end": [_("at most a year of days")]})
    found = usage.school_daily(query["start"], query["end"])
    return [{"kind": kind, "day": day, "used": usage.shown(used)} for kind, days in found.items()
            for day, used in sorted(days.items())]
