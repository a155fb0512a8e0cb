"""The day's sample register."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time

from flask import redirect, render_template, request, url_for

from core.sdk import current_principal, forms, requires, school_zone

from ..regulations import rules
from ..schemas.samples import DisposalSchema, SampleSchema
from ..services import samples as services
from . import bp, common, day_arg


def _limits() -> dict:
    """What the form says beside its fields before a save is refused: the weight the rule in
    force for the school asks (the district's, where it sets its own) up to the most the
    record takes, and the hours a sample is kept, each with the rule it comes from."""
    in_force = rules()
    low, high = SampleSchema().limits("grams")
    least = in_force["sample_min_grams"]
    return {"grams": (max(low or 0, least.value), high), "grams_rule": least,
            "keep": in_force["sample_keep_hours"]}


def _render_samples(errors: dict[str, str], form: dict, status: int = 200):
    day = day_arg("day")
    register = services.sample_day(day, datetime.now(UTC))
    return render_template("canteen/samples.html", **register, **common(), errors=errors,
                           form=form, zone=school_zone(), limits=_limits()), status


@bp.route("/samples")
@requires("canteen.read")
def samples():
    return _render_samples({}, {})


def _taken_at(day: str, clock: str) -> str:
    """The form gives the school's wall-clock time; the schema wants an aware moment."""
    try:
        moment = datetime.combine(date.fromisoformat(day), time.fromisoformat(clock))
    except ValueError:
        return clock  # the schema names the field
    return moment.replace(tzinfo=school_zone()).isoformat()


def _refused_sample(errors: dict[str, str], form: dict, status: int):
    """The meal's slot and dish are one field of the form."""
    for key in ("slot", "dish_id"):
        if key in errors:
            errors["meal"] = errors.pop(key)
    return _render_samples(errors, form, status)


@bp.route("/samples", methods=["POST"])
@requires("canteen.samples.write")
@forms.submitted(_refused_sample)
def take_sample():
    form = request.form
    meal = form.get("meal", "")
    slot, _, dish_id = meal.partition("/")
    fields = {**forms.schema_fields(form, ("day", "grams", "taken_by", "cabinet")),
              "slot": slot, "dish_id": dish_id,
              "taken_at": _taken_at(form.get("day", ""), form.get("taken_at", ""))}
    services.take_sample(SampleSchema().load(fields))
    return redirect(url_for("canteen_pages.samples", day=form.get("day")))


@bp.route("/samples/<uuid:sample_id>/dispose", methods=["POST"])
@requires("canteen.samples.write")
@forms.submitted(lambda errors, form, status, sample_id: _render_samples(errors, {}, status),
                 field="dispose")
def dispose_sample(sample_id: uuid.UUID):
    form = request.form
    found = form.get("disposed_by", "").strip() or current_principal().name
    data = DisposalSchema().load({"disposed_by": found})
    services.dispose_sample(sample_id, data["disposed_by"], datetime.now(UTC))
    return redirect(url_for("canteen_pages.samples", day=form.get("day")))
