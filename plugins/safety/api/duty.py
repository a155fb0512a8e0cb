"""Duty (值班): the roster, the range fill, patrol points and check-ins, handovers and swaps."""

from __future__ import annotations

import uuid

from core.sdk import requires, transactional

from ..schemas import (
    CheckSchema,
    FilledSchema,
    FillSchema,
    HandoverSchema,
    PointChangeSchema,
    PointSchema,
    ShiftQuerySchema,
    ShiftSchema,
    SwapAnswerSchema,
    SwapSchema,
)
from ..services import duty
from . import blp


@blp.route("/duty/shifts")
@blp.arguments(ShiftQuerySchema, location="query")
@blp.response(200, ShiftSchema(many=True))
@requires("safety.read")
def list_duty_shifts(query):
    """The roster from ``first_day`` to ``last_day``."""
    return duty.shifts_between(query["first_day"], query["last_day"])


@blp.route("/duty/shifts", methods=["POST"])
@blp.arguments(ShiftSchema)
@blp.response(201, ShiftSchema)
@requires("safety.duty.manage")
@transactional
def add_duty_shift(data):
    """Put a person of the staff on a post on a day (the school's hours unless given)."""
    return duty.add_shift(data)


@blp.route("/duty/shifts/<uuid:shift_id>")
@blp.response(200, ShiftSchema)
@requires("safety.read")
def get_duty_shift(shift_id: uuid.UUID):
    return duty.get_shift(shift_id)


@blp.route("/duty/fill", methods=["POST"])
@blp.arguments(FillSchema)
@blp.response(200, FilledSchema)
@requires("safety.duty.manage")
@transactional
def fill_duty_roster(data):
    """Put these people on these days in turn, on one post (the holiday watch)."""
    return {"added": duty.fill(data)}


@blp.route("/duty/points")
@blp.response(200, PointSchema(many=True))
@requires("safety.read")
def list_patrol_points():
    return duty.points(active_only=False)


@blp.route("/duty/points", methods=["POST"])
@blp.arguments(PointSchema)
@blp.response(201, PointSchema)
@requires("safety.duty.manage")
@transactional
def add_patrol_point(data):
    return duty.add_point(data)


@blp.route("/duty/points/<uuid:point_id>", methods=["PATCH"])
@blp.arguments(PointChangeSchema)
@blp.response(200, PointSchema)
@requires("safety.duty.manage")
@transactional
def change_patrol_point(data, point_id: uuid.UUID):
    """Stop checking a point, or start again."""
    return duty.change_point(duty.get_point(point_id), data)


@blp.route("/duty/checks", methods=["POST"])
@blp.arguments(CheckSchema)
@blp.response(201, CheckSchema)
@requires("safety.duty.serve")
@transactional
def patrol_check_in(data):
    """The person signed in was at a patrol point, during a shift of theirs (422 on ``at``
    otherwise)."""
    return duty.check_in(data)


@blp.route("/duty/shifts/<uuid:shift_id>/checks")
@blp.response(200, CheckSchema(many=True))
@requires("safety.read")
def duty_shift_checks(shift_id: uuid.UUID):
    return list(duty.checks_of(duty.get_shift(shift_id)).values())


@blp.route("/duty/shifts/<uuid:shift_id>/handover", methods=["POST"])
@blp.arguments(HandoverSchema)
@blp.response(201, HandoverSchema)
@requires("safety.duty.serve")
@transactional
def hand_over_shift(data, shift_id: uuid.UUID):
    """The person on the shift writes the handover; once a shift."""
    return duty.hand_over(duty.get_shift(shift_id), data)


@blp.route("/duty/handovers/<uuid:handover_id>/acknowledgement", methods=["POST"])
@blp.response(200, HandoverSchema)
@requires("safety.duty.serve")
@transactional
def acknowledge_handover(handover_id: uuid.UUID):
    """A person on the next shift of the post has read it; twice is a 409."""
    return duty.acknowledge(duty.get_handover(handover_id))


@blp.route("/duty/swaps")
@blp.response(200, SwapSchema(many=True))
@requires("safety.read")
def list_swaps():
    """Swaps waiting for the other person or for a head."""
    return duty.swaps()


@blp.route("/duty/swaps", methods=["POST"])
@blp.arguments(SwapSchema)
@blp.response(201, SwapSchema)
@requires("safety.duty.serve")
@transactional
def ask_swap(data):
    return duty.ask_swap(data)


@blp.route("/duty/swaps/<uuid:swap_id>/answer", methods=["POST"])
@blp.arguments(SwapAnswerSchema)
@blp.response(200, SwapSchema)
@requires("safety.duty.serve")
@transactional
def answer_swap(data, swap_id: uuid.UUID):
    """The other person accepts or declines."""
    return duty.answer_swap(duty.get_swap(swap_id), data["yes"])


@blp.route("/duty/swaps/<uuid:swap_id>/decision", methods=["POST"])
@blp.arguments(SwapAnswerSchema)
@blp.response(200, SwapSchema)
@requires("safety.duty.manage")
@transactional
def decide_swap(data, swap_id: uuid.UUID):
    """A head approves (the shifts change hands) or refuses an accepted swap."""
    return duty.decide_swap(duty.get_swap(swap_id), data["yes"])
