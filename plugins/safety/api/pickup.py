"""Pick-up: today's children with their handovers, who may take a child home, a handover, a
refusal with its alert, and the temporary permits."""

from __future__ import annotations

import uuid

from core.sdk import requires, transactional

from ..schemas import (
    AuthorisedSchema,
    ChildTodaySchema,
    PermitSchema,
    PickupQuerySchema,
    PickupSchema,
    RefusalSchema,
)
from ..services import pickup
from . import blp


@blp.route("/pickups/today")
@blp.arguments(PickupQuerySchema, location="query")
@blp.response(200, ChildTodaySchema(many=True))
@requires("safety.pickup.record")
def pickups_today(query):
    """The children handed over at this school (every class of a kindergarten, the lower
    grades the school sets elsewhere), with today's handover or none; ``waiting=true``: only
    those still waiting."""
    found = pickup.today_list(query.get("class_id"))
    return [c for c in found if c.picked_up is None] if query["waiting"] else found


@blp.route("/pickups/authorised/<uuid:student_id>")
@blp.response(200, AuthorisedSchema(many=True))
@requires("safety.pickup.record")
def authorised(student_id: uuid.UUID):
    """Who may take this child home today: the guardians the school lets pick up and the
    permits valid today, with the permit's photo to compare."""
    return pickup.authorised(pickup.student(student_id, status=404).id)


@blp.route("/pickups", methods=["POST"])
@blp.arguments(PickupSchema)
@blp.response(201, PickupSchema)
@requires("safety.pickup.record")
@transactional
def hand_over(data):
    """Hand a child over to ``guardian_id`` or ``permit_id`` from the child's list; anyone
    else is refused naming that field, and nothing is written (turn them away with
    ``POST /pickups/refusals``). A second handover of the child today is a 409."""
    return pickup.hand_over(data)


@blp.route("/pickups/refusals", methods=["POST"])
@blp.arguments(RefusalSchema)
@blp.response(201, RefusalSchema)
@requires("safety.pickup.record")
@transactional
def refuse(data):
    """Turn away someone not on the child's list; the class teacher is alerted at once."""
    return pickup.refuse(data)


@blp.route("/pickups/permits", methods=["POST"])
@blp.arguments(PermitSchema)
@blp.response(201, PermitSchema)
@requires("safety.pickup.permits")
@transactional
def grant_permit(data):
    """Let someone else take a child home from ``valid_from`` to ``valid_until`` (the child's
    class teacher, or the school's heads); its photo is added on the page."""
    return pickup.grant(data)


@blp.route("/pickups/permits/<uuid:permit_id>/revocation", methods=["POST"])
@blp.response(200, PermitSchema)
@requires("safety.pickup.permits")
@transactional
def revoke_permit(permit_id: uuid.UUID):
    """Withdraw a permit before its end."""
    permit = pickup.get_permit(permit_id)
    pickup.revoke(permit)
    return permit
