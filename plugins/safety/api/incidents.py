"""Incidents: the register, a report with the people involved, one incident with its
entries, a follow-up, the report to the district, the closure."""

from __future__ import annotations

import uuid

from core.sdk import MAX_PAGE_SIZE, PAGE_SIZE, page_of, requires, transactional

from ..schemas import (
    ClosureSchema,
    DistrictReportSchema,
    FollowUpSchema,
    IncidentQuerySchema,
    IncidentSchema,
)
from ..services import incidents
from ..services.incidents import shown
from . import blp


@blp.route("/incidents")
@blp.arguments(IncidentQuerySchema, location="query")
@blp.response(200, IncidentSchema(many=True))
@blp.paginate(page_size=PAGE_SIZE, max_page_size=MAX_PAGE_SIZE)
@requires("safety.read")
def list_incidents(query, pagination_parameters):
    """The incident register, the latest first; ``status`` may be ``late`` (the district's
    report sent after its deadline, or unsent past it)."""
    return [shown(i) for i in page_of(incidents.listed(**query), pagination_parameters)]


@blp.route("/incidents", methods=["POST"])
@blp.arguments(IncidentSchema)
@blp.response(201, IncidentSchema)
@requires("safety.incidents.report")
@transactional
def report_incident(data):
    """Report an incident with the students and staff involved (422 naming ``people`` for
    one not of this school; ``occurred_at`` in the future is a 422 too). Its deadline for the
    district follows from the school's hours for its severity."""
    return shown(incidents.report(data), with_entries=True)


@blp.route("/incidents/<uuid:incident_id>")
@blp.response(200, IncidentSchema)
@requires("safety.read")
def get_incident(incident_id: uuid.UUID):
    """One incident with the people involved and every entry; another school's is a 404."""
    return shown(incidents.get(incident_id), with_entries=True)


@blp.route("/incidents/<uuid:incident_id>/follow-ups", methods=["POST"])
@blp.arguments(FollowUpSchema)
@blp.response(201, IncidentSchema)
@requires("safety.incidents.report")
@transactional
def follow_up_incident(data, incident_id: uuid.UUID):
    """A timestamped follow-up; a closed incident takes none (409)."""
    incident = incidents.get(incident_id)
    incidents.follow_up(incident, data)
    return shown(incident, with_entries=True)


@blp.route("/incidents/<uuid:incident_id>/district-report", methods=["POST"])
@blp.arguments(DistrictReportSchema)
@blp.response(200, IncidentSchema)
@requires("safety.incidents.manage")
@transactional
def report_incident_to_district(data, incident_id: uuid.UUID):
    """Send the incident's report to the district, once (a second is a 409); sent after its
    deadline it is flagged late."""
    return shown(incidents.report_to_district(incidents.get(incident_id), data),
                 with_entries=True)


@blp.route("/incidents/<uuid:incident_id>/closure", methods=["POST"])
@blp.arguments(ClosureSchema)
@blp.response(200, IncidentSchema)
@requires("safety.incidents.manage")
@transactional
def close_incident(data, incident_id: uuid.UUID):
    """Close the incident with its outcome and closing report; two at once: one wins, the
    other is a 409."""
    return shown(incidents.close(incidents.get(incident_id), data), with_entries=True)
