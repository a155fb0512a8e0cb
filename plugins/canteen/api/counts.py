"""Meal counts: report and change them, the kitchen's totals, and who has not reported."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from core.sdk import current_principal, is_school_day, requires, transactional

from ..schemas import DayQuerySchema
from ..schemas.counts import (
    CountChangeSchema,
    MealCountSchema,
    MealTotalSchema,
    ReportedCountSchema,
    SheetSchema,
    UnreportedClassSchema,
)
from ..services import counts as services
from . import blp


def _named(count):
    titles = services.class_titles([count])
    count.class_name = titles.get(count.class_id) if count.class_id else None
    return count


@blp.route("/counts")
@blp.arguments(DayQuerySchema, location="query")
@blp.response(200, MealCountSchema(many=True))
@requires("canteen.read")
def list_counts(query):
    """Every count reported for ``day``."""
    counts = services.counts_of(query["day"])
    titles = services.class_titles(counts)
    for count in counts:
        count.class_name = titles.get(count.class_id) if count.class_id else None
    return counts


@blp.route("/counts/sheet")
@blp.arguments(DayQuerySchema, location="query")
@blp.response(200, SheetSchema)
@requires(services.REPORT)
def report_sheet(query):
    """What the caller reports on ``day``: each meal of each class they may report for (and
    the staff's meals for the canteen office), with the count so far and its version."""
    day, principal = query["day"], current_principal()
    closes = services.cutoff_at(day)
    return {"day": day, "school_day": is_school_day(day), "closes_at": closes,
            "closed": datetime.now(UTC) >= closes,
            "cells": services.sheet_cells(day, principal)}


@blp.route("/counts", methods=["POST"])
@blp.arguments(MealCountSchema)
@blp.response(201, ReportedCountSchema)
@requires(services.REPORT)
@transactional
def report_count(data):
    """Report a count (201), or correct one (200) by sending the version you read. A stale
    version is refused with 409 and the newer value; a day that is no school day warns."""
    created = data["version"] == 0
    count, warnings = services.report_count(data, current_principal(), datetime.now(UTC))
    count.warnings = warnings
    return _named(count), 201 if created else 200


@blp.route("/counts/<uuid:count_id>", methods=["PATCH"])
@blp.arguments(CountChangeSchema)
@blp.response(200, MealCountSchema)
@requires(services.REPORT)
@transactional
def change_count(data, count_id: uuid.UUID):
    return _named(services.change_count(count_id, data["eaters"], data["version"],
                                        current_principal(), datetime.now(UTC)))


@blp.route("/counts/totals")
@blp.arguments(DayQuerySchema, location="query")
@blp.response(200, MealTotalSchema(many=True))
@requires("canteen.read")
def count_totals(query):
    """For the kitchen: each meal's students by class, the staff, and who has not reported."""
    return [{"slot": meal.slot, "students": meal.students,
             "staff": meal.staff.eaters if meal.staff else 0, "total": meal.total,
             "classes": [{"class_id": count.class_id, "class_name": c.title if c else "",
                          "eaters": count.eaters, "version": count.version, "late": count.late}
                         for c, count in meal.classes],
             "unreported": [{"class_id": c.id, "class_name": c.title, "slot": meal.slot}
                            for c in meal.unreported]}
            for meal in services.totals(query["day"])]


@blp.route("/counts/unreported")
@blp.arguments(DayQuerySchema, location="query")
@blp.response(200, UnreportedClassSchema(many=True))
@requires("canteen.read")
def unreported_counts(query):
    """The classes and meals of ``day`` still without a count (none on a day off)."""
    return [{"class_id": c.id, "class_name": c.title, "slot": slot}
            for c, slot in services.unreported(query["day"])]

