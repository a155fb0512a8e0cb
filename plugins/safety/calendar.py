"""What the safety module puts on the school calendar (``houqin_calendar_entries``)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from core.sdk import CalendarEntry, _, db

from .models import DRILL_TITLES, Drill
from .services import drills, rounds


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
    return found


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
