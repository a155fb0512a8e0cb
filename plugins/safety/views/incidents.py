"""Incident pages: the register with its filters and .xlsx, the phone form that reports one
(the students by their numbers, the staff picked from a list, a photo), and one incident with
its entries and the forms of a follow-up, the district's report and the closure."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta

from flask import redirect, render_template, request, url_for

from core.sdk import NotFound, RuleBroken, _, buildings, forms, people, requires, send_stored, utcnow

from ..models import (
    ENTRY_TITLES,
    INCIDENT_KINDS,
    INCIDENT_STATUS_TITLES,
    INCIDENT_TITLES,
    LEVEL_TITLES,
    LEVELS,
)
from ..regulations import CERTAINTY_TITLES, rules
from ..schemas import ClosureSchema, DistrictReportSchema, FollowUpSchema, IncidentQuerySchema, IncidentSchema
from ..services import incidents, local, today
from . import bp, uploaded_photo

REPORT_FIELDS = ("occurred_at", "place", "building_id", "kind", "severity", "description",
                 "others", "injuries", "first_actions", "informed")
OPTIONAL = ("building_id",)


# The cited promptness of a report (及时, 立即): words, not hours; shown under the register.
RULES = ("incident_report_injury", "incident_report_kindergarten", "incident_closing_report")


def _filters() -> dict:
    given = {k: v for k in ("status", "kind") if (v := request.args.get(k, "").strip())}
    errors = IncidentQuerySchema().validate(given)
    return IncidentQuerySchema().load({k: v for k, v in given.items() if k not in errors})


@bp.route("/incidents", endpoint="incidents")
@requires("safety.read")
def incident_register():
    filters = _filters()
    rows, page, more = forms.page_of(incidents.listed(**filters))
    found = rules()
    return render_template("safety/incidents.html", rows=[incidents.shown(i) for i in rows],
                           page=page, more=more, filters=filters, kinds=INCIDENT_KINDS,
                           kind_titles=INCIDENT_TITLES, level_titles=LEVEL_TITLES,
                           status_titles=INCIDENT_STATUS_TITLES, local=local,
                           period=(today() - timedelta(days=365), today()),
                           rules=[found[k] for k in RULES], certainty=CERTAINTY_TITLES)


def _render_form(errors: dict, form: dict, status: int = 200):
    return render_template("safety/incident_form.html", errors=errors, form=form,
                           kinds=INCIDENT_KINDS, kind_titles=INCIDENT_TITLES, levels=LEVELS,
                           level_titles=LEVEL_TITLES, buildings=buildings(),
                           staff=people.staff(active_only=True)), status


@bp.route("/incidents/new", endpoint="incident_form")
@requires("safety.incidents.report")
def incident_form():
    now = local(utcnow()).strftime("%Y-%m-%dT%H:%M")
    return _render_form({}, {"kind": "injury", "severity": "general", "occurred_at": now})


def _students_by_number(text: str) -> list[dict]:
    """The students named by their numbers (学号), separated by spaces or commas; a number
    that is no student of this school is refused naming ``students``."""
    found = []
    for number in (n for n in re.split(r"[\s,，、]+", text) if n):
        match = [s for s in people.students_matching(number, 5) if s.student_no == number]
        if not match:
            raise RuleBroken(_("no student numbered %(number)s in this school", number=number),
                             "students")
        found.append({"student_id": match[0].id})
    return found


@bp.route("/incidents/new", methods=["POST"])
@requires("safety.incidents.report")
@forms.submitted(_render_form, picked=("building_id",))
def report_incident():
    values = forms.schema_fields(request.form, REPORT_FIELDS, optional=OPTIONAL)
    involved = _students_by_number(request.form.get("students", ""))
    involved += [{"staff_id": s} for s in request.form.getlist("staff_ids") if s]
    data = IncidentSchema().load_form(values | {"people": involved})
    incident = incidents.report(data, uploaded_photo())
    return redirect(url_for("safety_pages.incident", incident_id=incident.id))


def _render_incident(errors: dict, form: dict, status: int = 200, *, incident_id: uuid.UUID):
    incident = incidents.get(incident_id)
    return render_template(
        "safety/incident.html", incident=incidents.shown(incident, with_entries=True),
        errors=errors, form=form, kind_titles=INCIDENT_TITLES, level_titles=LEVEL_TITLES,
        status_titles=INCIDENT_STATUS_TITLES, entry_titles=ENTRY_TITLES, local=local,
        building={b.id: b.name for b in buildings()}.get(incident.building_id),
        today=today()), status


@bp.route("/incidents/<uuid:incident_id>")
@requires("safety.read")
def incident(incident_id: uuid.UUID):
    return _render_incident({}, {}, incident_id=incident_id)


@bp.route("/incidents/<uuid:incident_id>/follow-ups", methods=["POST"])
@requires("safety.incidents.report")
@forms.submitted(_render_incident)
def follow_up_incident(incident_id: uuid.UUID):
    data = FollowUpSchema().load_form(forms.schema_fields(request.form, ("note",)))
    incidents.follow_up(incidents.get(incident_id), data, uploaded_photo())
    return redirect(url_for("safety_pages.incident", incident_id=incident_id))


@bp.route("/incidents/<uuid:incident_id>/district-report", methods=["POST"])
@requires("safety.incidents.manage")
@forms.submitted(_render_incident)
def report_incident_to_district(incident_id: uuid.UUID):
    data = DistrictReportSchema().load_form(forms.schema_fields(request.form, ("report",)))
    incidents.report_to_district(incidents.get(incident_id), data)
    return redirect(url_for("safety_pages.incident", incident_id=incident_id))


@bp.route("/incidents/<uuid:incident_id>/closure", methods=["POST"])
@requires("safety.incidents.manage")
@forms.submitted(_render_incident)
def close_incident(incident_id: uuid.UUID):
    data = ClosureSchema().load_form(forms.schema_fields(
        request.form, ("outcome", "closing_report", "version"), optional=("version",)))
    incidents.close(incidents.get(incident_id), data)
    return redirect(url_for("safety_pages.incident", incident_id=incident_id))


@bp.route("/incidents/<uuid:incident_id>/photo")
@requires("safety.read")
def incident_photo(incident_id: uuid.UUID):
    found = incidents.get(incident_id)
    if found.photo_id is None:
        raise NotFound(_("This incident has no photo."))
    return send_stored(found.photo_id)


@bp.route("/incidents/<uuid:incident_id>/entries/<uuid:incident_entry_id>/photo")
@requires("safety.read")
def incident_entry_photo(incident_id: uuid.UUID, incident_entry_id: uuid.UUID):
    entry = next((e for e in incidents.entries(incidents.get(incident_id).id)
                  if e.id == incident_entry_id), None)
    if entry is None or entry.photo_id is None:
        raise NotFound(_("This entry has no photo."))
    return send_stored(entry.photo_id)
