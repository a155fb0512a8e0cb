"""Meal plans (each student's price tier) and the meal-fee lines of a term."""

from __future__ import annotations

import uuid

from core.sdk import people, requires, transactional

from ..schemas.fees import ClassQuerySchema, FeeLineSchema, FeePreviewQuerySchema, MealPlanSchema
from ..services import fees as services
from . import blp


def _plan_row(student, plan) -> dict:
    return {"student_id": student.id, "student_no": student.student_no, "name": student.name,
            "tier": plan.tier if plan else services.DEFAULT_TIER,
            "meals_from": plan.meals_from if plan else None,
            "meals_until": plan.meals_until if plan else None,
            "note": plan.note if plan else ""}


@blp.route("/meal-plans")
@blp.arguments(ClassQuerySchema, location="query")
@blp.response(200, MealPlanSchema(many=True))
@requires("canteen.fees.read")
def list_meal_plans(query):
    """The enrolled students of a class with their price tier (full unless set)."""
    return [_plan_row(student, plan) for student, plan in services.meal_plans(query["class_id"])]


@blp.route("/meal-plans/<uuid:student_id>", methods=["PUT"])
@blp.arguments(MealPlanSchema)
@blp.response(200, MealPlanSchema)
@requires("canteen.fees.manage")
@transactional
def set_meal_plan(data, student_id: uuid.UUID):
    plan = services.set_meal_plan(student_id, data)
    return _plan_row(services.get_student(student_id), plan)


@blp.route("/meal-fees")
@blp.arguments(FeePreviewQuerySchema, location="query")
@blp.response(200, FeeLineSchema(many=True))
@requires("canteen.fees.read")
@transactional
def preview_meal_fees(query):
    """The lines the canteen would add to the term's bills of a class's enrolled students
    (what the fees module receives); empty while the school does not bill meals."""
    students = people.students(class_id=query["class_id"], enrolled_only=True)
    return services.fee_charges(query["term_id"], [s.id for s in students])
