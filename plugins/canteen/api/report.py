"""The daily food-safety report and its month view."""

from __future__ import annotations

from datetime import UTC, date, datetime

from marshmallow import fields

from core.sdk import Schema, requires

from ..schemas import DayQuerySchema, MonthQuerySchema
from ..services import report
from . import blp


class SectionSchema(Schema):
    key = fields.String()
    title = fields.Function(lambda section: str(section.title))
    status = fields.String(metadata={"description": "ok, warning or missing"})
    facts = fields.Function(lambda section: [{"label": str(label), "value": str(value)}
                                             for label, value in section.facts])
    missing = fields.List(fields.String())
    warnings = fields.List(fields.String())


class ReportSchema(Schema):
    day = fields.Date()
    school_day = fields.Boolean(attribute="of.school_day")
    meal_day = fields.Boolean(attribute="of.meal_day")
    status = fields.String()
    missing = fields.List(fields.String())
    sections = fields.List(fields.Nested(SectionSchema))


class DayStatusSchema(Schema):
    day = fields.Date()
    school_day = fields.Boolean(attribute="of.school_day")
    meal_day = fields.Boolean(attribute="of.meal_day")
    status = fields.String()
    missing = fields.List(fields.String())


@blp.route("/report")
@blp.arguments(DayQuerySchema, location="query")
@blp.response(200, ReportSchema)
@requires("canteen.read")
def daily_report(query):
    """The day's food-safety report: each area's records, and what is missing."""
    return report.daily_report(query["day"], datetime.now(UTC))


@blp.route("/report/month")
@blp.arguments(MonthQuerySchema, location="query")
@blp.response(200, DayStatusSchema(many=True))
@requires("canteen.read")
def month_report(query):
    """Every day of the month with its status and what is missing."""
    first = date.fromisoformat(query["month"] + "-01")
    return report.month_reports(first, datetime.now(UTC))
