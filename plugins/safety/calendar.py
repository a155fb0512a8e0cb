"""What the safety module puts on the school calendar (``houqin_calendar_entries``): drills
planned and due, and visitors announced at the gate."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from core.sdk import CalendarEntry, _, db, people

from .models import DRILL_TITLES, POST_TITLES, POSTS, Drill, Visit
from .services import drills, duty, rounds


def entries(start: date, end: date) -> list[CalendarEntry]:
    found = [CalendarEntry(d.planned_on, _("Drill: %(kind)s", kind=DRILL_TITLES[d.kind]),
                           "safety_pages.drill", "safety.read", {"drill_id": d.id})
             for d in db.session.scalars(select(Drill).where(
                 Drill.planned_on >= start, Drill.planned_on <= end, Drill.held_on.is_(None)))]
    standing = drills.standing()
    if start <= standing.next_due <= end and not any(
            start <= d.planned_on <= standing.next_due for d in standing.planned):
        found.append(CalendarEntry(standing.next_due, _("Last day for this period's drill"),
                                   "safety_pages.drills", "safety.read"))
    # Visitors announced and not yet come: staff see who is expected on which day.
    found += [CalendarEntry(v.expected_on, _("Expected at the gate: %(name)s", name=v.name),
                            "safety_pages.expected", "safety.gate.expect")
              for v in db.session.scalars(select(Visit).where(
                  Visit.expected_on >= start, Visit.expected_on <= end,
                  Visit.checked_in_at.is_(None)).order_by(Visit.expected_on, Visit.name))]
    return found + on_duty(start, end)


def on_duty(start: date, end: date) -> list[CalendarEntry]:
    """Who is on duty each day: one entry a day, post by post (two queries for the month)."""
    shifts = duty.shifts_between(start, end)
    names = {s.id: s.name for s in people.staff({s.staff_id for s in shifts})}
    by_day: dict[date, list[str]] = {}
    for s in sorted(shifts, key=lambda s: (s.day, POSTS.index(s.post))):
        by_day.setdefault(s.day, []).append(f"{POST_TITLES[s.post]} {names.get(s.staff_id, '')}")
    return [CalendarEntry(day, _("On duty: %(people)s", people="；".join(line)),
                          "safety_pages.duty_roster", "safety.read", {"month": f"{day:%Y-%m}"})
            for day, line in by_day.items()]


def round_entries(start: date, end: date) -> list[CalendarEntry]:
    """The rounds the schedules have due in the range: the round itself once started."""
    found = rounds.due_between(start, end)
    titles = rounds.titles_of(d.schedule.checklist_id for d in found)
    return [CalendarEntry(d.day, _("Round: %(title)s · %(place)s",
                                   title=titles.get(d.schedule.checklist_id, ""),
                                   place=d.schedule.place),
                          "safety_pages.round" if d.round else "safety_pages.rounds",
                          "safety.read", {"round_id": d.round.id} if d.round else {})
            for d in found]
