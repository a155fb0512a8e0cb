"""The day's hygiene logs, and their coverage of a month's meal days (printable)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from flask import abort, redirect, render_template, request, url_for

from core.sdk import current_principal, forms, requires, school_today

from ..models.hygiene import DISINFECTION_METHODS, WASTE_KINDS
from ..schemas import VoidSchema
from ..schemas.hygiene import SCHEMAS
from ..services import hygiene
from . import bp, common, day_arg, month_arg

# The inputs of each log's form (each carries the log's name as a prefix on the page).
INPUTS = {
    "disinfections": ("slot", "method", "temperature", "agent", "minutes", "items", "done_by"),
    "pest_controls": ("area", "method", "done_by", "contractor", "remarks"),
    "waste_handovers": ("kind", "kilograms", "collector", "collector_company", "receipt_no",
                        "handed_over_by"),
    "accompanied_meals": ("slot", "leader_name", "leader_title", "rating", "remarks"),
}
OPTIONAL = ("temperature",)  # an empty input means "none"


def _render_hygiene(errors: dict[str, str], form: dict, status: int = 200):
    day = day_arg("day")
    entries = {name: hygiene.between(name, day, day) for name in hygiene.LOGS}
    return render_template("canteen/hygiene.html", **common(), day=day, entries=entries,
                           logs=hygiene.LOGS, methods=DISINFECTION_METHODS,
                           method_titles=hygiene.METHOD_TITLES, waste_kinds=WASTE_KINDS,
                           waste_titles=hygiene.WASTE_TITLES, coverage=hygiene.coverage(day, day)[0],
                           coverage_titles=hygiene.COVERAGE_TITLES, month=day.replace(day=1),
                           opened={log for log in INPUTS if any(k.startswith(log + "_")
                                                                for k in errors)},
                           limits={f"{log}_{name}": SCHEMAS[log]().limits(name)
                                   for log, name in (("disinfections", "temperature"),
                                                     ("disinfections", "minutes"),
                                                     ("waste_handovers", "kilograms"))},
                           errors=errors, form=form), status


@bp.route("/hygiene")
@requires("canteen.read")
def hygiene_logs():
    return _render_hygiene({}, {})


@bp.route("/hygiene/<log>", methods=["POST"])
@requires("canteen.hygiene.write")
@forms.submitted(lambda errors, form, status, log: _render_hygiene(  # each log's own form
    forms.prefixed(errors, log + "_"), form, status))
def record_hygiene(log: str):
    if log not in INPUTS:
        abort(404)
    form = request.form.to_dict()
    fields = forms.schema_fields(form, INPUTS[log], prefix=log + "_",
                                 optional=[n for n in OPTIONAL if n in INPUTS[log]])
    hygiene.record(log, SCHEMAS[log]().load({**fields, "day": form.get("day", "")}),
                   school_today())
    return redirect(url_for("canteen_pages.hygiene_logs", day=form.get("day")) + f"#{log}")


@bp.route("/hygiene/<log>/<uuid:entry_id>/void", methods=["POST"])
@requires("canteen.hygiene.write")
@forms.submitted(lambda errors, form, status, log, entry_id: _render_hygiene(
    {f"void_{log}": errors["void"]}, {}, status), field="void")
def void_hygiene(log: str, entry_id: uuid.UUID):
    if log not in INPUTS:
        abort(404)
    entry = forms.found(lambda found: hygiene.get_entry(log, found), entry_id)
    data = VoidSchema().load({"reason": request.form.get("reason", ""),
                              "voided_by": current_principal().name})
    hygiene.void(log, entry_id, data["reason"], data["voided_by"], datetime.now(UTC))
    return redirect(url_for("canteen_pages.hygiene_logs", day=entry.day.isoformat()) + f"#{log}")


@bp.route("/hygiene/coverage")
@requires("canteen.read")
def hygiene_coverage():
    """A month of meal days: which have an accompanied meal and a disinfection record."""
    first = month_arg()
    following = (first + timedelta(days=32)).replace(day=1)
    days = hygiene.coverage(first, following - timedelta(days=1))
    weeks = [[None] * first.weekday() + days[: 7 - first.weekday()]]
    for start in range(7 - first.weekday(), len(days), 7):
        weeks.append(days[start:start + 7])
    weeks[-1] += [None] * (7 - len(weeks[-1]))
    return render_template("canteen/hygiene_coverage.html", **common(), month=first, weeks=weeks,
                           days=days, previous=(first - timedelta(days=1)).replace(day=1),
                           following=following, today=school_today(),
                           coverage_titles=hygiene.COVERAGE_TITLES)
