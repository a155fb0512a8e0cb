"""The energy page (this month's use, charts, targets and flags) and the home-page card."""

from __future__ import annotations

from datetime import timedelta

from flask import render_template
from sqlalchemy import func, select

from core.sdk import Widget, db, forms, lazy_gettext, lazy_word, requires

from .. import charts
from ..models import KIND_TITLES, Meter, Reading
from ..services import day_start, flags, today, usage
from . import bp

FLAG_TITLES = {"night": lazy_gettext("Night-time use"), "holiday": lazy_gettext("Use on a closed day"),
               "jump": lazy_gettext("Above the usual day")}
PER_STUDENT = lazy_word("per student")


def due_meters() -> list[Meter]:
    """Meters in use whose last reading is older than the school's reading interval."""
    from ..services import settings

    since = day_start(today() - timedelta(days=settings()["reading_days"] - 1))
    last = (select(Reading.meter_id, func.max(Reading.read_at).label("at"))
            .group_by(Reading.meter_id).subquery())
    return list(db.session.scalars(
        select(Meter).outerjoin(last, last.c.meter_id == Meter.id)
        .where(Meter.retired_on.is_(None), (last.c.at.is_(None)) | (last.c.at < since))
        .order_by(Meter.number)))


@bp.route("/")
@requires("energy.read")
def index():
    first = forms.month_arg("month", today().replace(day=1))
    found = usage.month(first)
    monthly = usage.months(first)
    days = usage.school_daily(first, usage.month_end(first))
    shown = [(row, charts.days_of_month(row.kind, first, days[row.kind]),
              charts.months_against_last_year(row.kind, monthly[row.kind])) for row in found]
    recent = flags.find(today() - timedelta(days=14), today() - timedelta(days=1))
    return render_template("energy/index.html", first=first, shown=shown,
                           targets=usage.targets(today()), flags=recent,
                           flag_titles=FLAG_TITLES, kind_titles=KIND_TITLES,
                           unmetered=usage.unmetered(first, usage.month_end(first)),
                           buildings=usage.buildings(first, usage.month_end(first)),
                           per_student=PER_STUDENT, due=due_meters(),
                           previous=(first - timedelta(days=1)).replace(day=1),
                           following=usage.month_end(first) + timedelta(days=1),
                           this_month=today().replace(day=1))


def widget(writer: bool) -> Widget:
    """The home card: this month so far by kind, and the meters due for reading — the day's
    work (``today``) of whoever enters readings while some are due."""
    first = today().replace(day=1)
    found = usage.month(first)
    due = due_meters()
    return Widget(lazy_gettext("Energy"), "energy/_widget.html", "energy.read", order=70, data={
        "month": first.strftime("%Y-%m"), "due": [m.number for m in due[:10]],
        "due_count": len(due),
        "kinds": [{"kind": str(KIND_TITLES[row.kind]), "used": str(row.used)
                   if row.used is not None else None, "unit": unit,
                   "change": str(row.change) if row.change is not None else None}
                  for row, unit in zip(found, ("m³", "kWh", "m³"), strict=True)]},
        today=writer and bool(due))

