"""The gate's pages: the guard's phone page (register and check in, today's expected
visitors checked in with one tap, who is on campus with their check-out), the staff's page
announcing a visit, the day's visitor log, and the refusal list."""

from __future__ import annotations

import uuid

from flask import redirect, render_template, request, url_for

from core.sdk import current_principal, forms, people, requires

from ..models.visitors import VISIT_KIND_TITLES, VISIT_KINDS
from ..schemas import (
    CheckInSchema,
    CheckOutSchema,
    ExpectedVisitSchema,
    GateRefusalSchema,
    VisitSchema,
)
from ..services import local, today, visitors
from . import bp

VISIT_FIELDS = ("kind", "name", "phone", "organisation", "reason", "host_staff_id", "host",
                "companions", "companion_names", "plate", "override_note")
EXPECT_FIELDS = ("kind", "name", "phone", "organisation", "reason", "host_staff_id", "host",
                 "companions", "plate", "expected_on", "expected_at")
REFUSAL_FIELDS = ("name", "phone", "plate", "reason", "until")


def _numbers(data: dict) -> dict:
    """A form's count of companions as the schema takes it: empty is none; anything but
    digits stays text, which the schema refuses naming the field."""
    count = str(data.get("companions", "")).strip()
    data["companions"] = int(count) if count.isdigit() else (count or 0)
    return data


def _render_gate(errors: dict, form: dict, status: int = 200, **_args):
    return render_template("safety/gate.html", errors=errors, form=form, kinds=VISIT_KINDS,
                           kind_titles=VISIT_KIND_TITLES, staff=people.staff(),
                           expected=visitors.expected(), inside=visitors.on_campus(),
                           local=local, today=today()), status


@bp.route("/gate", endpoint="gate")
@requires("safety.gate.record")
def gate_page():
    return _render_gate({}, {"kind": "visitor"})


@bp.route("/gate/visits", methods=["POST"])
@requires("safety.gate.record")
@forms.submitted(_render_gate, picked=("host_staff_id",))
def gate_register():
    data = VisitSchema().load_form(_numbers(forms.schema_fields(
        request.form, (*VISIT_FIELDS, "id_checked"), optional=("host_staff_id",),
        checkboxes=("id_checked",))))
    visitors.register(data)
    return redirect(url_for("safety_pages.gate"))


@bp.route("/gate/visits/<uuid:visit_id>/check-in", methods=["POST"])
@requires("safety.gate.record")
@forms.submitted(_render_gate)
def gate_check_in(visit_id: uuid.UUID):
    data = CheckInSchema().load_form(forms.schema_fields(
        request.form, ("override_note",), checkboxes=("id_checked",)))
    visitors.check_in(visitors.get(visit_id), data)
    return redirect(url_for("safety_pages.gate"))


@bp.route("/gate/visits/<uuid:visit_id>/check-out", methods=["POST"])
@requires("safety.gate.record")
@forms.submitted(_render_gate, field="checkout")
def gate_check_out(visit_id: uuid.UUID):
    visitors.check_out(visitors.get(visit_id), CheckOutSchema().load_form({}))
    return redirect(url_for("safety_pages.gate"))


def _render_expected(errors: dict, form: dict, status: int = 200):
    return render_template("safety/expected.html", errors=errors, form=form, kinds=VISIT_KINDS,
                           kind_titles=VISIT_KIND_TITLES, staff=people.staff(),
                           expected=visitors.expected(), today=today()), status


@bp.route("/gate/expected", endpoint="expected")
@requires("safety.gate.expect")
def expected_page():
    return _render_expected({}, {"kind": "visitor", "expected_on": today().isoformat()})


@bp.route("/gate/expected", methods=["POST"])
@requires("safety.gate.expect")
@forms.submitted(_render_expected, picked=("host_staff_id",))
def gate_expect():
    data = ExpectedVisitSchema().load_form(_numbers(forms.schema_fields(
        request.form, EXPECT_FIELDS, optional=("host_staff_id", "expected_at"))))
    visitors.expect(data)
    return redirect(url_for("safety_pages.expected"))


@bp.route("/gate/log", endpoint="gate_log")
@requires("safety.gate.read")
def gate_log():
    day = forms.day_arg("day", today())
    return render_template("safety/gate_log.html", day=day, visits=visitors.of_day(day),
                           kind_titles=VISIT_KIND_TITLES, local=local)


def _render_refusals(errors: dict, form: dict, status: int = 200, **_args):
    return render_template("safety/gate_refusals.html", errors=errors, form=form,
                           entries=visitors.refusals(district="safety.gate.district_refusals"
                                                     in current_principal().permissions),
                           today=today()), status


@bp.route("/gate/refusals", endpoint="gate_refusal_list")
@requires("safety.gate.read")
def refusals_page():
    return _render_refusals({}, {})


@bp.route("/gate/refusals", methods=["POST"])
@requires("safety.gate.refusals")
@forms.submitted(_render_refusals)
def gate_refuse():
    visitors.refuse(GateRefusalSchema().load_form(forms.schema_fields(
        request.form, REFUSAL_FIELDS, optional=("until",))))
    return redirect(url_for("safety_pages.gate_refusal_list"))


@bp.route("/gate/district-refusals", methods=["POST"])
@requires("safety.gate.district_refusals")
@forms.submitted(_render_refusals)
def gate_refuse_district():
    visitors.refuse(GateRefusalSchema().load_form(forms.schema_fields(
        request.form, REFUSAL_FIELDS, optional=("until",))), district_wide=True)
    return redirect(url_for("safety_pages.gate_refusal_list"))


@bp.route("/gate/refusals/<uuid:refusal_id>/lifting", methods=["POST"])
@requires("safety.gate.refusals")
@forms.submitted(_render_refusals, field="lift")
def gate_lift(refusal_id: uuid.UUID):
    visitors.lift(visitors.get_refusal(refusal_id, district_wide=False))
    return redirect(url_for("safety_pages.gate_refusal_list"))


@bp.route("/gate/district-refusals/<uuid:refusal_id>/lifting", methods=["POST"])
@requires("safety.gate.district_refusals")
@forms.submitted(_render_refusals, field="lift")
def gate_lift_district(refusal_id: uuid.UUID):
    visitors.lift(visitors.get_refusal(refusal_id, district_wide=True))
    return redirect(url_for("safety_pages.gate_refusal_list"))

