"""Pages of the school calendar: academic years, terms, holidays and make-up working days, and
a printable month. They use the API's schemas and the calendar services, so a value is judged
the same way whichever door it comes through; writes are audited by the flush listener, as in
the API."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from flask import g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from core.api.errors import NotFound
from core.auth import current_principal
from core.calendar import services
from core.calendar.models import (
    KIND_NAMES,
    MONDAY_TO_FRIDAY,
    WEEKDAY_NAMES,
    AcademicYear,
    CalendarDay,
    Term,
)
from core.calendar.schemas import AcademicYearSchema, CalendarDaySchema, TermSchema
from core.extensions import db
from core.permissions import requires
from core.plugins.types import NavEntry
from core.rules import RuleBroken
from core.schools.modules import enabled_modules
from core.state import kernel
from core.tenancy import school_today
from core.web.forms import submitted
from core.web.nav import core_entries
from core.web.views import bp

core_entries(NavEntry(_l("Calendar"), "web.calendar", "core.calendar.read", order=20))
CELL_NAMES = {**KIND_NAMES, "school": _l("School day"), "weekend": _l("Weekend"),
              "none": _l("No lessons")}
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


@dataclass(frozen=True)
class Cell:
    """One day of the month grid."""

    day: date
    kind: str  # holiday, workday (make-up), school, weekend or none (a weekday without lessons)
    school_day: bool
    name: str = ""


# --- forms -------------------------------------------------------------------------------


def _fields(prefix: str, names: tuple[str, ...]) -> dict[str, str]:
    """The submitted values of one form, without the prefix, as its schema expects them."""
    return {name: request.form.get(f"{prefix}_{name}", "").strip() for name in names}


def _refused(errors: dict[str, str], form: dict, status: int, **view_args) -> ResponseReturnValue:
    return _render(errors, status)  # the page reads the posted values itself


# --- the month grid ----------------------------------------------------------------------


def _month_start(value: str | None) -> date:
    """The first day of ``YYYY-MM``, or of this month when none is asked for."""
    if not value:
        return school_today().replace(day=1)
    match = _MONTH.match(value)
    if match:
        year, month = int(match[1]), int(match[2])
        # Stop short of the ends of the calendar so both neighbouring months exist.
        if 1 < year < 9999 and 1 <= month <= 12:
            return date(year, month, 1)
    raise RuleBroken(_("Give a month such as 2026-10."), "month")


def _next_month(first: date) -> date:
    return (first + timedelta(days=32)).replace(day=1)


def month_grid(first: date) -> list[list[Cell | None]]:
    """The weeks (Monday first) of the month starting on ``first``, as the calendar services
    see them; days of the neighbouring months are None."""
    last = _next_month(first) - timedelta(days=1)
    taught = set(services.school_days(first, last))
    marked = {row.day: row for row in services.marked_days(first, last)}
    cells: list[Cell | None] = [None] * first.weekday()
    day = first
    while day <= last:
        mark = marked.get(day)
        if mark is not None:
            kind = mark.kind
        elif day in taught:
            kind = "school"
        else:
            kind = "weekend" if day.weekday() >= 5 else "none"
        cells.append(Cell(day, kind, day in taught, mark.name if mark else ""))
        day += timedelta(days=1)
    cells += [None] * (-len(cells) % 7)
    return [cells[i:i + 7] for i in range(0, len(cells), 7)]


# --- the page ----------------------------------------------------------------------------


def _years() -> list[tuple[AcademicYear, list[Term]]]:
    years = db.session.scalars(select(AcademicYear).order_by(AcademicYear.start_date)).all()
    terms = db.session.scalars(select(Term).order_by(Term.start_date)).all()
    return [(year, [t for t in terms if t.academic_year_id == year.id]) for year in years]


def _marked_days() -> list[CalendarDay]:
    # Every mark, not a window: a mark that no list showed could never be removed. A school
    # marks a few dozen days a year, so the list stays short.
    return list(db.session.scalars(select(CalendarDay).order_by(CalendarDay.day)))


def _entries(start: date, end: date) -> dict[date, list]:
    """What the school's modules put on the month (``houqin_calendar_entries``), by day, for
    this person."""
    principal = current_principal()
    hooks = kernel().plugins.hooks_for(enabled_modules())
    found: dict[date, list] = {}
    for group in hooks.houqin_calendar_entries(tenant=g.tenant, principal=principal,
                                               start=start, end=end):
        for entry in group:
            if entry.permission in principal.permissions and start <= entry.day <= end:
                found.setdefault(entry.day, []).append(entry)
    return found


def _render(errors: dict[str, str], status: int = 200) -> ResponseReturnValue:
    month = request.args.get("month", "").strip()
    try:
        first = _month_start(month)
    except RuleBroken as exc:
        errors = {**errors, exc.field: str(exc)}
        status, first = 422, school_today().replace(day=1)
    form = request.form.to_dict() if request.method == "POST" else {}
    checked = ({int(d) for d in request.form.getlist("term_weekdays") if d.isdigit()}
               if request.endpoint == "web.add_term" else set(MONDAY_TO_FRIDAY))
    return render_template(
        "web/calendar.html", years=_years(), days=_marked_days(), weekday_names=WEEKDAY_NAMES,
        entries=_entries(first, _next_month(first) - timedelta(days=1)),
        kind_names=KIND_NAMES, cell_names=CELL_NAMES, weeks=month_grid(first), month=first,
        previous=(first - timedelta(days=1)).replace(day=1), following=_next_month(first),
        today=school_today(), errors=errors, form={**form, "month": month}, checked=checked,
    ), status


@bp.route("/calendar")
@requires("core.calendar.read")
def calendar() -> ResponseReturnValue:
    return _render({})


@bp.route("/calendar/years", methods=["POST"])
@requires("core.calendar.manage")
@submitted(_refused, prefix="year_")
def add_year() -> ResponseReturnValue:
    data = AcademicYearSchema().load(_fields("year", ("name", "start_date", "end_date")))
    services.create_year(data["name"], data["start_date"], data["end_date"])
    return redirect(url_for("web.calendar"))


@bp.route("/calendar/terms", methods=["POST"])
@requires("core.calendar.manage")
@submitted(_refused, prefix="term_")
def add_term() -> ResponseReturnValue:
    fields = _fields("term", ("academic_year_id", "name", "start_date", "end_date"))
    # Unticked boxes send nothing: an empty list is the service's "no school weekday" error,
    # not the schema's Monday-to-Friday default.
    fields["weekdays"] = request.form.getlist("term_weekdays")
    data = TermSchema().load(fields)
    services.create_term(data["academic_year_id"], data["name"], data["start_date"],
                         data["end_date"], data["weekdays"])
    return redirect(url_for("web.calendar"))


@bp.route("/calendar/days", methods=["POST"])
@requires("core.calendar.manage")
@submitted(_refused, prefix="day_")
def mark_day() -> ResponseReturnValue:
    """Mark a holiday or a make-up working day (replacing an earlier mark of that day)."""
    data = CalendarDaySchema().load(_fields("day", ("day", "kind", "name")))
    services.set_day(data["day"], data["kind"], data["name"])
    return redirect(url_for("web.calendar", month=data["day"].strftime("%Y-%m")))


@bp.route("/calendar/days/<day>/delete", methods=["POST"])
@requires("core.calendar.manage")
@submitted(_refused, field="remove")
def unmark_day(day: str) -> ResponseReturnValue:
    try:
        parsed = date.fromisoformat(day)
    except ValueError:
        raise RuleBroken(_("Not a date such as 2026-10-01."), "remove") from None
    if not services.clear_day(parsed):
        raise NotFound(_("That day is not marked."))
    return redirect(url_for("web.calendar"))

