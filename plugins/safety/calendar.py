"""What the safety module puts on the school calendar (``houqin_calendar_entries``): drills
planned and due, and visitors announced at the gate."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from core.sdk import CalendarEntry, _, db

from .models import DRILL_TITLES, Drill, Visit
from .services import drills


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
    return found
