"""Incidents (安全事件): reported by anyone on the staff with the people involved, followed up,
sent to the district by the deadline the school's settings give its severity (none: no
report required), flagged late to the director, and closed with an outcome.

National texts ask for a report "promptly" (及时) or, for a child harmed, "at once" (立即) and
name no hours (``regulations.toml``); the hours are the school's (its district's) setting."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlalchemy import and_, or_, select, update

from core.sdk import (
    N_,
    RuleBroken,
    _,
    acting_name,
    current_principal,
    db,
    get_or_404,
    notify,
    people,
    utcnow,
)

from ..models import Incident, IncidentEntry, IncidentPerson
from . import check_building, local, settings, stored_photo

MANAGE = "safety.incidents.manage"
LATE_KIND = "safety.incidents"  # the notice kind of incidents reported to the district late


def get(incident_id: uuid.UUID) -> Incident:
    """The school's incident, else a 404 naming ``incident_id``."""
    return get_or_404(Incident, incident_id, "incident_id")


def late_clause(now: datetime):
    """The incidents whose report to the district is late: sent after its deadline, or still
    unsent past it (as SQL, so lists, the widget and the job count the same)."""
    return and_(Incident.report_due_at.is_not(None),
                or_(Incident.district_reported_at > Incident.report_due_at,
                    and_(Incident.district_reported_at.is_(None),
                         Incident.report_due_at < now)))


def is_late(incident: Incident, now: datetime | None = None) -> bool:
    due = incident.report_due_at
    if due is None:
        return False
    sent = incident.district_reported_at
    return sent > due if sent is not None else (now or utcnow()) > due


def listed(status: str | None = None, kind: str | None = None):
    """The incident register: the latest first, filtered by status ("late" too) or kind."""
    query = select(Incident).order_by(Incident.occurred_at.desc(), Incident.id.desc())
    if status == "late":
        query = query.where(late_clause(utcnow()))
    elif status:
        query = query.where(Incident.status == status)
    if kind:
        query = query.where(Incident.kind == kind)
    return query


def entries(incident_id: uuid.UUID) -> list[IncidentEntry]:
    return list(db.session.scalars(select(IncidentEntry).where(
        IncidentEntry.incident_id == incident_id).order_by(IncidentEntry.at, IncidentEntry.id)))


def involved(incident_id: uuid.UUID) -> list[IncidentPerson]:
    return list(db.session.scalars(select(IncidentPerson).where(
        IncidentPerson.incident_id == incident_id).order_by(IncidentPerson.name)))


def _entry(incident: Incident, kind: str, note: str = "", photo_id: uuid.UUID | None = None,
           by: str | None = None) -> IncidentEntry:
    made = IncidentEntry(incident_id=incident.id, kind=kind, at=utcnow(), by=by or acting_name(),
                         note=note, photo_id=photo_id)
    db.session.add(made)
    return made


def due_hours(severity: str) -> int | None:
    """The hours the school's settings give the district's report of an incident of
    ``severity``; None: no report required."""
    return settings().get(f"incident_hours_{severity}")


def _at_school(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=local(utcnow()).tzinfo)
    return moment


def _people(given: list[dict]) -> list[IncidentPerson]:
    """The students and staff named, checked against this school's registers (another
    school's is none), naming ``people``."""
    students = {g["student_id"] for g in given if g.get("student_id")}
    staff = {g["staff_id"] for g in given if g.get("staff_id")}
    found_students = {s.id: s.name for s in people.students(students)} if students else {}
    found_staff = {s.id: s.name for s in people.staff(staff)} if staff else {}
    if students - set(found_students):
        raise RuleBroken(_("no such student in this school"), "people")
    if staff - set(found_staff):
        raise RuleBroken(_("no such member of staff in this school"), "people")
    made = []
    for person in given:
        student, member = person.get("student_id"), person.get("staff_id")
        if (student is None) == (member is None):
            raise RuleBroken(_("each person is one student or one member of staff"), "people")
        name = found_students[student] if student else found_staff[member]
        made.append(IncidentPerson(student_id=student, staff_id=member, name=name,
                                   injury=person.get("injury", "").strip()))
    return made


