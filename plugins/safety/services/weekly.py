"""The weekly safety report (安全周报): one week, Monday to Sunday, in sections — hazards found,
closed and past their deadline by level; fire equipment checked and due; drills held and
missed; incidents; safety rounds walked; the gate's visitors; duty and night watch. Each
section is a function of the week in ``SECTIONS``, a few queries whatever the week holds."""

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
    POST_TITLES,
    POSTS,
    Drill,
    DutyShift,
    EquipmentCheck,
    Handover,
    Hazard,
    Incident,
    PatrolCheck,
    RoundAnswer,
    SafetyRound,
    Visit,
)
from ..models.visitors import VISIT_KIND_TITLES, VISIT_KINDS
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


def safety_rounds(week: Week) -> Section:
    """Rounds signed in the week and the items they failed (each became a hazard), and those
    started in it and not yet signed."""
    signed = (SafetyRound.done_at >= week.since) & (SafetyRound.done_at < week.until)
    started = ((SafetyRound.started_at >= week.since) & (SafetyRound.started_at < week.until)
               & SafetyRound.done_at.is_(None))
    done, open_ = db.session.execute(select(func.sum(case((signed, 1), else_=0)),
                                            func.sum(case((started, 1), else_=0)))
                                     .select_from(SafetyRound)).one()
    failed = db.session.scalar(select(func.count()).select_from(RoundAnswer).join(
        SafetyRound, SafetyRound.id == RoundAnswer.round_id).where(
        signed, RoundAnswer.result == "fail")) or 0
    rows = [[int(done or 0), failed, int(open_ or 0)]] if done or open_ else []
    return Section("rounds", _("Safety rounds"), [_("Rounds signed"), _("Items failed"),
                                                  _("Rounds not finished")], rows,
                   "" if rows else _("No safety round this week."))


def gate(week: Week) -> Section:
    """By kind: who came through the gate in the week, and who was let in although on the
    refusal list (with the guard's reason kept on the visit)."""
    came = (Visit.checked_in_at >= week.since) & (Visit.checked_in_at < week.until)
    counts = db.session.execute(select(
        Visit.kind, func.count(), func.sum(case((Visit.override_note != "", 1), else_=0)))
        .where(came).group_by(Visit.kind)).all()
    rows = [[str(VISIT_KIND_TITLES[kind]), n, int(overridden or 0)]
            for kind, n, overridden in sorted(counts, key=lambda r: VISIT_KINDS.index(r[0]))]
    return Section("gate", _("Gate"), [_("Kind"), _("Checked in this week"),
                                       _("Let in although on the refusal list")], rows,
                   "" if rows else _("Nobody came through the gate this week."))


def duty(week: Week) -> Section:
    """By post: the shifts of the week, the patrol check-ins made on them, and their
    handovers written and still not acknowledged."""
    in_week = (DutyShift.day >= week.start) & (DutyShift.day <= week.end)
    shifts = dict(db.session.execute(select(DutyShift.post, func.count()).where(in_week)
                                     .group_by(DutyShift.post)).all())
    checks = dict(db.session.execute(select(DutyShift.post, func.count()).join(
        PatrolCheck, PatrolCheck.shift_id == DutyShift.id).where(in_week)
        .group_by(DutyShift.post)).all())
    handed = {post: (n, waiting) for post, n, waiting in db.session.execute(select(
        DutyShift.post, func.count(), func.sum(case((Handover.acknowledged_at.is_(None), 1),
                                                    else_=0)))
        .join(Handover, Handover.shift_id == DutyShift.id).where(in_week)
        .group_by(DutyShift.post))}
    rows = [[str(POST_TITLES[post]), shifts[post], checks.get(post, 0),
             handed.get(post, (0, 0))[0], int(handed.get(post, (0, 0))[1] or 0)]
            for post in POSTS if post in shifts]
    return Section("duty", _("Duty and night watch"), [
        _("Post"), _("Shifts"), _("Patrol check-ins"), _("Handovers"),
        _("Not yet acknowledged")], rows, "" if rows else _("Nobody on the roster this week."))


# The report's sections, in order; each takes the week and answers a Section.
SECTIONS: list[Callable[[Week], Section]] = [hazards, safety_rounds, fire_equipment, drills,
                                             incidents, gate, duty]


def report(week: Week) -> list[Section]:
    return [section(week) for section in SECTIONS]
