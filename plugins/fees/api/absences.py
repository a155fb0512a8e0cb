"""Kindergarten absences and the refunds they earn: record and list absences, work the term's
refunds out as a dry run, then apply them. Only while the school's fee setting
``absence_refunds`` is on (else 409 naming it)."""

from __future__ import annotations

import uuid

from core.sdk import MAX_PAGE_SIZE, PAGE_SIZE, current_principal, page_of, requires, transactional

from ..schemas.absences import (
    AbsenceQuerySchema,
    AbsenceRefundsSchema,
    AbsenceTermSchema,
    FeeAbsenceSchema,
)
from ..services import absences
from . import blp


def _allowed():
    principal = current_principal()
    return absences.classes_allowed(principal.permissions, principal.user_id)


@blp.route("/absences")
@blp.arguments(AbsenceQuerySchema, location="query")
@blp.response(200, FeeAbsenceSchema(many=True))
@blp.paginate(page_size=PAGE_SIZE, max_page_size=MAX_PAGE_SIZE)
@requires("fees.absences.write")
@transactional
def list_absences(query, pagination_parameters):
    """The absences recorded (of a term, a student or a class), latest first; a class
    teacher sees those of the classes they head."""
    return absences.named_absences(page_of(absences.listing(**query, allowed=_allowed()),
                                           pagination_parameters))


@blp.route("/absences", methods=["POST"])
@blp.arguments(FeeAbsenceSchema)
@blp.response(201, FeeAbsenceSchema)
@requires("fees.absences.write")
@transactional
def record_absence(data):
    """Record a child's absence, first to last day (both included) within one term; one that
    overlaps an absence of the same child is refused (409, naming ``starts_on``). Without
    ``fees.absences.any_class`` (a class teacher), only a child of a class one heads (else
    403, naming ``student_id``)."""
    return absences.named_absences([absences.record(data, allowed=_allowed())])[0]


@blp.route("/absences/<uuid:absence_id>", methods=["DELETE"])
@blp.response(204)
@requires("fees.absences.write")
@transactional
def delete_absence(absence_id: uuid.UUID):
    """Delete an absence recorded by mistake, while no refund was worked out from it."""
    absences.delete(absence_id, allowed=_allowed())


@blp.route("/absence-refunds")
@blp.arguments(AbsenceTermSchema, location="query")
@blp.response(200, AbsenceRefundsSchema)
@requires("fees.refunds.manage")
@transactional
def preview_absence_refunds(query):
    """A dry run: what the rule in force gives back for the term's absences, per student,
    item and month, and what of it would be refunded (what was paid); nothing is written."""
    return absences.shown(absences.work_out(query["term_id"]))


@blp.route("/absence-refunds", methods=["POST"])
@blp.arguments(AbsenceTermSchema)
@blp.response(200, AbsenceRefundsSchema)
@requires("fees.refunds.manage")
@transactional
def apply_absence_refunds(data):
    """Apply what is new: each bill lowered, each refund of what was paid decided. Applying
    again changes nothing."""
    applied = absences.apply(data["term_id"])
    return absences.shown(applied.outcome, applied)
