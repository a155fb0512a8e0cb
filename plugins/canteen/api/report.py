"""The daily food-safety report and its month view."""

from __future__ import annotations

from datetime import UTC, date, datetime

from core.sdk import requires

from ..schemas import DayQuerySchema, MonthQuerySchema
from ..schemas.report import DayStatusSchema, ReportSchema
from ..services import report
from . import blp


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
