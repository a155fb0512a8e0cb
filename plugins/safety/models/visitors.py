"""The gate's visitor log (门卫登记): everyone who comes in who is not staff or a pupil —
visitors, deliveries, contractors — from an expected visit a member of staff announces, through
the guard's check-in, to the check-out; and the people the school (or its district) refuses
at the gate."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import Boolean, Date, Integer, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from core.sdk import TenantScoped, UtcDateTime, db, lazy_gettext, tenant_foreign_key, tenant_index

VISIT_KINDS = ("visitor", "delivery", "contractor")
VISIT_KIND_TITLES = {"visitor": lazy_gettext("Visitor"),
                     "delivery": lazy_gettext("Courier or delivery"),
                     "contractor": lazy_gettext("Works contractor")}


class Visit(TenantScoped, db.Model):
    """One visit through the gate. Announced by a member of staff (``expected_on``, not yet
    checked in), or registered by the guard as the person arrives; on campus from
    ``checked_in_at`` until ``checked_out_at``. ``day``: the school day of the visit (the
    expected day, else the day of check-in). ``host``: the person visited, as named then (a
    member of staff's name, or free text). No identity number is kept: ``id_checked`` says
    the guard saw the identity card. ``refusal_match`` and ``override_note``: the refusal
    list's entry the person matched and why the guard let them in all the same."""

    __tablename__ = "safety_gate_visits"
    __table_args__ = (
        tenant_foreign_key("host_staff_id", "staff"),  # core's staff of the school
        tenant_index("ix_safety_gate_visits_day", "day"),
        tenant_index("ix_safety_gate_visits_inside", "checked_out_at", "checked_in_at"),
    )

    kind: Mapped[str] = mapped_column(String(10))  # VISIT_KINDS
    name: Mapped[str] = mapped_column(String(50))
    phone: Mapped[str] = mapped_column(String(20), default="")
    organisation: Mapped[str] = mapped_column(String(100), default="")
    reason: Mapped[str] = mapped_column(String(200), default="")
    host_staff_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    host: Mapped[str] = mapped_column(String(50), default="")
    companions: Mapped[int] = mapped_column(Integer, default=0)
    companion_names: Mapped[str] = mapped_column(String(200), default="")
    plate: Mapped[str] = mapped_column(String(16), default="")
    id_checked: Mapped[bool] = mapped_column(Boolean, default=False)
    day: Mapped[date] = mapped_column(Date)
    expected_on: Mapped[date | None] = mapped_column(Date)
    # "09:30" on the school's clock, "" for any time: core's audit trail keeps no time of day.
    expected_at: Mapped[str] = mapped_column(String(5), default="")
    expected_by: Mapped[str] = mapped_column(String(50), default="")
    checked_in_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    checked_in_by: Mapped[str] = mapped_column(String(50), default="")
    checked_out_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    checked_out_by: Mapped[str] = mapped_column(String(50), default="")
    refusal_match: Mapped[str] = mapped_column(String(300), default="")
    override_note: Mapped[str] = mapped_column(String(200), default="")
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}


class GateRefusal(TenantScoped, db.Model):
    """Someone the school will not let in (a name, a phone, a plate: any of them matches), why,
    who added them and until when (None: until lifted). ``district_wide``: added by a
    district admin for every school of the district — kept in the school where it was entered
    and read by the others through core's audited district read."""

    __tablename__ = "safety_gate_refusals"
    __table_args__ = (tenant_index("ix_safety_gate_refusals_until", "lifted_at", "until"),)

    name: Mapped[str] = mapped_column(String(50), default="")
    phone: Mapped[str] = mapped_column(String(20), default="")
    plate: Mapped[str] = mapped_column(String(16), default="")
    reason: Mapped[str] = mapped_column(String(200))
    until: Mapped[date | None] = mapped_column(Date)
    district_wide: Mapped[bool] = mapped_column(Boolean, default=False)
    added_by: Mapped[str] = mapped_column(String(50))
    added_at: Mapped[datetime] = mapped_column(UtcDateTime)
    lifted_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
