"""Meal plans: each student's price tier, class by class, with the prices in force."""

from __future__ import annotations

import uuid

from flask import redirect, render_template, request, url_for

from core.sdk import forms, people, requires

from ..models.fees import TIERS
from ..schemas.fees import MealPlanSchema
from ..services import fees as services
from . import bp, common


def _chosen_class(classes: list[people.ClassRef]) -> people.ClassRef | None:
    wanted = request.args.get("class_id", "")
    return next((c for c in classes if str(c.id) == wanted), classes[0] if classes else None)


def _render_plans(errors: dict[str, str], posted: dict[str, str], status: int = 200):
    classes = people.classes()
    chosen = _chosen_class(classes)
    rows = services.meal_plans(chosen.id) if chosen else []
    return render_template("canteen/fees.html", **common(), classes=classes, chosen=chosen,
                           rows=rows, tiers=TIERS, tier_titles=services.TIER_TITLES,
                           conf=services.fee_settings(), errors=errors, posted=posted), status


@bp.route("/meal-plans")
@requires("canteen.fees.read")
def meal_plans():
    return _render_plans({}, {})


@bp.route("/meal-plans/<uuid:student_id>", methods=["POST"])
@requires("canteen.fees.manage")
@forms.submitted(lambda errors, form, status, student_id: _render_plans(
    {str(student_id): errors["plan"]}, {**form, "student_id": str(student_id)}, status),
                 field="plan")
def set_meal_plan(student_id: uuid.UUID):
    student = forms.found(services.get_student, student_id)
    services.set_meal_plan(student.id, MealPlanSchema().load(forms.schema_fields(
        request.form.to_dict(), ("tier", "meals_from", "meals_until", "note"),
        optional=("meals_from", "meals_until"))))
    return redirect(url_for("canteen_pages.meal_plans", class_id=student.class_id))

