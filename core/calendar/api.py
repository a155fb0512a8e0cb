"""REST endpoints of the school calendar, under /api/v1/calendar."""

from __future__ import annotations

import uuid
from datetime import date

from flask_babel import gettext as _
from flask_smorest import Blueprint
from sqlalchemy import select

from core.api.errors import Invalid, NotFound
from core.api.rules import transactional
from core.calendar import services
from core.calendar.models import AcademicYear, Term
from core.calendar.schemas import (
    AcademicYearSchema,
    CalendarDaySchema,
    DateRangeSchema,
    SchoolDaysSchema,
    TermChangeSchema,
    TermSchema,
)
from core.extensions import db
from core.permissions import requires

blp = Blueprint("calendar_api", __name__, url_prefix="/api/v1/calendar",
                description="The school calendar: years, terms, holidays, school days")


@blp.route("/years")
@blp.response(200, AcademicYearSchema(many=True))
@requires("core.calendar.read")
def list_years():
    return db.session.scalars(select(AcademicYear).order_by(AcademicYear.start_date)).all()


@blp.route("/years", methods=["POST"])
@blp.arguments(AcademicYearSchema)
@blp.response(201, AcademicYearSchema)
@requires("core.calendar.manage")
@transactional
def create_year(data):
    return services.create_year(data["name"], data["start_date"], data["end_date"])


@blp.route("/years/<uuid:year_id>", methods=["DELETE"])
@blp.response(204)
@requires("core.calendar.manage")
@transactional
def delete_year(year_id: uuid.UUID):
    services.delete_year(year_id)


@blp.route("/terms")
@blp.response(200, TermSchema(many=True))
@requires("core.calendar.read")
def list_terms():
    return db.session.scalars(select(Term).order_by(Term.start_date)).all()


@blp.route("/terms", methods=["POST"])
@blp.arguments(TermSchema)
@blp.response(201, TermSchema)
@requires("core.calendar.manage")
@transactional
def create_term(data):
    return services.create_term(data["academic_year_id"], data["name"], data["start_date"],
                                data["end_date"], data["weekdays"])


@blp.route("/terms/<uuid:term_id>")
@blp.response(200, TermSchema)
@requires("core.calendar.read")
def get_term(term_id: uuid.UUID):
    term = services.get_term(term_id)
    if term is None:
        raise NotFound(_("no such term"))
    return term


@blp.route("/terms/<uuid:term_id>", methods=["PUT"])
@blp.arguments(TermChangeSchema)
@blp.response(200, TermSchema)
@requires("core.calendar.manage")
@transactional
def change_term(data, term_id: uuid.UUID):
    return services.update_term(term_id, data["name"], data["start_date"], data["end_date"],
                                data["weekdays"])


@blp.route("/terms/<uuid:term_id>", methods=["DELETE"])
@blp.response(204)
@requires("core.calendar.manage")
@transactional
def delete_term(term_id: uuid.UUID):
    services.delete_term(term_id)


@blp.route("/days")
@blp.arguments(DateRangeSchema, location="query")
@blp.response(200, CalendarDaySchema(many=True))
@requires("core.calendar.read")
@transactional
def list_days(query):
    """Holidays and make-up working days between two dates."""
    return services.marked_days(query["start"], query["end"])


@blp.route("/days", methods=["PUT"])
@blp.arguments(CalendarDaySchema)
@blp.response(200, CalendarDaySchema)
@requires("core.calendar.manage")
@transactional
def set_day(data):
    """Mark a day as a holiday or a make-up working day (replacing an earlier mark)."""
    return services.set_day(data["day"], data["kind"], data["name"])


@blp.route("/days/<day>", methods=["DELETE"])
@blp.response(204)
@requires("core.calendar.manage")
@transactional
def clear_day(day: str):
    try:
        parsed = date.fromisoformat(day)
    except ValueError as exc:
        raise Invalid(errors={"day": ["not a date such as 2026-10-01"]}) from exc
    if not services.clear_day(parsed):
        raise NotFound(_("that day is not marked"))


@blp.route("/school-days")
@blp.arguments(DateRangeSchema, location="query")
@blp.response(200, SchoolDaysSchema)
@requires("core.calendar.read")
@transactional
def school_days(query):
    """The school days between two dates (both included)."""
    days = services.school_days(query["start"], query["end"])
    return {"start": query["start"], "end": query["end"], "count": len(days), "days": days}
