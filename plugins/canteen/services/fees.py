"""Meal fees: each student's price tier, and the lines the canteen adds to a term's bill when
the fees module asks (``houqin_fee_charges`` in ``plugins/canteen/__init__.py``)."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from sqlalchemy import select

from core.sdk import (
    RuleBroken,
    _,
    among,
    db,
    first_writer,
    people,
    require_tenant,
    school_days,
    term_span,
)

from ..models import MealPlan
from ..models.fees import TIER_TITLES
from . import settings

SOURCE = "canteen"
DEFAULT_TIER = "full"


def fee_settings() -> dict[str, Any]:
    """The billing settings (with their defaults where the school's settings predate them)."""
    stored = settings()
    return {key: stored[key] for key in ("meal_fees", "meal_prices_fen", "subsidies")}


def daily_price(tier: str, prices: dict[str, int]) -> int:
    return 0 if tier == "free" else int(prices.get(tier, 0))


# --- meal plans ----------------------------------------------------------------------------


def meal_plans(class_id: uuid.UUID) -> list[tuple[people.StudentRef, MealPlan | None]]:
    """The enrolled students of a class, each with their meal plan (None: full price, the
    whole term)."""
    students = people.students(class_id=class_id, enrolled_only=True)
    plans = _plans_of([s.id for s in students])
    return [(student, plans.get(student.id)) for student in students]


def _plans_of(student_ids: list[uuid.UUID]) -> dict[uuid.UUID, MealPlan]:
    if not student_ids:
        return {}
    return {p.student_id: p for p in db.session.scalars(
        select(MealPlan).where(among(MealPlan.student_id, student_ids)))}


def get_student(student_id: uuid.UUID) -> people.StudentRef:
    found = people.students([student_id])
    if not found:
        raise RuleBroken(_("no such student in this school"), "student_id", status=404)
    return found[0]


def set_meal_plan(student_id: uuid.UUID, data: dict[str, Any]) -> MealPlan:
    """Set a student's tier and, when they do not eat the whole term, the days they do."""
    require_tenant()
    get_student(student_id)
    start, end = data.get("meals_from"), data.get("meals_until")
    if start and end and end < start:
        raise RuleBroken(_("the end lies before the start"), "meals_until")
    plan = _plans_of([student_id]).get(student_id)
    if plan is None:  # set from two screens at once: the later one's values stay
        plan = first_writer(MealPlan(student_id=student_id, tier=data["tier"]),
                            winner=lambda: _plans_of([student_id]).get(student_id))
    plan.tier, plan.meals_from, plan.meals_until = data["tier"], start, end
    plan.note = data.get("note", "")
    db.session.flush()
    return plan


# --- bill lines ----------------------------------------------------------------------------


def _line(code: str, description: str, quantity: int, unit_price_fen: int,
          amount_fen: int) -> dict[str, Any]:
    # Meals and their subsidies are by the school day: the fee module refunds an absent day.
    return {"source": SOURCE, "code": code, "description": description, "quantity": quantity,
            "unit_price_fen": unit_price_fen, "amount_fen": amount_fen, "per_absent_day": True}


def _meal_span(student: people.StudentRef, plan: MealPlan | None,
               span: tuple[date, date]) -> tuple[date, date] | None:
    """The first and last day of the term the student eats (None: no day)."""
    until = plan.meals_until if plan else None
    if student.status != "enrolled" and until is None:
        return None  # left without a last day recorded: charge nothing rather than too much
    return (plan.meals_from if plan else None) or span[0], until or span[1]


def tier_lines(tier: str, days: int, conf: dict[str, Any]) -> list[dict[str, Any]]:
    """The lines of a student at ``tier`` eating ``days`` school days: the meals at the tier's
    daily price, then each subsidy the tier receives as a negative line, never taking the
    total below zero."""
    if not days:
        return []
    price = daily_price(tier, conf["meal_prices_fen"])
    lines = [_line(f"meals.{tier}", _("Meals at %(tier)s, %(days)s school days",
                                      tier=TIER_TITLES[tier], days=days),
                   days, price, days * price)]
    left = days * price
    for subsidy in conf["subsidies"]:
        if tier not in subsidy["tiers"]:
            continue
        amount = min(days * subsidy["fen_per_day"], left)
        if amount <= 0:
            continue
        left -= amount
        capped = amount < days * subsidy["fen_per_day"]
        description = (_("%(name)s, %(days)s school days (up to the meal fee)",
                         name=subsidy["name"], days=days) if capped else
                       _("%(name)s, %(days)s school days", name=subsidy["name"], days=days))
        lines.append(_line(f"subsidy.{subsidy['code']}", description, days,
                           -subsidy["fen_per_day"], -amount))
    return lines


def fee_charges(term_id: uuid.UUID, student_ids: list[uuid.UUID]) -> list[dict[str, Any]]:
    """The canteen's bill lines for these students for the term (see ``houqin_fee_charges``
    for the contract). Nothing when the school does not bill meals; ids of no student of
    this school give no line."""
    require_tenant()
    conf = fee_settings()
    if not conf["meal_fees"]:
        return []
    span = term_span(term_id)
    if span is None:
        raise RuleBroken(_("no such term in this school"), "term_id", status=404)
    term_days = school_days(*span)
    found = {s.id: s for s in people.students(student_ids)}
    plans = _plans_of(list(found))
    # Most students share a tier and the whole term: their lines are worked out once.
    worked_out: dict[tuple[str, date, date] | None, list[dict[str, Any]]] = {None: []}
    lines: list[dict[str, Any]] = []
    for student_id in dict.fromkeys(student_ids):  # in the order asked, each once
        student = found.get(student_id)
        if student is None:
            continue
        plan = plans.get(student_id)
        eats = _meal_span(student, plan, span)
        key = None if eats is None else (plan.tier if plan else DEFAULT_TIER, *eats)
        if key not in worked_out:
            days = sum(1 for day in term_days if key[1] <= day <= key[2])
            worked_out[key] = tier_lines(key[0], days, conf)
        lines += [{"student_id": student_id, **line} for line in worked_out[key]]
    return lines
