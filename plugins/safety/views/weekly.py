"""The weekly safety report (安全周报): a chosen week's page, printable on A4 and readable on a
phone, and the same sections as .xlsx."""

from __future__ import annotations

from datetime import timedelta

from flask import render_template

from core.sdk import (
    _,
    audit,
    current_tenant,
    forms,
    requires,
    sheet_cell,
    workbook_bytes,
    xlsx_download,
)

from ..services import weekly
from . import bp


def _week() -> weekly.Week:
    """The week holding ``?week=`` (any day of it, ISO); last week when none or a bad one
    (also one so far out that the links to the weeks around it would overflow)."""
    last = weekly.week_of()
    return weekly.week_of(forms.day_arg("week", last.start))


@bp.route("/report", endpoint="weekly_report")
@requires("safety.read")
def weekly_report():
    week = _week()
    return render_template("safety/weekly.html", week=week, sections=weekly.report(week),
                           school=current_tenant().name,
                           previous=(week.start - timedelta(days=7)).isoformat(),
                           following=(week.start + timedelta(days=7)).isoformat())


@bp.route("/report.xlsx")
@requires("safety.read")
def weekly_report_xlsx():
    week = _week()
    audit.record("export", "safety.weekly", after={"week": week.start.isoformat()})
    sheet: list[list] = [[_("Weekly safety report"), f"{week.start} – {week.end}"]]
    for section in weekly.report(week):
        sheet += [[], [section.title], section.columns,
                  *([sheet_cell(v) for v in row] for row in section.rows)]
        if section.note:
            sheet.append([section.note])
    return xlsx_download(workbook_bytes([(_("Weekly safety report"), sheet)]),
                         f"safety-week-{week.start.isoformat()}.xlsx")
