"""The daily food-safety report (printable) and its month view."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask import render_template

from core.sdk import requires

from .. import charts
from ..services import report
from . import bp, common, day_arg, month_arg


@bp.route("/report")
@requires("canteen.read")
def daily_report():
    found = report.daily_report(day_arg("day"), datetime.now(UTC))
    return render_template("canteen/report.html", report=found, **common(),
                           status_titles=report.STATUS_TITLES,
                           chart=charts.missing_records(found.day))


@bp.route("/report/month")
@requires("canteen.read")
def month_report():
    first = month_arg()
    reports = report.month_reports(first, datetime.now(UTC))
    previous = (first - timedelta(days=1)).replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    return render_template("canteen/report_month.html", reports=reports, first=first,
                           previous=previous, following=following, **common(),
                           status_titles=report.STATUS_TITLES,
                           last=reports[-1].day if reports else first)
