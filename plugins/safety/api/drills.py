"""Drills: the school's drills, newest planned first, and where it stands against the rule;
plan one, write one up as held."""

from __future__ import annotations

import uuid

from core.sdk import MAX_PAGE_SIZE, PAGE_SIZE, page_of, requires, transactional

from ..schemas import DrillRecordSchema, DrillSchema, DrillStandingSchema
from ..services import drills
from . import blp


@blp.route("/drills")
@blp.response(200, DrillSchema(many=True))
@blp.paginate(page_size=PAGE_SIZE, max_page_size=MAX_PAGE_SIZE)
@requires("safety.read")
def list_drills(pagination_parameters):
    """The school's drills, the latest planned first."""
    return page_of(drills.listed(), pagination_parameters)


@blp.route("/drills/standing")
@blp.response(200, DrillStandingSchema)
@requires("safety.read")
def drill_standing():
    """How often the school must drill (monthly for a school, quarterly for a kindergarten,
    by the cited rule in force), the last drill held, the day the next is due by, and
    whether the last full period went without one."""
    return drills.standing()


@blp.route("/drills", methods=["POST"])
@blp.arguments(DrillSchema)
@blp.response(201, DrillSchema)
@requires("safety.drills.manage")
@transactional
def plan_drill(data):
    """Plan a drill: its kind, day and who takes part."""
    return drills.plan(data)


@blp.route("/drills/<uuid:drill_id>")
@blp.response(200, DrillSchema)
@requires("safety.read")
def get_drill(drill_id: uuid.UUID):
    """One drill; another school's, or none, is the same 404."""
    return drills.get(drill_id)


@blp.route("/drills/<uuid:drill_id>/record", methods=["POST"])
@blp.arguments(DrillRecordSchema)
@blp.response(200, DrillSchema)
@requires("safety.drills.manage")
@transactional
def record_drill(data, drill_id: uuid.UUID):
    """Write up a drill as held (its photo through the page); a second write-up is a 409."""
    return drills.record(drills.get(drill_id), data)
