"""The safety module's tables: hidden hazards (隐患) and each step of their way to closure."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Integer, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from core.sdk import TenantScoped, UtcDateTime, db, lazy_gettext, tenant_foreign_key, tenant_index, utcnow

# 一般 / 较大 / 重大: the three levels schools and bureaus grade a hazard by.
LEVELS = ("general", "major", "grave")
LEVEL_TITLES = {"general": lazy_gettext("General"), "major": lazy_gettext("Serious"),
                "grave": lazy_gettext("Grave")}

# reported: waiting for an owner and a deadline; open: the owner is fixing it; fixed: waiting
# for someone else to verify the fix; closed: verified.
STATUSES = ("reported", "open", "fixed", "closed")
STATUS_TITLES = {"reported": lazy_gettext("Waiting for an owner"), "open": lazy_gettext("Being fixed"),
                 "fixed": lazy_gettext("Waiting for verification"),
                 "closed": lazy_gettext("Closed")}

STEPS = ("reported", "assigned", "fixed", "passed", "failed", "overdue", "escalated")
STEP_TITLES = {"reported": lazy_gettext("Reported"), "assigned": lazy_gettext("Owner and deadline set"),
               "fixed": lazy_gettext("Fix recorded"), "passed": lazy_gettext("Verified: fixed"),
               "failed": lazy_gettext("Verified: not fixed, sent back"),
               "overdue": lazy_gettext("Past its deadline: the director told"),
               "escalated": lazy_gettext("Reported to the district")}


class Hazard(TenantScoped, db.Model):
    """A hidden hazard found on the school's grounds, from its report to its closure. The
    fix is recorded by one person and verified by another; a failed verification sends it
    back to its owner. ``escalated_at``: when the district was told (a grave hazard at once,
    another past the school's escalation limit); the district sees it until it closes."""

    __tablename__ = "safety_hazards"
    __table_args__ = (
        tenant_foreign_key("building_id", "buildings"),  # core's buildings of the school
        tenant_foreign_key("owner_id", "staff"),  # core's staff of the school
        tenant_index("ix_safety_hazards_status", "status", "deadline"),
        tenant_index("ix_safety_hazards_found", "found_at"),
    )

    found_at: Mapped[datetime] = mapped_column(UtcDateTime)
    building_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    place: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(String(500))
    level: Mapped[str] = mapped_column(String(8))  # LEVELS
    photo_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    reported_by: Mapped[str] = mapped_column(String(50))
    # The logins behind the names, so the fixer cannot verify their own fix; a school file
    # moving to another deployment maps them to its accounts (a key to users).
    reported_by_user: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    status: Mapped[str] = mapped_column(String(10), default="reported")  # STATUSES
    owner_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    deadline: Mapped[date | None] = mapped_column(Date)
    fixed_by: Mapped[str] = mapped_column(String(50), default="")
    fixed_by_user: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    escalated_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}


class HazardStep(TenantScoped, db.Model):
    """One step on a hazard's way: who did what when, with a note and a photo where the step
    has one (the fix, a failed verification)."""

    __tablename__ = "safety_hazard_steps"
    __table_args__ = (
        tenant_foreign_key("hazard_id", "safety_hazards"),
        tenant_index("ix_safety_hazard_steps_hazard", "hazard_id", "at"),
    )

    hazard_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    step: Mapped[str] = mapped_column(String(10))  # STEPS
    at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    by: Mapped[str] = mapped_column(String(50))
    note: Mapped[str] = mapped_column(String(500), default="")
    photo_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
