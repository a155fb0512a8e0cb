"""Drill pages: the school's drills with where it stands against the rule and the form that
plans one; one drill with the form that writes it up as held, with a photo."""

from __future__ import annotations

import uuid

from flask import redirect, render_template, request, url_for

from core.sdk import NotFound, _, forms, requires, send_stored

from ..models import DRILL_KINDS, DRILL_TITLES
from ..regulations import rules
from ..schemas import DrillRecordSchema, DrillSchema
from ..services import drills, today
from . import bp, uploaded_photo

RECORD_FIELDS = ("held_on", "participants", "evacuation_seconds", "evaluation", "lessons")


def _render_list(errors: dict, form: dict, status: int = 200):
    rows, page, more = forms.page_of(drills.listed())
    return render_template("safety/drills.html", rows=rows, page=page, more=more,
                           standing=drills.standing(), errors=errors, form=form,
                           kinds=DRILL_KINDS, kind_titles=DRILL_TITLES, today=today()), status


@bp.route("/drills", endpoint="drills")
@requires("safety.read")
def drills_page():
    return _render_list({}, {"kind": "fire", "planned_on": today().isoformat(),
                             "scope": _("the whole school")})


@bp.route("/drills", methods=["POST"])
@requires("safety.drills.manage")
@forms.submitted(_render_list)
def plan_drill():
    data = DrillSchema().load_form(forms.schema_fields(request.form,
                                                       ("kind", "planned_on", "scope")))
    drill = drills.plan(data)
    return redirect(url_for("safety_pages.drill", drill_id=drill.id))


def _render_drill(errors: dict, form: dict, status: int = 200, *, drill_id: uuid.UUID):
    drill = drills.get(drill_id)
    return render_template("safety/drill.html", drill=drill, errors=errors, form=form,
                           kind_titles=DRILL_TITLES,
                           target=rules()["evacuation_target_seconds"]), status


@bp.route("/drills/<uuid:drill_id>")
@requires("safety.read")
def drill(drill_id: uuid.UUID):
    return _render_drill({}, {"held_on": today().isoformat()}, drill_id=drill_id)


@bp.route("/drills/<uuid:drill_id>/record", methods=["POST"])
@requires("safety.drills.manage")
@forms.submitted(_render_drill)
def record_drill(drill_id: uuid.UUID):
    drill = drills.get(drill_id)
    data = DrillRecordSchema().load_form(forms.schema_fields(
        request.form, RECORD_FIELDS, optional=("evacuation_seconds",)))
    drills.record(drill, data, uploaded_photo())
    return redirect(url_for("safety_pages.drill", drill_id=drill_id))


@bp.route("/drills/<uuid:drill_id>/photo")
@requires("safety.read")
def drill_photo(drill_id: uuid.UUID):
    drill = drills.get(drill_id)
    if drill.photo_id is None:
        raise NotFound(_("This drill has no photo."))
    return send_stored(drill.photo_id)
