"""The weekly safety report (安全周报): one week, Monday to Sunday, in sections — hazards found,
closed and past their deadline by level; fire equipment checked and due; drills held and
missed; incidents. Each section is a function of the week in ``SECTIONS``: a part of the
module that keeps a log of its own (rounds, visitors, duty) adds its section there."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import case, func, select

from core.sdk import _, db, school_zone, utcnow

from ..models import (
    DRILL_TITLES,
    INCIDENT_KINDS,
    INCIDENT_TITLES,
    LEVEL_TITLES,
    LEVELS,
    Drill,
    EquipmentCheck,
    Hazard,
    Incident,
)
from . import equipment, today
from .incidents import late_clause


@dataclass
class Section:
    """A titled table of the report: its column titles and rows, and a sentence under it."""

    key: str
    title: str
    columns: list[str]
    rows: list[list] = field(default_factory=list)
    note: str = ""


@dataclass(frozen=True)
class Week:
    start: date  # a Monday
    end: date  # its Sunday

    @property
    def since(self) -> datetime:
        return datetime.combine(self.start, time(), school_zone()).astimezone(UTC)

    @property
    def until(self) -> datetime:
        return datetime.combine(self.end + timedelta(days=1), time(),
                                school_zone()).astimezone(UTC)


def week_of(day: date | None = None) -> Week:
    """The Monday-to-Sunday week holding ``day``; by default last week."""
    day = day or today() - timedelta(days=7)
    start = day - timedelta(days=day.weekday())
    return Week(start, start + timedelta(days=6))


def hazards(week: Week) -> Section:
    """By level: found in the week, closed in it, and unclosed past their deadline at its
    end (closed later counts as still open then)."""
    within = (Hazard.found_at >= week.since) & (Hazard.found_at < week.until)
    closed = (Hazard.closed_at >= week.since) & (Hazard.closed_at < week.until)
    overdue = ((Hazard.found_at < week.until) & (Hazard.deadline < week.end)
               & (Hazard.closed_at.is_(None) | (Hazard.closed_at >= week.until)))
    counts = {level: (found, shut, late) for level, found, shut, late in db.session.execute(
        select(Hazard.level, func.sum(case((within, 1), else_=0)),
               func.sum(case((closed, 1), else_=0)), func.sum(case((overdue, 1), else_=0)))
        .group_by(Hazard.level))}
    rows = [[str(LEVEL_TITLES[level]), *(int(n or 0) for n in counts.get(level, (0, 0, 0)))]
            for level in LEVELS]
    return Section("hazards", _("Hazards"), [_("Level"), _("Found"), _("Closed"),
                                             _("Past the deadline")], rows)


def fire_equipment(week: Week) -> Section:
    """Checks recorded in the week (passed, failed) and the equipment due a check at its
    end."""
    passed, failed = db.session.execute(
        select(func.sum(case((EquipmentCheck.passed.is_(True), 1), else_=0)),
               func.sum(case((EquipmentCheck.passed.is_(False), 1), else_=0)))
        .where(EquipmentCheck.checked_on >= week.start,
               EquipmentCheck.checked_on <= week.end)).one()
    due = equipment.falling_due(week.end)
    return Section("equipment", _("Fire equipment"), [_("Checks passed"), _("Checks failed"),
                                                      _("Due for a check"), _("Overdue")],
                   [[int(passed or 0), int(failed or 0), len(due["check"]),
                     len(due["overdue"])]])


def drills(week: Week) -> Section:
    """Each drill held in the week, and each planned in it and not held."""
    found = db.session.scalars(select(Drill).where(
        ((Drill.held_on >= week.start) & (Drill.held_on <= week.end))
        | ((Drill.planned_on >= week.start) & (Drill.planned_on <= week.end)
           & Drill.held_on.is_(None))).order_by(Drill.planned_on, Drill.id))
    rows = [[d.planned_on.isoformat(), str(DRILL_TITLES[d.kind]), d.scope,
             d.held_on.isoformat() if d.held_on else _("not held")] for d in found]
    return Section("drills", _("Drills"), [_("Planned on"), _("Kind"), _("Who takes part"),
                                           _("Held on")], rows,
                   "" if rows else _("No drill planned or held this week."))


def incidents(week: Week) -> Section:
    """By kind: reported in the week (occurred in it), closed in it, and those whose report
    to the district fell due in the week and was late (sent after it, or unsent by the week's
    end)."""
    within = (Incident.occurred_at >= week.since) & (Incident.occurred_at < week.until)
    closed = (Incident.closed_at >= week.since) & (Incident.closed_at < week.until)
    late = ((Incident.report_due_at >= week.since) & (Incident.report_due_at < week.until)
            & late_clause(min(week.until, utcnow())))
    counts = {kind: (n, shut, lag) for kind, n, shut, lag in db.session.execute(
        select(Incident.kind, func.sum(case((within, 1), else_=0)),
               func.sum(case((closed, 1), else_=0)), func.sum(case((late, 1), else_=0)))
        .group_by(Incident.kind))}
    rows = [[str(INCIDENT_TITLES[k]), *(int(n or 0) for n in counts[k])]
            for k in INCIDENT_KINDS if k in counts and any(counts[k])]
    return Section("incidents", _("Incidents"), [_("Kind"), _("Occurred"), _("Case closed"),
                                                 _("Reported late")], rows,
                   "" if rows else _("No incidents this week."))


# The report's sections, in order; each takes the week and answers a Section.
SECTIONS: list[Callable[[Week], Section]] = [hazards, fire_equipment, drills, incidents]


def report(week: Week) -> list[Section]:
    return [section(week) for section in SECTIONS]
