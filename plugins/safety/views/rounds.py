"""Round pages: the rounds due today, under way and signed (paged, each page's items read in
one query); one round on a phone — tick each item, a failure with a note and a photo, save
half done or save and sign, then amend; the checklists with a printable QR code a place
that starts or continues its round; the schedules."""

from __future__ import annotations

import io
import uuid

import segno
from flask import redirect, render_template, request, url_for
from markupsafe import Markup

from core.sdk import NotFound, _, buildings, external_url, forms, people, requires, send_stored

from ..models import FREQUENCIES, FREQUENCY_TITLES, KIND_TITLES, RESULT_TITLES, RESULTS
from ..schemas import RoundAmendmentSchema, RoundScheduleSchema, RoundStartSchema
from ..services import rounds, today
from . import bp, uploaded_photo

DO, MANAGE_ROUNDS = "safety.rounds.do", "safety.rounds.manage"


def _render_list(errors: dict, form: dict, status: int = 200):
    rows, page, more = forms.page_of(rounds.listed())
    items = rounds.answers([r.id for r in rows])
    on = today()
    return render_template(
        "safety/rounds.html", rows=rows, items=items, page=page, more=more,
        due=rounds.due_between(on, on), checklists=rounds.checklists(),
        schedules=rounds.schedules(), titles=rounds.titles_of(
            s.checklist_id for s in rounds.schedules()),
        staff=people.staff(active_only=True), buildings=buildings(),
        frequencies=FREQUENCIES, frequency_titles=FREQUENCY_TITLES, kind_titles=KIND_TITLES,
        errors=errors, form=form, today=on), status


@bp.route("/rounds", endpoint="rounds")
@requires("safety.read")
def rounds_page():
    return _render_list({}, {"start_on": today().isoformat(), "frequency": "daily"})


@bp.route("/rounds", methods=["POST"])
@requires(DO)
@forms.submitted(_render_list)
def start_round():
    data = RoundStartSchema().load(forms.schema_fields(
        request.form, ("schedule_id", "due_on", "checklist_id", "place", "building_id"),
        optional=("schedule_id", "due_on", "checklist_id", "building_id")))
    walked = rounds.start(data)
    return redirect(url_for("safety_pages.round", round_id=walked.id))


@bp.route("/round-schedules", methods=["POST"])
@requires(MANAGE_ROUNDS)
@forms.submitted(_render_list)
def plan_rounds():
    data = RoundScheduleSchema().load_form(forms.schema_fields(
        request.form, ("checklist_id", "place", "building_id", "frequency", "start_on",
                       "assignee_id"), optional=("building_id", "assignee_id")))
    rounds.plan(data)
    return redirect(url_for("safety_pages.rounds"))


@bp.route("/checklists/defaults", methods=["POST"])
@requires(MANAGE_ROUNDS)
@forms.submitted(_render_list)
def install_checklists():
    rounds.install_defaults()
    return redirect(url_for("safety_pages.checklists"))


@bp.route("/checklists")
@requires("safety.read")
def checklists():
    found = rounds.checklists()
    return render_template("safety/checklists.html", checklists=found,
                           items=rounds.items_of([c.id for c in found]),
                           kind_titles=KIND_TITLES, text=rounds.in_reader_language)


BLANK_ROWS = 3  # new items a checklist's form offers at a time
ROW_FIELDS = ("text_zh", "pass_zh", "text_en", "pass_en")


def _render_checklist(errors: dict, form: dict, status: int = 200, *, checklist_id: uuid.UUID):
    checklist = rounds.get_checklist(checklist_id)
    return render_template("safety/checklist.html", checklist=checklist,
                           items=rounds.items(checklist.id), blank=BLANK_ROWS,
                           kind_titles=KIND_TITLES, errors=errors, form=form), status


@bp.route("/checklists/<uuid:checklist_id>")
@requires(MANAGE_ROUNDS)
def checklist(checklist_id: uuid.UUID):
    return _render_checklist({}, {}, checklist_id=checklist_id)