def report(data: dict, photo: tuple[str, bytes] | None = None) -> Incident:
    """Record an incident: when and where, what kind, how grave, who was involved, what was
    done first and who was told. Its deadline for the district follows from the settings."""
    occurred_at = _at_school(data["occurred_at"])
    if occurred_at > utcnow() + timedelta(minutes=5):
        raise RuleBroken(_("a moment in the future"), "occurred_at")
    check_building(data.get("building_id"))
    place, description = data["place"].strip(), data["description"].strip()
    if not place:
        raise RuleBroken(_("where it happened"), "place")
    if not description:
        raise RuleBroken(_("what happened"), "description")
    involved_people = _people(data.get("people") or [])
    severity = data.get("severity") or "general"
    hours = due_hours(severity)
    principal = current_principal()
    incident = Incident(
        occurred_at=occurred_at, building_id=data.get("building_id"), place=place,
        kind=data["kind"], severity=severity, description=description,
        others=data.get("others", "").strip(), injuries=data.get("injuries", "").strip(),
        first_actions=data.get("first_actions", "").strip(),
        informed=data.get("informed", "").strip(), reported_by=acting_name(),
        reported_by_user=principal.user_id if principal else None,
        report_due_at=occurred_at + timedelta(hours=hours) if hours else None,
        photo_id=stored_photo(photo, "safety.incident"))
    db.session.add(incident)
    db.session.flush()
    for person in involved_people:
        person.incident_id = incident.id
        db.session.add(person)
    _entry(incident, "reported", description, incident.photo_id)
    notify(f"safety:incident:{incident.id}", MANAGE,
           N_("An incident was reported at %(place)s: %(description)s"),
           {"place": place, "description": description[:80]}, source="safety",
           endpoint="safety_pages.incident", endpoint_args={"incident_id": str(incident.id)},
           kind=LATE_KIND)
    return incident


def _open(incident: Incident, field: str) -> None:
    if incident.status == "closed":
        raise RuleBroken(_("this incident is closed"), field, status=409)


def follow_up(incident: Incident, data: dict, photo: tuple[str, bytes] | None = None
              ) -> IncidentEntry:
    """A timestamped follow-up by whoever writes it; a closed incident takes none (409)."""
    _open(incident, "note")
    note = data["note"].strip()
    if not note:
        raise RuleBroken(_("what happened since"), "note")
    entry = _entry(incident, "follow_up", note, stored_photo(photo, "safety.incident"))
    return entry


def report_to_district(incident: Incident, data: dict) -> Incident:
    """Send the report to the district (once): from now the district's staff see it. Sent
    after its deadline, it is flagged late and the director told."""
    if incident.district_reported_at is not None:
        raise RuleBroken(_("this incident was reported to the district already"), "report",
                         status=409)
    text = data["report"].strip()
    if not text:
        raise RuleBroken(_("what the district is told"), "report")
    incident.district_reported_at, incident.district_report = utcnow(), text
    _entry(incident, "district", text)
    if is_late(incident) and incident.late_at is None:
        _flag_late(incident)
    return incident


def _flag_late(incident: Incident) -> None:
    incident.late_at = utcnow()
    _entry(incident, "late", by="system")
    _tell_late(incident)


def _tell_late(incident: Incident) -> None:
    notify(f"safety:incident-late:{incident.id}", MANAGE,
           N_("The district's report of the incident at %(place)s was due by %(due)s"),
           {"place": incident.place, "due": local(incident.report_due_at).strftime(
               "%Y-%m-%d %H:%M")}, source="safety", endpoint="safety_pages.incident",
           endpoint_args={"incident_id": str(incident.id)}, kind=LATE_KIND)


def close(incident: Incident, data: dict) -> Incident:
    """Close the incident with its outcome (required) and closing report. Two at once: one
    wins, the other is a 409 (the incident closed already, or its version moved)."""
    _open(incident, "outcome")
    if data.get("version") is not None and data["version"] != incident.version:
        raise RuleBroken(_("someone changed this incident meanwhile"), "version", status=409)
    outcome = data["outcome"].strip()
    if not outcome:
        raise RuleBroken(_("how it ended"), "outcome")
    incident.status, incident.closed_at, incident.closed_by = "closed", utcnow(), acting_name()
    incident.outcome, incident.closing_report = outcome, data.get("closing_report", "").strip()
    _entry(incident, "closed", outcome)
    return incident


def chase_late(now: datetime | None = None) -> int:
    """Flag each incident whose report to the district is past its deadline and unsent, once:
    found in one query, marked in one statement, the director told of each."""
    now = now or utcnow()
    late = list(db.session.scalars(select(Incident).where(
        Incident.late_at.is_(None), Incident.district_reported_at.is_(None),
        Incident.report_due_at < now).order_by(Incident.report_due_at)))
    if not late:
        return 0
    db.session.execute(update(Incident).where(Incident.id.in_([i.id for i in late]))
                       .values(late_at=now, version=Incident.version + 1)
                       .execution_options(synchronize_session=False))
    db.session.add_all(IncidentEntry(incident_id=i.id, kind="late", at=now, by="system")
                       for i in late)
    for incident in late:
        db.session.expire(incident, ["late_at", "version"])
        _tell_late(incident)
    return len(late)


def shown(incident: Incident, with_entries: bool = False) -> dict:
    fields = {c.key: getattr(incident, c.key) for c in Incident.__table__.columns}
    return fields | {"late": is_late(incident), "incident": incident,
                     "people": involved(incident.id) if with_entries else [],
                     "entries": entries(incident.id) if with_entries else []}
