"""Meal counts: the class teacher's reporting page (made for a phone) and the kitchen's
printable totals."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import redirect, render_template, request, url_for

from core.sdk import current_principal, forms, is_school_day, requires

from ..schemas.counts import MealCountSchema
from ..services import counts as services
from . import bp, common, day_arg


def cell_key(kind: str, class_id, slot: str) -> str:
    """Which reporting cell of the page a form is: the class (or the staff) and the meal."""
    return f"{class_id if kind == 'class' else 'staff'}/{slot}"


def _render_report(errors: dict[str, str], posted: dict[str, str], warnings=(), status=200):
    day = day_arg("day")
    closes = services.cutoff_at(day)
    cells = services.sheet_cells(day, current_principal())
    units: dict[str, dict] = {}
    for cell in cells:
        unit = units.setdefault(str(cell["class_id"] or "staff"), {
            "title": cell["class_name"], "enrolled": cell["enrolled"], "cells": []})
        unit["cells"].append(cell)
    return render_template(
        "canteen/counts.html", **common(), day=day, units=units.values(), closes=closes,
        closed=datetime.now(UTC) >= closes, school_day=is_school_day(day), errors=errors,
        posted=posted, warnings=warnings, cell_key=cell_key,
        may_late=services.LATE in current_principal().permissions), status


@bp.route("/counts")
@requires(services.REPORT)
def report_counts():
    return _render_report({}, {})


def _refused_count(errors: dict[str, str], form: dict, status: int):
    """The refusal by the reporting cell; after a 409 the cell shows the value that won, not
    the one refused."""
    key = cell_key(form.get("kind", "class"), form.get("class_id"), form.get("slot", ""))
    posted = {} if status == 409 else {key: form.get("eaters", "")}
    return _render_report({key: errors["count"]}, posted, status=status)


@bp.route("/counts", methods=["POST"])
@requires(services.REPORT)
@forms.submitted(_refused_count, field="count")
def report_count():
    form = request.form
    data = MealCountSchema().load(forms.schema_fields(
        form, ("day", "slot", "kind", "class_id", "eaters", "version"),
        optional=("class_id",)))
    _count, warnings = services.report_count(data, current_principal(), datetime.now(UTC))
    if warnings:
        return _render_report({}, {}, warnings=warnings)
    return redirect(url_for("canteen_pages.report_counts", day=form.get("day")))


@bp.route("/counts/kitchen")
@requires("canteen.read")
def count_totals():
    day = day_arg("day")
    return render_template("canteen/counts_kitchen.html", **common(), day=day,
                           meals=services.totals(day), school_day=is_school_day(day))
