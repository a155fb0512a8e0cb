"""Checklists and rounds: the school's checklists (the shipped defaults added on request, then
its own wording), the schedules that plan rounds, the rounds due, and a round started,
answered item by item (half done, then finished later), signed and amended."""

from __future__ import annotations

import uuid

from core.sdk import MAX_PAGE_SIZE, PAGE_SIZE, page_of, requires, transactional

from ..schemas import (
    ChecklistRevisionSchema,
    ChecklistSchema,
    DistrictChecklistSchema,
    DueRoundSchema,
    RoundAmendmentSchema,
    RoundAnswersSchema,
    RoundQuerySchema,
    RoundScheduleSchema,
    RoundSchema,
    RoundStartSchema,
)
from ..services import district_checklists, rounds, today
from . import blp

DO, MANAGE_ROUNDS = "safety.rounds.do", "safety.rounds.manage"
PUBLISH = "safety.rounds.publish"


def checklist_shown(checklist, items=None) -> dict:
    return {"id": checklist.id, "kind": checklist.kind, "title": checklist.title,
            "items": rounds.items(checklist.id) if items is None else items,
            "district_checklist_id": checklist.district_checklist_id,
            "diverged_at": checklist.diverged_at}


def checklists_shown(found) -> list[dict]:
    """Checklists with their items, read in one query for all of them."""
    items = rounds.items_of([c.id for c in found])
    return [checklist_shown(c, items[c.id]) for c in found]


def round_shown(walked) -> dict:
    fields = {c.key: getattr(walked, c.key) for c in walked.__table__.columns}
    return fields | {"answers": rounds.answers([walked.id])[walked.id],
                     "amendments": rounds.amendments(walked.id)}


@blp.route("/checklists")
@blp.response(200, ChecklistSchema(many=True))
@requires("safety.read")
def list_checklists():
    """The school's checklists with their items."""
    return checklists_shown(rounds.checklists())


@blp.route("/checklists/defaults", methods=["POST"])
@blp.response(201, ChecklistSchema(many=True))
@requires(MANAGE_ROUNDS)
@transactional
def install_checklists():
    """Add the shipped checklist of each kind the school has none of yet."""
    return checklists_shown(rounds.install_defaults())


@blp.route("/checklists", methods=["POST"])
@blp.arguments(ChecklistSchema)
@blp.response(201, ChecklistSchema)
@requires(MANAGE_ROUNDS)
@transactional
def create_checklist(data):
    """A checklist of the school's own."""
    return checklist_shown(rounds.create(data))


@blp.route("/checklists/<uuid:checklist_id>")
@blp.response(200, ChecklistSchema)
@requires("safety.read")
def get_checklist(checklist_id: uuid.UUID):
    return checklist_shown(rounds.get_checklist(checklist_id))


@blp.route("/checklists/<uuid:checklist_id>", methods=["PUT"])
@blp.arguments(ChecklistRevisionSchema)
@blp.response(200, ChecklistSchema)
@requires(MANAGE_ROUNDS)
@transactional
def revise_checklist(data, checklist_id: uuid.UUID):
    """Reword a checklist: its title and its whole list of items (add, remove, reword);
    rounds started already keep their items."""
    return checklist_shown(rounds.revise(rounds.get_checklist(checklist_id), data))


@blp.route("/district-checklists")
@blp.response(200, DistrictChecklistSchema(many=True))
@requires("safety.read")
def list_district_checklists():
    """The checklists the school's district publishes."""
    return district_checklists.published()


@blp.route("/district-checklists", methods=["POST"])
@blp.arguments(DistrictChecklistSchema)
@blp.response(201, DistrictChecklistSchema)
@requires(PUBLISH)
@transactional
def publish_district_checklist(data):
    """Publish a checklist to every school of the district (a district administrator, from
    any of its schools); each school receives a copy on its next morning run, or at once
    with ``POST /checklists/district``."""
    return district_checklists.publish(data)


@blp.route("/district-checklists/<uuid:district_checklist_id>", methods=["PUT"])
@blp.arguments(ChecklistRevisionSchema)
@blp.response(200, DistrictChecklistSchema)
@requires(PUBLISH)
@transactional
def revise_district_checklist(data, district_checklist_id: uuid.UUID):
    """The district's new wording: the schools' copies not edited by the school follow it."""
    return district_checklists.revise(district_checklists.get(district_checklist_id), data)


