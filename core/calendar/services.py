"""Calendar rules for the school in context."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, timedelta

from flask_babel import gettext as _
from sqlalchemy import select

from core.calendar.models import MONDAY_TO_FRIDAY, AcademicYear, CalendarDay, Term
from core.db.races import first_writer
from core.extensions import db
from core.rules import RuleBroken
from core.tenancy import require_tenant

MAX_YEAR_DAYS = 400
MAX_RANGE_DAYS = 800  # a school-days question spans at most about two academic years
DAY_KINDS = ("holiday", "workday")


class CalendarError(RuleBroken):
    """A calendar change that breaks a rule; ``field`` names the value at fault."""


def _check_order(start: date, end: date) -> None:
    if end < start:
        raise CalendarError(_("ends before it starts"), "end_date")


# --- academic years ------------------------------------------------------------------------


def create_year(name: str, start_date: date, end_date: date) -> AcademicYear:
    require_tenant()
    _check_order(start_date, end_date)
    if (end_date - start_date).days >= MAX_YEAR_DAYS:
        raise CalendarError(_("an academic year lasts less than %(days)s days", days=MAX_YEAR_DAYS),
                            "end_date")
    if db.session.scalar(select(AcademicYear.id).where(AcademicYear.name == name)):
        raise CalendarError(_("“%(name)s” exists already", name=name), "name")
    # The same year added twice at once: the second hears 409 naming the name.
    return first_writer(AcademicYear(name=name, start_date=start_date, end_date=end_date),
                        field="name")


def get_year(year_id: uuid.UUID) -> AcademicYear | None:
    return db.session.scalar(select(AcademicYear).where(AcademicYear.id == year_id))


def delete_year(year_id: uuid.UUID) -> None:
    year = get_year(year_id)
    if year is None:
        raise CalendarError(_("no such academic year"), "year_id", status=404)
    terms = db.session.scalars(select(Term.name).where(Term.academic_year_id == year.id)).all()
    if terms:
        raise CalendarError(_("it still has terms: %(terms)s", terms=", ".join(terms)), "year_id", status=409)
    db.session.delete(year)
    db.session.flush()


# --- terms ---------------------------------------------------------------------------------


def _check_term(year: AcademicYear, start: date, end: date, weekdays: list[int],
                ignore: uuid.UUID | None = None) -> None:
    _check_order(start, end)
    if start < year.start_date or end > year.end_date:
        raise CalendarError(
            f"lies outside the academic year {year.name} ({year.start_date} to {year.end_date})",
            "start_date" if start < year.start_date else "end_date",
        )
    if not weekdays or len(set(weekdays)) != len(weekdays) or not set(weekdays) <= set(range(7)):
        raise CalendarError(_("give each school weekday once, 0 (Monday) to 6 (Sunday)"),
                            "weekdays")
    query = select(Term).where(Term.start_date <= end, Term.end_date >= start)
    if ignore is not None:
        query = query.where(Term.id != ignore)
    overlapping = db.session.scalar(query)
    if overlapping is not None:
        raise CalendarError(
            f"overlaps the term {overlapping.name} ({overlapping.start_date} to"
            f" {overlapping.end_date})", "start_date",
        )


def create_term(academic_year_id: uuid.UUID, name: str, start_date: date, end_date: date,
                weekdays: list[int] | None = None) -> Term:
    require_tenant()
    year = get_year(academic_year_id)
    if year is None:
        raise CalendarError(_("no such academic year in this school"), "academic_year_id")
    weekdays = list(MONDAY_TO_FRIDAY) if weekdays is None else sorted(weekdays)
    _check_term(year, start_date, end_date, weekdays)
    term = Term(academic_year_id=year.id, name=name, start_date=start_date, end_date=end_date,
                weekdays=weekdays)
    db.session.add(term)
    db.session.flush()
    return term


def get_term(term_id: uuid.UUID) -> Term | None:
    return db.session.scalar(select(Term).where(Term.id == term_id))


def update_term(term_id: uuid.UUID, name: str, start_date: date, end_date: date,
                weekdays: list[int]) -> Term:
    term = get_term(term_id)
    if term is None:
        raise CalendarError(_("no such term"), "term_id", status=404)
    weekdays = sorted(weekdays)
    _check_term(get_year(term.academic_year_id), start_date, end_date, weekdays, ignore=term.id)
    term.name, term.start_date, term.end_date, term.weekdays = name, start_date, end_date, weekdays
    db.session.flush()
    return term


def delete_term(term_id: uuid.UUID) -> None:
    term = get_term(term_id)
    if term is None:
        raise CalendarError(_("no such term"), "term_id", status=404)
    db.session.delete(term)
    db.session.flush()


# --- holidays and make-up working days -----------------------------------------------------


def set_day(day: date, kind: str, name: str) -> CalendarDay:
    """Mark a holiday or a make-up working day (replacing what that day was marked before)."""
    require_tenant()
    if kind not in DAY_KINDS:
        raise CalendarError(_("is one of %(kinds)s", kinds=", ".join(DAY_KINDS)), "kind")
    def marked() -> CalendarDay | None:
        return db.session.scalar(select(CalendarDay).where(CalendarDay.day == day)
                                 .execution_options(populate_existing=True))

    row = marked()
    if row is None:  # marked on two screens at once: one row, the later mark
        row = first_writer(CalendarDay(day=day, kind=kind, name=name), field="day",
                           winner=marked)
    row.kind, row.name = kind, name
    db.session.flush()
    return row


def clear_day(day: date) -> bool:
    row = db.session.scalar(select(CalendarDay).where(CalendarDay.day == day))
    if row is None:
        return False
    db.session.delete(row)
    db.session.flush()
    return True


def marked_days(start: date, end: date) -> list[CalendarDay]:
    _check_range(start, end)
    return list(db.session.scalars(
        select(CalendarDay).where(CalendarDay.day >= start, CalendarDay.day <= end)
        .order_by(CalendarDay.day)
    ))


# --- the question every module asks --------------------------------------------------------


def _check_range(start: date, end: date) -> None:
    if end < start:
        raise CalendarError(_("comes before from"), "to")
    if (end - start).days >= MAX_RANGE_DAYS:
        raise CalendarError(_("ask about at most %(days)s days at a time", days=MAX_RANGE_DAYS), "to")


def school_days(start: date, end: date) -> list[date]:
    """The school days from ``start`` to ``end`` (both included) of the school in context:
    days inside a term, on the term's school week or marked as make-up working days, and not
    marked as holidays."""
    require_tenant()
    _check_range(start, end)
    terms = db.session.scalars(
        select(Term).where(Term.start_date <= end, Term.end_date >= start)
    ).all()
    marks = {row.day: row.kind for row in marked_days(start, end)}
    days = []
    for term in terms:
        weekdays = set(term.weekdays)
        day = max(start, term.start_date)
        last = min(end, term.end_date)
        while day <= last:
            kind = marks.get(day)
            if kind == "workday" or (kind is None and day.weekday() in weekdays):
                days.append(day)
            day += timedelta(days=1)
    return sorted(days)


def is_school_day(day: date) -> bool:
    return school_days(day, day) == [day]


@dataclass(frozen=True)
class TermRef:
    """A term as modules read it: plain values, nothing to change."""

    id: uuid.UUID
    name: str
    year: str  # the academic year's name
    start_date: date
    end_date: date

    @property
    def title(self) -> str:
        """How a term is called in lists: its year and its name (2026学年第一学期)."""
        return f"{self.year}{self.name}"


def terms() -> list[TermRef]:
    """The terms of the school in context, earliest first (modules that report per term
    offer these)."""
    require_tenant()
    rows = db.session.execute(
        select(Term.id, Term.name, AcademicYear.name, Term.start_date, Term.end_date)
        .join(AcademicYear, AcademicYear.id == Term.academic_year_id)
        .order_by(Term.start_date, Term.name))
    return [TermRef(*row) for row in rows]


def term_span(term_id: uuid.UUID) -> tuple[date, date] | None:
    """The first and last day of a term of the school in context, or None when it has no such
    term (modules that bill or plan per term start here)."""
    require_tenant()
    found = db.session.execute(select(Term.start_date, Term.end_date)
                               .where(Term.id == term_id)).first()
    return (found[0], found[1]) if found else None
