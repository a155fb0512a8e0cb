"""The pick-up page, at the gate or the classroom door on a phone: the children of a class
with who may take each home (a permit's photo beside it), the handover, the refusal that
alerts the class teacher; and the class teacher's temporary permits."""

from __future__ import annotations

import uuid

from flask import redirect, render_template, request, url_for
from marshmallow import ValidationError

from core.sdk import NotFound, RuleBroken, _, forms, people, requires, send_stored

from ..schemas import PermitSchema, PickupSchema, RefusalSchema
from ..services import local, pickup, today
from . import bp, uploaded_photo


def _class_arg() -> uuid.UUID | None:
    try:
        return uuid.UUID(request.args.get("class_id", "") or request.form.get("class_id", ""))
    except ValueError:
        return None


def _render(errors: dict, form: dict, status: int = 200):
    class_id = _class_arg()
    classes = pickup.in_scope()
    children = pickup.today_list(class_id, scope=classes)
    lists = pickup.authorised_many([c.student.id for c in children])
    return render_template("safety/pickup.html", children=children, lists=lists,
                           classes=classes, class_id=class_id, errors=errors,
                           form=form, local=local, today=today(), relations=people.RELATIONS,
                           waiting=sum(1 for c in children if c.picked_up is None)), status


@bp.route("/pickup", endpoint="pickup")
@requires("safety.pickup.record")
def pickup_page():
    return _render({}, {"permit_valid_from": today().isoformat(),
                        "permit_valid_until": today().isoformat()})


def _back():
    class_id = _class_arg()
    return redirect(url_for("safety_pages.pickup", class_id=class_id) if class_id
                    else url_for("safety_pages.pickup"))


@bp.route("/pickup/handover", methods=["POST"])
@requires("safety.pickup.record")
@forms.submitted(_render, picked=("student_id",))
def hand_over():
    # One choice of person a child: "guardian:<id>" or "permit:<id>".
    kind, _sep, person = request.form.get("person", "").partition(":")
    if kind not in ("guardian", "permit") or not person:
        raise ValidationError({"person": [_("choose who takes the child")]})
    data = PickupSchema().load_form({"student_id": request.form.get("student_id", ""),
                                     f"{kind}_id": person})
    try:
        pickup.hand_over(data)
    except RuleBroken as exc:  # the page's one choice of person stands for both fields
        if exc.field not in ("guardian_id", "permit_id"):
            raise
        raise RuleBroken(str(exc), "person", status=exc.status) from None
    return _back()


@bp.route("/pickup/refusal", methods=["POST"])
@requires("safety.pickup.record")
@forms.submitted(_render, picked=("student_id",))
def refuse():
    data = RefusalSchema().load_form(forms.schema_fields(request.form,
                                                         ("student_id", "person", "note")))
    pickup.refuse(data)
    return _back()


@bp.route("/pickup/permits", methods=["POST"])
@requires("safety.pickup.permits")
@forms.submitted(_render, prefix="permit_", picked=("student_id",))
def grant_permit():
    data = PermitSchema().load_form(forms.schema_fields(
        request.form, ("student_id", "name", "relation", "phone", "valid_from", "valid_until"),
        prefix="permit_"))
    pickup.grant(data, uploaded_photo("permit_photo"))
    return _back()


@bp.route("/pickup/permits/<uuid:permit_id>/photo")
@requires("safety.pickup.record")
def permit_photo(permit_id: uuid.UUID):
    permit = pickup.get_permit(permit_id)
    if permit.photo_id is None:
        raise NotFound(_("This permit has no photo."))
    return send_stored(permit.photo_id)

