"""The incident register (安全事件登记) as .xlsx: a period's incidents (at most a year, by the
moment they happened), in the columns an office keeps: when, where, what, how grave, who was
involved and hurt, what was done first, who was told, the district's report and its
deadline, the outcome. Export only: an incident is written on the day, not imported."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select

from core.sdk import Register, SheetColumn, _, db, lazy_gettext, school_zone

from .models import INCIDENT_STATUS_TITLES, INCIDENT_TITLES, LEVEL_TITLES, Incident, IncidentPerson
from .services.incidents import is_late


class IncidentRow:
    def __init__(self, number: int, incident: Incident, people: str) -> None:
        self.number, self.incident, self.people = number, incident, people


def _between(start: date, end: date) -> list[IncidentRow]:
    zone = school_zone()
    since, until = (datetime.combine(d, time(), zone).astimezone(UTC)
                    for d in (start, end + timedelta(days=1)))
    found = list(db.session.scalars(select(Incident).where(
        Incident.occurred_at >= since, Incident.occurred_at < until)
        .order_by(Incident.occurred_at, Incident.id)))
    named: dict = {}
    for person in db.session.scalars(select(IncidentPerson).where(
            IncidentPerson.incident_id.in_([i.id for i in found])).order_by(IncidentPerson.name)):
        named.setdefault(person.incident_id, []).append(
            f"{person.name}（{person.injury}）" if person.injury else person.name)
    return [IncidentRow(n, i, "、".join(named.get(i.id, []) + ([i.others] if i.others else [])))
            for n, i in enumerate(found, 1)]


COLUMNS = (
    SheetColumn(lazy_gettext("No."), lambda r: r.number),
    SheetColumn(lazy_gettext("When it happened"), lambda r: r.incident.occurred_at),
    SheetColumn(lazy_gettext("Location"), lambda r: r.incident.place),
    SheetColumn(lazy_gettext("Kind"), lambda r: str(INCIDENT_TITLES[r.incident.kind])),
    SheetColumn(lazy_gettext("Severity"), lambda r: str(LEVEL_TITLES[r.incident.severity])),
    SheetColumn(lazy_gettext("What happened"), lambda r: r.incident.description),
    SheetColumn(lazy_gettext("People involved"), lambda r: r.people),
    SheetColumn(lazy_gettext("Injuries"), lambda r: r.incident.injuries),
    SheetColumn(lazy_gettext("First actions taken"), lambda r: r.incident.first_actions),
    SheetColumn(lazy_gettext("Who was informed, and when"), lambda r: r.incident.informed),
    SheetColumn(lazy_gettext("Incident reported by"), lambda r: r.incident.reported_by),
    SheetColumn(lazy_gettext("Report to the district due"), lambda r: r.incident.report_due_at),
    SheetColumn(lazy_gettext("Reported to the district at"),
                lambda r: r.incident.district_reported_at),
    SheetColumn(lazy_gettext("Reported late"), lambda r: _("yes") if is_late(r.incident) else ""),
    SheetColumn(lazy_gettext("Incident outcome"), lambda r: r.incident.outcome),
    SheetColumn(lazy_gettext("Closed at"), lambda r: r.incident.closed_at),
    SheetColumn(lazy_gettext("Status"), lambda r: str(INCIDENT_STATUS_TITLES[r.incident.status])),
)

INCIDENTS = Register(name="incidents", title=lazy_gettext("Incident register"),
                     permission="safety.read", columns=COLUMNS, rows=_between, dated=True,
                     max_days=366, list_endpoint="safety_pages.incidents")
