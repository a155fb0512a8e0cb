"""Safety incidents (安全事件): what happened, to whom, what was done first and who was told;
the report to the district where the school's settings require one, by a deadline; the
follow-ups; and the closure with its outcome and closing report."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from core.sdk import TenantScoped, UtcDateTime, db, lazy_gettext, tenant_foreign_key, tenant_index, utcnow

__all__ = ["ENTRY_KINDS", "ENTRY_TITLES", "INCIDENT_KINDS", "INCIDENT_STATUSES",
           "INCIDENT_STATUS_TITLES", "INCIDENT_TITLES", "Incident", "IncidentEntry",
           "IncidentPerson"]

INCIDENT_KINDS = ("injury", "fire", "intrusion", "food", "traffic", "other")
INCIDENT_TITLES = {"injury": lazy_gettext("Student injury"), "fire": lazy_gettext("Fire"),
                   "intrusion": lazy_gettext("Intrusion"),
                   "food": lazy_gettext("Suspected food poisoning"),
                   "traffic": lazy_gettext("Traffic accident"),
                   "other": lazy_gettext("Other incident")}
# The severity of an incident uses the hazards' three levels (一般 / 较大 / 重大).
INCIDENT_STATUSES = ("open", "closed")
INCIDENT_STATUS_TITLES = {"open": lazy_gettext("Being handled"),
                          "closed": lazy_gettext("Case closed")}
ENTRY_KINDS = ("reported", "follow_up", "district", "late", "closed")
ENTRY_TITLES = {"reported": lazy_gettext("Reported"), "follow_up": lazy_gettext("Follow-up"),
                "district": lazy_gettext("Reported to the district"),
                "late": lazy_gettext("Report to the district late: the director told"),
                "closed": lazy_gettext("Case closed")}


class Incident(TenantScoped, db.Model):
    """An incident at the school. ``report_due_at``: by when the district must have the
    report (from the school's hours for its severity; None: no report required);
    ``district_reported_at``: when it was sent; ``late_at``: when it was found late (sent
    after its deadline, or still unsent past it) and the director told."""

    __tablename__ = "safety_incidents"
    __table_args__ = (
        tenant_foreign_key("building_id", "buildings"),
        tenant_index("ix_safety_incidents_occurred", "occurred_at"),
        tenant_index("ix_safety_incidents_due", "report_due_at"),
    )

    occurred_at: Mapped[datetime] = mapped_column(UtcDateTime)
    building_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    place: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(10))  # INCIDENT_KINDS
    severity: Mapped[str] = mapped_column(String(8))  # LEVELS
    description: Mapped[str] = mapped_column(String(1000))
    others: Mapped[str] = mapped_column(String(300), default="")  # people not on a register
    injuries: Mapped[str] = mapped_column(String(500), default="")
    first_actions: Mapped[str] = mapped_column(String(1000), default="")
    informed: Mapped[str] = mapped_column(String(500), default="")  # who was told, and when
    photo_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    reported_by: Mapped[str] = mapped_column(String(50))
    reported_by_user: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    report_due_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    district_reported_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    district_report: Mapped[str] = mapped_column(String(2000), default="")
    late_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    status: Mapped[str] = mapped_column(String(8), default="open")  # INCIDENT_STATUSES
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    closed_by: Mapped[str] = mapped_column(String(50), default="")
    outcome: Mapped[str] = mapped_column(String(500), default="")
    closing_report: Mapped[str] = mapped_column(String(2000), default="")
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}


class IncidentPerson(TenantScoped, db.Model):
    """A student (from the school's register) or member of staff involved, with their
    injury if any."""

    __tablename__ = "safety_incident_people"
    __table_args__ = (
        tenant_foreign_key("incident_id", "safety_incidents"),
        tenant_foreign_key("student_id", "students"),
        tenant_foreign_key("staff_id", "staff"),
        tenant_index("ix_safety_incident_people_incident", "incident_id"),
    )

    incident_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    student_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    staff_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    name: Mapped[str] = mapped_column(String(50))  # as it was when reported
    injury: Mapped[str] = mapped_column(String(200), default="")


class IncidentEntry(TenantScoped, db.Model):
    """One timestamped entry on an incident: its report, a follow-up, its report to the
    district, the late flag, its closure."""

    __tablename__ = "safety_incident_entries"
    __table_args__ = (
        tenant_foreign_key("incident_id", "safety_incidents"),
        tenant_index("ix_safety_incident_entries_incident", "incident_id", "at"),
    )

    incident_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    kind: Mapped[str] = mapped_column(String(10))  # ENTRY_KINDS
    at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    by: Mapped[str] = mapped_column(String(50))
    note: Mapped[str] = mapped_column(String(1000), default="")
    photo_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
