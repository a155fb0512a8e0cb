"""Duty pages: today's duty with the person's own shifts and the swaps and handovers waiting;
the month's roster as a grid a head fills in on a desktop (and the range fill for a holiday);
one shift with its patrol check-ins, its handover and a swap; the patrol points with their
printable QR codes, each opening the point's check-in page on a phone."""

from __future__ import annotations

import io
import uuid
from datetime import date, timedelta

import segno
from flask import Response, redirect, render_template, request, url_for

from core.sdk import RuleBroken, _, external_url, forms, people, requires

from ..models import POST_TITLES, POSTS, SWAP_TITLES
from ..schemas import FillSchema, HandoverSchema, PointSchema, SwapSchema
from ..services import duty, local, today
from . import bp


def _names() -> dict[uuid.UUID, str]:
    return {s.id: s.name for s in people.staff()}


def _month_days(first: date) -> list[date]:
    following = (first.replace(day=28) + timedelta(days=4)).replace(day=1)
    return [first + timedelta(days=n) for n in range((following - first).days)]


# --- today ---------------------------------------------------------------------------------

@bp.route("/duty", endpoint="duty")
@requires("safety.read")
def duty_page():
    return _render_duty({}, {})


def _render_duty(errors: dict, form: dict, status: int = 200, **_ignored):
    """Today's duty, this month's own shifts, the swaps waiting (with a refused answer's
    reason)."""
    day = today()
    shifts = {s.id: s for s in duty.shifts_between(day - timedelta(days=1), day + timedelta(
        days=31))}
    open_swaps = duty.swaps()
    # The shifts of swaps beyond the month, read at once.
    shifts |= {s.id: s for s in duty.shifts_of(
        {i for w in open_swaps for i in (w.shift_id, w.other_shift_id)} - set(shifts))}
    me = duty.my_staff_id()
    return render_template(
        "safety/duty.html", on_duty=duty.on_duty(day), post_titles=POST_TITLES, day=day,
        mine=[s for s in shifts.values() if s.staff_id == me and s.day >= day - timedelta(
            days=1)], shifts=shifts, names=_names(), swaps=open_swaps, swap_titles=SWAP_TITLES,
        me=me, waiting=duty.unacknowledged(), local=local, errors=errors), status


# --- the month's roster --------------------------------------------------------------------

def _render_roster(errors: dict, form: dict, status: int = 200):
    first = forms.month_arg("month", today().replace(day=1))
    names = _names()
    cells: dict[str, list[str]] = {}
    for s in duty.shifts_between(first, _month_days(first)[-1]):
        cells.setdefault(f"{s.day.isoformat()}:{s.post}", []).append(names.get(s.staff_id, ""))
    values = {key: "、".join(v) for key, v in cells.items()}
    values.update(form)
    previous = (first - timedelta(days=1)).replace(day=1)
    following = (first.replace(day=28) + timedelta(days=4)).replace(day=1)
    return render_template("safety/duty_roster.html", first=first, days=_month_days(first),
                           posts=POSTS, post_titles=POST_TITLES, values=values, errors=errors,
                           form=form, staff=people.staff(active_only=True),
                           previous=previous, following=following), status


@bp.route("/duty/roster", endpoint="duty_roster")
@requires("safety.read")
def roster_page():
    return _render_roster({}, {})


@bp.route("/duty/roster", methods=["POST"])
@requires("safety.duty.manage")
@forms.submitted(_render_roster)
def save_duty_roster():
    """The month grid: each cell the names of the people on that post that day."""
    first = forms.month_arg("month", today().replace(day=1))
    staff = {s.name: s.id for s in people.staff(active_only=True)}
    cells = {}
    for day in _month_days(first):
        for post in POSTS:
            key = f"{day.isoformat()}:{post}"
            if key in request.form:
                cells[(day, post)] = duty.names_to_staff(request.form[key], staff, key)
    duty.place(cells)
    return redirect(url_for("safety_pages.duty_roster", month=f"{first:%Y-%m}"))


@bp.route("/duty/roster/fill", methods=["POST"])
@requires("safety.duty.manage")
@forms.submitted(_render_roster)
def fill_duty_roster():
    data = forms.schema_fields(request.form, ("first_day", "last_day", "post"))
    data["staff_ids"] = request.form.getlist("staff_ids")
    duty.fill(FillSchema().load_form(data))
    return redirect(url_for("safety_pages.duty_roster", month=data["first_day"][:7]))


# --- one shift -----------------------------------------------------------------------------

def _render_shift(errors: dict, form: dict, status: int = 200, *, shift_id: uuid.UUID,
                  **_ignored):
    shift = forms.found(duty.get_shift, shift_id)
    me = duty.my_staff_id()
    handover = duty.handover_of(shift)
    following = duty.next_shifts(shift)
    names = _names()
    others = [s for s in duty.shifts_between(max(today(), shift.day - timedelta(days=14)),
                                             shift.day + timedelta(days=31))
              if s.post == shift.post and s.staff_id != shift.staff_id]
    return render_template(
        "safety/duty_shift.html", shift=shift, names=names, post_titles=POST_TITLES,
        span=[local(m) for m in duty.span(shift)], points=duty.points(),
        checks=duty.checks_of(shift), missed=duty.missed(shift), handover=handover,
        mine=me == shift.staff_id, next_mine=me is not None and me in {
            s.staff_id for s in following}, others=others, errors=errors, form=form,
        local=local, past=shift.day < today()), status


