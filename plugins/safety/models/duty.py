"""Duty and night watch (值班): the roster of who is on duty each day, patrol points checked
during a shift, the handover to the next shift, and swaps of shifts between people."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import Boolean, Date, Integer, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from core.sdk import TenantScoped, UtcDateTime, db, lazy_gettext, tenant_foreign_key, tenant_index, utcnow

# 值班领导 / 值班人员 / 夜间值守: the three posts of a day's roster.
POSTS = ("leader", "staff", "night")
POST_TITLES = {"leader": lazy_gettext("Leader on duty"), "staff": lazy_gettext("Staff on duty"),
               "night": lazy_gettext("Night watch")}

# asked: waiting for the other person; accepted: waiting for a head; approved: the roster
# changed; declined: the other person said no; refused: a head said no.
SWAP_STATUSES = ("asked", "accepted", "approved", "declined", "refused")
SWAP_TITLES = {"asked": lazy_gettext("Waiting for the other person"),
               "accepted": lazy_gettext("Waiting for approval"),
               "approved": lazy_gettext("Approved"), "declined": lazy_gettext("Declined"),
               "refused": lazy_gettext("Not approved")}


class DutyShift(TenantScoped, db.Model):
    """One person on one post on one day. ``starts_at``/``ends_at``: the shift's hours (a
    night watch ends the next morning); both empty: a whole-day duty. ``reminded_at``: when
    the person was told it starts, so they are told once."""

    __tablename__ = "safety_duty_shifts"
    __table_args__ = (
        tenant_foreign_key("staff_id", "staff"),
        tenant_index("ix_safety_duty_shifts_day", "day", "post", "staff_id", unique=True),
        tenant_index("ix_safety_duty_shifts_starts", "starts_at"),
    )

    day: Mapped[date] = mapped_column(Date)
    post: Mapped[str] = mapped_column(String(8))  # POSTS
    staff_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    starts_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    ends_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    reminded_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    missed_told_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}


class PatrolPoint(TenantScoped, db.Model):
    """A place the night watch checks on the rounds, with a printed QR code that opens its
    check-in page. ``active`` False: no longer checked (its past check-ins stay)."""

    __tablename__ = "safety_patrol_points"
    __table_args__ = (tenant_index("ix_safety_patrol_points_name", "name", unique=True),)

    name: Mapped[str] = mapped_column(String(80))
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class PatrolCheck(TenantScoped, db.Model):
    """The person on duty was at a patrol point during their shift (scanned or ticked)."""

    __tablename__ = "safety_patrol_checks"
    __table_args__ = (
        tenant_foreign_key("shift_id", "safety_duty_shifts"),
        tenant_foreign_key("point_id", "safety_patrol_points"),
        tenant_index("ix_safety_patrol_checks_shift", "shift_id", "point_id"),
    )

    shift_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    point_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    note: Mapped[str] = mapped_column(String(200), default="")
    by: Mapped[str] = mapped_column(String(50))


class Handover(TenantScoped, db.Model):
    """What the outgoing shift hands to the next (交接班): what happened and what to watch;
    acknowledged by a person on the next shift of the same post."""

    __tablename__ = "safety_handovers"
    __table_args__ = (
        tenant_foreign_key("shift_id", "safety_duty_shifts"),
        tenant_index("ix_safety_handovers_shift", "shift_id", unique=True),
    )

    shift_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    happened: Mapped[str] = mapped_column(String(1000))
    watch: Mapped[str] = mapped_column(String(1000), default="")
    written_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    written_by: Mapped[str] = mapped_column(String(50))
    acknowledged_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    acknowledged_by: Mapped[str] = mapped_column(String(50), default="")
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}


class DutySwap(TenantScoped, db.Model):
    """A person on ``shift_id`` asks the person on ``other_shift_id`` to swap; the other
    accepts, then a head approves and only then the two shifts change hands."""

    __tablename__ = "safety_duty_swaps"
    __table_args__ = (
        tenant_foreign_key("shift_id", "safety_duty_shifts"),
        tenant_foreign_key("other_shift_id", "safety_duty_shifts"),
        tenant_index("ix_safety_duty_swaps_status", "status"),
    )

    shift_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    other_shift_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    reason: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[str] = mapped_column(String(10), default="asked")  # SWAP_STATUSES
    asked_by: Mapped[str] = mapped_column(String(50))
    asked_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    answered_by: Mapped[str] = mapped_column(String(50), default="")
    decided_by: Mapped[str] = mapped_column(String(50), default="")
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}
