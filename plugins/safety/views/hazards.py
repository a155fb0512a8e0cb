"""Hazard pages: the register with its filters and .xlsx, the phone form that reports one
(with a photo), and one hazard with its steps and the form of the step it waits for."""

from __future__ import annotations

import uuid

from flask import redirect, render_template, request, url_for

from core.sdk import NotFound, _, buildings, db, forms, people, requires, send_stored

from .. import exports
from ..models import LEVEL_TITLES, LEVELS, STATUS_TITLES, STATUSES, STEP_TITLES
from ..schemas import AssignmentSchema, FixSchema, HazardQuerySchema, HazardSchema, VerificationSchema
from ..services import hazards, local, rounds, today
from . import bp, uploaded_photo

REPORT_FIELDS = ("place", "description", "level", "building_id")
FILTERS = ("status", "level", "owner_id", "building_id", "place")


def _filters() -> dict:
    """The register's filters from the query string; an unusable one is dropped."""
    given = {k: v for k in FILTERS if (v := request.args.get(k, "").strip())}
    errors = HazardQuerySchema().validate(given)
    return HazardQuerySchema().load({k: v for k, v in given.items() if k not in errors})


@bp.route("/hazards", endpoint="hazards")
@requires("safety.read")
def hazard_register():
    filters = _filters()
    rows, page, more = forms.page_of(hazards.listed(**filters))
    return render_template("safety/hazards.html", rows=hazards.shown_many(rows), page=page,
                           more=more, filters=filters, levels=LEVELS,
                           # translated once a page, not once a row
                           level_titles={k: str(v) for k, v in LEVEL_TITLES.items()},
                           statuses=STATUSES,
                           status_titles={k: str(v) for k, v in STATUS_TITLES.items()},
                           staff=people.staff(active_only=True), buildings=buildings(),
                           local=local, query={k: str(v) for k, v in filters.items()})


@bp.route("/hazards.xlsx")
@requires("safety.read")
def hazards_xlsx():
    filters = _filters()
    found = list(db.session.scalars(hazards.listed(**filters)))
    return exports.hazards_download(found, filters)


def _render_report(errors: dict, form: dict, status: int = 200):
    return render_template("safety/report.html", errors=errors, form=form, levels=LEVELS,
                           level_titles=LEVEL_TITLES, buildings=buildings()), status


@bp.route("/hazards/new", endpoint="report_form")
@requires("safety.hazards.report")
def report_form():
    return _render_report({}, {"level": "general"})


@bp.route("/hazards/new", methods=["POST"])
@requires("safety.hazards.report")
@forms.submitted(_render_report, picked=("building_id",))
def report_hazard():
    data = HazardSchema().load_form(forms.schema_fields(request.form, REPORT_FIELDS,
                                                        optional=("building_id",)))
    hazard = hazards.report(data, uploaded_photo())
    return redirect(url_for("safety_pages.hazard", hazard_id=hazard.id))


def _render_hazard(errors: dict, form: dict, status: int = 200, *, hazard_id: uuid.UUID):
    hazard = hazards.get(hazard_id)
    return render_template(
        "safety/hazard.html", hazard=hazards.shown(hazard, with_steps=True), errors=errors,
        form=form, level_titles=LEVEL_TITLES, status_titles=STATUS_TITLES,
        step_titles=STEP_TITLES, levels=LEVELS, staff=people.staff(active_only=True),
        building={b.id: b.name for b in buildings()}.get(hazard.building_id),
        default_deadline=hazards.default_deadline, local=local, today=today(),
        found_on=rounds.found_on(hazard.id)), status


@bp.route("/hazards/<uuid:hazard_id>")
@requires("safety.read")
def hazard(hazard_id: uuid.UUID):
    return _render_hazard({}, {}, hazard_id=hazard_id)


@bp.route("/hazards/<uuid:hazard_id>/assignment", methods=["POST"])
@requires("safety.hazards.manage")
@forms.submitted(_render_hazard, picked=("owner_id",))
def assign_hazard(hazard_id: uuid.UUID):
    data = AssignmentSchema().load_form(forms.schema_fields(
        request.form, ("owner_id", "level", "deadline"), optional=("level", "deadline")))
    hazards.assign(hazards.get(hazard_id), data)
    return redirect(url_for("safety_pages.hazard", hazard_id=hazard_id))


@bp.route("/hazards/<uuid:hazard_id>/fix", methods=["POST"])
@requires("safety.hazards.fix")
@forms.submitted(_render_hazard)
def fix_hazard(hazard_id: uuid.UUID):
    data = FixSchema().load_form(forms.schema_fields(request.form, ("note",)))
    hazards.fix(hazards.get(hazard_id), data, uploaded_photo())
    return redirect(url_for("safety_pages.hazard", hazard_id=hazard_id))


@bp.route("/hazards/<uuid:hazard_id>/verification", methods=["POST"])
@requires("safety.hazards.manage")
@forms.submitted(_render_hazard)
def verify_hazard(hazard_id: uuid.UUID):
    data = VerificationSchema().load_form(forms.schema_fields(request.form, ("passed", "note")))
    hazards.verify(hazards.get(hazard_id), data, uploaded_photo())
    return redirect(url_for("safety_pages.hazard", hazard_id=hazard_id))


@bp.route("/hazards/<uuid:hazard_id>/photo")
@requires("safety.read")
def hazard_photo(hazard_id: uuid.UUID):
    hazard = hazards.get(hazard_id)
    if hazard.photo_id is None:
        raise NotFound(_("This hazard has no photo."))
    return send_stored(hazard.photo_id)


@bp.route("/hazards/<uuid:hazard_id>/steps/<uuid:step_id>/photo")
@requires("safety.read")
def step_photo(hazard_id: uuid.UUID, step_id: uuid.UUID):
    step = next((s for s in hazards.steps(hazards.get(hazard_id).id) if s.id == step_id), None)
    if step is None or step.photo_id is None:
        raise NotFound(_("This step has no photo."))
    return send_stored(step.photo_id)