@bp.route("/checklists/<uuid:checklist_id>", methods=["POST"])
@requires(MANAGE_ROUNDS)
@forms.submitted(_render_checklist)
def revise_checklist(checklist_id: uuid.UUID):
    """The items as the form lists them: kept ones reworded or ticked for removal (a kept
    item keeps the rule it cites), blank rows filled in as new items."""
    checklist = rounds.get_checklist(checklist_id)
    kept = rounds.items(checklist.id)
    given = []
    for row in [f"i{i.position}" for i in kept] + [f"n{n}" for n in range(BLANK_ROWS)]:
        if request.form.get(f"remove_{row}"):
            continue
        values = {f: request.form.get(f"{f}_{row}", "").strip() for f in ROW_FIELDS}
        if not any(values.values()):
            continue
        old = next((i for i in kept if f"i{i.position}" == row), None)
        given.append(values | {"source": old.source if old else "",
                               "certainty": old.certainty if old else ""})
    rounds.revise(checklist, {"title": request.form.get("title", ""), "items": given})
    return redirect(url_for("safety_pages.checklists"))


def _render_round(errors: dict, form: dict, status: int = 200, *, round_id: uuid.UUID):
    walked = rounds.get(round_id)
    return render_template("safety/round.html", round=walked,
                           answers=rounds.answers([walked.id])[walked.id],
                           amendments=rounds.amendments(walked.id), results=RESULTS,
                           result_titles=RESULT_TITLES, kind_titles=KIND_TITLES,
                           text=rounds.in_reader_language, errors=errors, form=form), status


@bp.route("/rounds/<uuid:round_id>")
@requires("safety.read")
def round(round_id: uuid.UUID):
    return _render_round({}, {}, round_id=round_id)


@bp.route("/rounds/<uuid:round_id>", methods=["POST"])
@requires(DO)
@forms.submitted(_render_round)
def answer_round(round_id: uuid.UUID):
    """Whatever items were ticked, each failure's note and photo; "sign" finishes it too."""
    walked = rounds.get(round_id)
    given, photos = [], {}
    for answer in rounds.answers([walked.id])[walked.id]:
        result = request.form.get(f"result_{answer.position}")
        if answer.result is None and result:
            given.append({"position": answer.position, "result": result,
                          "note": request.form.get(f"note_{answer.position}", "")})
            photo = uploaded_photo(f"photo_{answer.position}")
            if photo is not None:
                photos[answer.position] = photo
    if given:
        rounds.answer(walked, given, photos)
    if request.form.get("sign"):
        rounds.sign(walked)
    return redirect(url_for("safety_pages.round", round_id=round_id))


@bp.route("/rounds/<uuid:round_id>/amendments", methods=["POST"])
@requires(DO)
@forms.submitted(_render_round)
def amend_round(round_id: uuid.UUID):
    data = RoundAmendmentSchema().load_form(forms.schema_fields(
        request.form, ("position", "result", "note", "reason")))
    rounds.amend(rounds.get(round_id), data, uploaded_photo())
    return redirect(url_for("safety_pages.round", round_id=round_id))


@bp.route("/rounds/<uuid:round_id>/photos/<int:position>")
@requires("safety.read")
def round_photo(round_id: uuid.UUID, position: int):
    walked = rounds.get(round_id)
    found = next((a for a in rounds.answers([walked.id])[walked.id]
                  if a.position == position and a.photo_id), None)
    if found is None:
        raise NotFound(_("This item has no photo."))
    return send_stored(found.photo_id)


def _here_args() -> tuple[uuid.UUID, str]:
    try:
        checklist_id = uuid.UUID(request.args.get("checklist_id", ""))
    except ValueError:
        raise NotFound(_("No such record in this school.")) from None
    place = request.args.get("place", "").strip()
    if not place:
        raise NotFound(_("No such record in this school."))
    return rounds.get_checklist(checklist_id).id, place


@bp.route("/rounds/here")
@requires(DO)
def round_here():
    """Where a place's QR code leads: its round under way, else a button that starts one."""
    checklist_id, place = _here_args()
    walked = rounds.under_way(checklist_id, place)
    if walked is not None:
        return redirect(url_for("safety_pages.round", round_id=walked.id))
    return render_template("safety/round_here.html", checklist=rounds.get_checklist(
        checklist_id), place=place, kind_titles=KIND_TITLES)


@bp.route("/rounds/qr")
@requires("safety.read")
def round_qr():
    """A printable QR code for a place and a checklist, made here (no outside service)."""
    checklist_id, place = _here_args()
    link = external_url(url_for("safety_pages.round_here", checklist_id=str(checklist_id),
                                place=place))
    svg = io.BytesIO()
    segno.make(link, error="m").save(svg, kind="svg", scale=8, border=2, xmldecl=False,
                                     svgns=True)
    return render_template("safety/round_qr.html", checklist=rounds.get_checklist(checklist_id),
                           place=place, link=link, kind_titles=KIND_TITLES,
                           svg=Markup(svg.getvalue().decode()))

