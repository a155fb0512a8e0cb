"""The daily food-safety report (printable) and its month view."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from flask import render_template, request

from core.sdk import requires

from ..services import report, today
from . import bp, common, day_arg


@bp.route("/report")
@requires("canteen.read")
def daily_report():
    found = report.daily_report(day_arg("day"), datetime.now(UTC))
    return render_template("canteen/report.html", report=found, **common(),
                           status_titles=report.STATUS_TITLES)


def _month_arg() -> date:
    try:
        return date.fromisoformat(request.args.get("month", "") + "-01")
    except ValueError:
        return today().replace(day=1)


@bp.route("/report/month")
@requires("canteen.read")
def month_report():
    first = _month_arg()
    reports = report.month_reports(first, datetime.now(UTC))
    previous = (first - timedelta(days=1)).replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    return render_template("canteen/report_month.html", reports=reports, first=first,
                           previous=previous, following=following, **common(),
                           status_titles=report.STATUS_TITLES,
                           last=reports[-1].day if reports else first)