@bp.route("/duty/shifts/<uuid:shift_id>")
@requires("safety.read")
def duty_shift(shift_id: uuid.UUID):
    return _render_shift({}, {}, shift_id=shift_id)


@bp.route("/duty/shifts/<uuid:shift_id>/handover", methods=["POST"])
@requires("safety.duty.serve")
@forms.submitted(_render_shift)
def hand_over_shift(shift_id: uuid.UUID):
    shift = forms.found(duty.get_shift, shift_id)
    duty.hand_over(shift, HandoverSchema().load_form(forms.schema_fields(
        request.form, ("happened", "watch"))))
    return redirect(url_for("safety_pages.duty_shift", shift_id=shift_id))


def _render_handover(errors: dict, form: dict, status: int = 200, *,
                     handover_id: uuid.UUID):
    return _render_shift(errors, form, status,
                         shift_id=forms.found(duty.get_handover, handover_id).shift_id)


@bp.route("/duty/handovers/<uuid:handover_id>/acknowledgement", methods=["POST"])
@requires("safety.duty.serve")
@forms.submitted(_render_handover, field="handover_id")
def acknowledge_handover(handover_id: uuid.UUID):
    handover = forms.found(duty.get_handover, handover_id)
    duty.acknowledge(handover)
    return redirect(url_for("safety_pages.duty_shift", shift_id=handover.shift_id))


def _render_swap_ask(errors: dict, form: dict, status: int = 200):
    shift_id = form.get("shift_id", "")
    try:
        return _render_shift(errors, form, status, shift_id=uuid.UUID(shift_id))
    except ValueError:
        return _render_roster(errors, form, status)


@bp.route("/duty/swaps", methods=["POST"])
@requires("safety.duty.serve")
@forms.submitted(_render_swap_ask, picked=("other_shift_id",))
def ask_swap():
    swap = duty.ask_swap(SwapSchema().load_form(forms.schema_fields(
        request.form, ("shift_id", "other_shift_id", "reason"))))
    return redirect(url_for("safety_pages.duty_shift", shift_id=swap.shift_id))


@bp.route("/duty/swaps/<uuid:swap_id>/answer", methods=["POST"])
@requires("safety.duty.serve")
@forms.submitted(_render_duty)
def answer_swap(swap_id: uuid.UUID):
    duty.answer_swap(forms.found(duty.get_swap, swap_id), request.form.get("yes") == "1")
    return redirect(url_for("safety_pages.duty"))


@bp.route("/duty/swaps/<uuid:swap_id>/decision", methods=["POST"])
@requires("safety.duty.manage")
@forms.submitted(_render_duty)
def decide_swap(swap_id: uuid.UUID):
    duty.decide_swap(forms.found(duty.get_swap, swap_id), request.form.get("yes") == "1")
    return redirect(url_for("safety_pages.duty"))


# --- patrol points -------------------------------------------------------------------------

def _render_points(errors: dict, form: dict, status: int = 200):
    return render_template("safety/duty_points.html", points=duty.points(active_only=False),
                           errors=errors, form=form), status


@bp.route("/duty/points", endpoint="patrol_points")
@requires("safety.read")
def points_page():
    return _render_points({}, {})


@bp.route("/duty/points", methods=["POST"])
@requires("safety.duty.manage")
@forms.submitted(_render_points)
def add_patrol_point():
    duty.add_point(PointSchema().load_form(forms.schema_fields(request.form, ("name",))))
    return redirect(url_for("safety_pages.patrol_points"))


@bp.route("/duty/points/<uuid:point_id>/qr.svg")
@requires("safety.read")
def patrol_point_qr(point_id: uuid.UUID):
    """The point's QR code: the address of its check-in page."""
    point = forms.found(duty.get_point, point_id)
    link = external_url(url_for("safety_pages.patrol_point", point_id=point.id))
    out = io.BytesIO()
    segno.make(link, error="m").save(out, kind="svg", scale=4, border=2)
    return Response(out.getvalue(), mimetype="image/svg+xml")


def _render_point(errors: dict, form: dict, status: int = 200, *, point_id: uuid.UUID):
    point = forms.found(duty.get_point, point_id)
    return render_template("safety/duty_point.html", point=point, errors=errors, form=form,
                           done=request.args.get("done") == "1"), status


@bp.route("/duty/points/<uuid:point_id>", endpoint="patrol_point")
@requires("safety.read")
def point_page(point_id: uuid.UUID):
    """Where a point's QR code leads: the check-in button."""
    return _render_point({}, {}, point_id=point_id)


@bp.route("/duty/points/<uuid:point_id>/check", methods=["POST"])
@requires("safety.duty.serve")
@forms.submitted(_render_point)
def patrol_check_in(point_id: uuid.UUID):
    point = forms.found(duty.get_point, point_id)
    duty.check_in({"point_id": point.id, "note": request.form.get("note", "")[:200]})
    back = request.form.get("back", "")
    if back:
        try:
            return redirect(url_for("safety_pages.duty_shift", shift_id=uuid.UUID(back)))
        except ValueError as exc:
            raise RuleBroken(_("no such shift"), "back") from exc
    return redirect(url_for("safety_pages.patrol_point", point_id=point.id, done=1))
