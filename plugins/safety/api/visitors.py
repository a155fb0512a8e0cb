"""The gate: visits registered, announced, checked in and out; who is on campus; the refusal
list, the school's and the district's."""

from __future__ import annotations

import uuid

from core.sdk import current_principal, requires, transactional

from ..schemas import (
    CheckInSchema,
    CheckOutSchema,
    ExpectedVisitSchema,
    GateRefusalSchema,
    VisitQuerySchema,
    VisitSchema,
)
from ..services import today, visitors
from . import blp


@blp.route("/gate/visits")
@blp.arguments(VisitQuerySchema, location="query")
@blp.response(200, VisitSchema(many=True))
@requires("safety.gate.read")
def gate_visits(query):
    """A day's visits (default today); ``state=expected``: announced and not yet in;
    ``state=inside``: on campus now, whatever day they came."""
    if query["state"] == "inside":
        return visitors.on_campus()
    if query["state"] == "expected":
        return visitors.expected(query.get("day"))
    return visitors.of_day(query.get("day") or today())


@blp.route("/gate/visits", methods=["POST"])
@blp.arguments(VisitSchema)
@blp.response(201, VisitSchema)
@requires("safety.gate.record")
@transactional
def gate_register(data):
    """Register someone at the gate and check them in. Someone on the refusal list is refused
    (422 naming ``override_note``) unless ``override_note`` says why they are let in."""
    return visitors.register(data)


@blp.route("/gate/visits/expected", methods=["POST"])
@blp.arguments(ExpectedVisitSchema)
@blp.response(201, VisitSchema)
@requires("safety.gate.expect")
@transactional
def gate_expect(data):
    """Announce a visit: the guard sees it on its day and checks it in with one tap."""
    return visitors.expect(data)


@blp.route("/gate/visits/<uuid:visit_id>/check-in", methods=["POST"])
@blp.arguments(CheckInSchema)
@blp.response(200, VisitSchema)
@requires("safety.gate.record")
@transactional
def gate_check_in(data, visit_id: uuid.UUID):
    """Check in an announced visit (a second check-in is a 409)."""
    return visitors.check_in(visitors.get(visit_id), data)


@blp.route("/gate/visits/<uuid:visit_id>/check-out", methods=["POST"])
@blp.arguments(CheckOutSchema)
@blp.response(200, VisitSchema)
@requires("safety.gate.record")
@transactional
def gate_check_out(data, visit_id: uuid.UUID):
    """Check a visitor out, now or at ``at``; a second check-out is a 409."""
    return visitors.check_out(visitors.get(visit_id), data)


@blp.route("/gate/refusals")
@blp.response(200, GateRefusalSchema(many=True))
@requires("safety.gate.read")
def gate_refusals():
    """The school's refusal list in force; for a district admin also the district's entries
    (kept in the schools where they were added, ``school`` naming it)."""
    return visitors.refusals(district="safety.gate.district_refusals"
                             in current_principal().permissions)


@blp.route("/gate/refusals", methods=["POST"])
@blp.arguments(GateRefusalSchema)
@blp.response(201, GateRefusalSchema)
@requires("safety.gate.refusals")
@transactional
def gate_refuse(data):
    """Put someone on the school's refusal list (a name, a phone or a plate at least)."""
    return visitors.refuse(data)


@blp.route("/gate/district-refusals", methods=["POST"])
@blp.arguments(GateRefusalSchema)
@blp.response(201, GateRefusalSchema)
@requires("safety.gate.district_refusals")
@transactional
def gate_refuse_district(data):
    """A district admin's entry: matched at the gate of every school of the district."""
    return visitors.refuse(data, district_wide=True)


@blp.route("/gate/refusals/<uuid:refusal_id>/lifting", methods=["POST"])
@blp.response(200, GateRefusalSchema)
@requires("safety.gate.refusals")
@transactional
def gate_lift(refusal_id: uuid.UUID):
    """Lift one of the school's entries."""
    return visitors.lift(visitors.get_refusal(refusal_id, district_wide=False))


@blp.route("/gate/district-refusals/<uuid:refusal_id>/lifting", methods=["POST"])
@blp.response(200, GateRefusalSchema)
@requires("safety.gate.district_refusals")
@transactional
def gate_lift_district(refusal_id: uuid.UUID):
    """Lift a district entry, in the school that keeps it."""
    return visitors.lift(visitors.get_refusal(refusal_id, district_wide=True))
