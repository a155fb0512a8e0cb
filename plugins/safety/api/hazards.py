"""Hazards: the register, a report and its photo, one hazard with its steps,
its owner and deadline, its fix and its verification."""

from __future__ import annotations

import uuid

from core.sdk import MAX_PAGE_SIZE, PAGE_SIZE, page_of, requires, transactional

from ..schemas import (
    AssignmentSchema,
    FixSchema,
    HazardQuerySchema,
    HazardSchema,
    PhotoSchema,
    VerificationSchema,
)
from ..services import hazards
from ..services.hazards import shown, shown_many
from . import blp


@blp.route("/hazards")
@blp.arguments(HazardQuerySchema, location="query")
@blp.response(200, HazardSchema(many=True))
@blp.paginate(page_size=PAGE_SIZE, max_page_size=MAX_PAGE_SIZE)
@requires("safety.read")
def list_hazards(query, pagination_parameters):
    """The hazard register (隐患台账), newest found first; ``status`` may also be ``unclosed``
    or ``overdue``."""
    return shown_many(page_of(hazards.listed(**query), pagination_parameters))


@blp.route("/hazards", methods=["POST"])
@blp.arguments(HazardSchema)
@blp.response(201, HazardSchema)
@requires("safety.hazards.report")
@transactional
def report_hazard(data):
    """Report a hazard (its photo follows with ``PUT /hazards/<id>/photo``). A grave one goes
    to the district at once."""
    return shown(hazards.report(data))


@blp.route("/hazards/<uuid:hazard_id>/photo", methods=["PUT"])
@blp.arguments(PhotoSchema, location="files")
@blp.response(200, HazardSchema)
@requires("safety.hazards.report")
@transactional
def put_hazard_photo(files, hazard_id: uuid.UUID):
    """The photo of the hazard as it was found (an image, checked by its content), from
    whoever reported it or a safety manager; it replaces one sent before."""
    upload = files["photo"]
    hazard = hazards.get(hazard_id)
    hazards.attach_photo(hazard, (upload.filename or "photo", upload.read()))
    return shown(hazard)


@blp.route("/hazards/<uuid:hazard_id>")
@blp.response(200, HazardSchema)
@requires("safety.read")
def get_hazard(hazard_id: uuid.UUID):
    """One hazard with every step; another school's, or none, is the same 404."""
    return shown(hazards.get(hazard_id), with_steps=True)


@blp.route("/hazards/<uuid:hazard_id>/assignment", methods=["PUT"])
@blp.arguments(AssignmentSchema)
@blp.response(200, HazardSchema)
@requires("safety.hazards.manage")
@transactional
def assign_hazard(data, hazard_id: uuid.UUID):
    """Give a hazard its owner (one of the school's staff) and deadline (default: the level's
    days in the school's settings); 409 once it is fixed or closed."""
    return shown(hazards.assign(hazards.get(hazard_id), data), with_steps=True)


@blp.route("/hazards/<uuid:hazard_id>/fix", methods=["POST"])
@blp.arguments(FixSchema)
@blp.response(200, HazardSchema)
@requires("safety.hazards.fix")
@transactional
def fix_hazard(data, hazard_id: uuid.UUID):
    """Record what was done to fix a hazard being fixed; it then waits for verification.
    409 when it is not being fixed (reported only, fixed already, or closed)."""
    return shown(hazards.fix(hazards.get(hazard_id), data), with_steps=True)


@blp.route("/hazards/<uuid:hazard_id>/verification", methods=["POST"])
@blp.arguments(VerificationSchema)
@blp.response(200, HazardSchema)
@requires("safety.hazards.manage")
@transactional
def verify_hazard(data, hazard_id: uuid.UUID):
    """Verify a fix (not by whoever fixed it): ``passed`` closes the hazard, not passed sends
    it back to its owner with ``note``. Two at once: one wins, the other is a 409."""
    return shown(hazards.verify(hazards.get(hazard_id), data), with_steps=True)