@blp.route("/checklists/district", methods=["POST"])
@blp.response(200, ChecklistSchema(many=True))
@requires(MANAGE_ROUNDS)
@transactional
def receive_district_checklists():
    """Take up the district's checklists now: copies of new ones, its edits into the copies
    the school has not edited. Answers the school's checklists."""
    district_checklists.receive()
    return checklists_shown(rounds.checklists())


@blp.route("/round-schedules")
@blp.response(200, RoundScheduleSchema(many=True))
@requires("safety.read")
def list_schedules():
    return rounds.schedules()


@blp.route("/round-schedules", methods=["POST"])
@blp.arguments(RoundScheduleSchema)
@blp.response(201, RoundScheduleSchema)
@requires(MANAGE_ROUNDS)
@transactional
def plan_rounds(data):
    """Plan rounds of a checklist at a place, for one member of staff."""
    return rounds.plan(data)


@blp.route("/round-schedules/<uuid:schedule_id>/stop", methods=["POST"])
@blp.response(200, RoundScheduleSchema)
@requires(MANAGE_ROUNDS)
@transactional
def stop_rounds(schedule_id: uuid.UUID):
    """Plan no more rounds by this schedule (those walked are kept)."""
    schedule = rounds.get_schedule(schedule_id)
    rounds.stop(schedule)
    return schedule


@blp.route("/rounds/due")
@blp.response(200, DueRoundSchema(many=True))
@requires("safety.read")
def rounds_due():
    """The rounds the schedules have due today, done or not."""
    on = today()
    return [{"schedule_id": d.schedule.id, "day": d.day, "place": d.schedule.place,
             "checklist_id": d.schedule.checklist_id,
             "round_id": d.round.id if d.round else None, "done": d.done}
            for d in rounds.due_between(on, on)]


@blp.route("/rounds")
@blp.arguments(RoundQuerySchema, location="query")
@blp.response(200, RoundSchema(many=True))
@blp.paginate(page_size=PAGE_SIZE, max_page_size=MAX_PAGE_SIZE)
@requires("safety.read")
def list_rounds(query, pagination_parameters):
    """The rounds, those under way first, then the latest signed; each with its items (read
    in one query for the page)."""
    found = page_of(rounds.listed(**query), pagination_parameters)
    items = rounds.answers([r.id for r in found])
    return [{c.key: getattr(r, c.key) for c in r.__table__.columns} | {"answers": items[r.id]}
            for r in found]


@blp.route("/rounds", methods=["POST"])
@blp.arguments(RoundStartSchema)
@blp.response(201, RoundSchema)
@requires(DO)
@transactional
def start_round(data):
    """Start a round for a schedule's day, or of a checklist at a place; a second round of
    one schedule's day is a 409."""
    return round_shown(rounds.start(data))


@blp.route("/rounds/<uuid:round_id>")
@blp.response(200, RoundSchema)
@requires("safety.read")
def get_round(round_id: uuid.UUID):
    return round_shown(rounds.get(round_id))


@blp.route("/rounds/<uuid:round_id>/answers", methods=["POST"])
@blp.arguments(RoundAnswersSchema)
@blp.response(200, RoundSchema)
@requires(DO)
@transactional
def answer_round(data, round_id: uuid.UUID):
    """Answer some items (the rest later); a failure needs its note and becomes a hazard.
    An item named twice: 422; answered already, or the round signed: 409 (nothing written).
    A failure's photo: the page's form, or ``PUT /hazards/<hazard_id>/photo``."""
    walked = rounds.get(round_id)
    rounds.answer(walked, data["answers"])
    return round_shown(walked)


@blp.route("/rounds/<uuid:round_id>/signature", methods=["POST"])
@blp.response(200, RoundSchema)
@requires(DO)
@transactional
def sign_round(round_id: uuid.UUID):
    """Finish and sign a round with every item answered; two at once: one signs, the other
    is a 409."""
    return round_shown(rounds.sign(rounds.get(round_id)))


@blp.route("/rounds/<uuid:round_id>/amendments", methods=["POST"])
@blp.arguments(RoundAmendmentSchema)
@blp.response(201, RoundAmendmentSchema)
@requires(DO)
@transactional
def amend_round(data, round_id: uuid.UUID):
    """Correct an item of a signed round, with why; the signed answer stays."""
    return rounds.amend(rounds.get(round_id), data)
