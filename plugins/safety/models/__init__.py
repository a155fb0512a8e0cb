"""The safety module's tables: hidden hazards (隐患) and each step of their way to closure."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, Uuid
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


# Fire equipment (消防器材): what a school keeps in service, each placed in one of its rooms or
# places. Extinguishers have an agent, from which GB 50444-2008's tables give when each is
# due for service and for scrapping.
EQUIPMENT_KINDS = ("extinguisher", "hydrant", "hose_reel", "emergency_light", "exit_sign",
                   "alarm", "sprinkler")
EQUIPMENT_TITLES = {"extinguisher": lazy_gettext("Fire extinguisher"),
                    "hydrant": lazy_gettext("Indoor hydrant"),
                    "hose_reel": lazy_gettext("Hose reel"),
                    "emergency_light": lazy_gettext("Emergency light"),
                    "exit_sign": lazy_gettext("Exit sign"),
                    "alarm": lazy_gettext("Fire alarm"),
                    "sprinkler": lazy_gettext("Sprinkler")}
# The agents of GB 50444-2008's tables 5.3.2 and 5.4.3 (水基型, 干粉, 洁净气体, 二氧化碳).
AGENTS = ("water_based", "dry_powder", "clean_agent", "co2")
AGENT_TITLES = {"water_based": lazy_gettext("Water-based"), "dry_powder": lazy_gettext("Dry powder"),
                "clean_agent": lazy_gettext("Clean agent"), "co2": lazy_gettext("Carbon dioxide")}


class Equipment(TenantScoped, db.Model):
    """One piece of fire equipment, numbered in the school. ``listed_place``: it stands in a
    place GB 50444-2008 §5.2.2 lists (a boiler room, a basement...), so an extinguisher there
    is checked every half month instead of every month. ``serviced_on``: its last service
    (维修); ``retired_on``: taken out of use (scrapped, replaced)."""

    __tablename__ = "safety_equipment"
    __table_args__ = (
        tenant_index("ix_safety_equipment_number", "number", unique=True),
        tenant_foreign_key("building_id", "buildings"),
    )

    number: Mapped[str] = mapped_column(String(40))
    kind: Mapped[str] = mapped_column(String(16))  # EQUIPMENT_KINDS
    agent: Mapped[str | None] = mapped_column(String(12))  # AGENTS, extinguishers only
    capacity: Mapped[str] = mapped_column(String(20), default="")  # as on the label: "4kg"
    produced_on: Mapped[date | None] = mapped_column(Date)
    building_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    place: Mapped[str] = mapped_column(String(120))
    listed_place: Mapped[bool] = mapped_column(Boolean, default=False)
    registered_on: Mapped[date] = mapped_column(Date)  # from when its checks are counted
    serviced_on: Mapped[date | None] = mapped_column(Date)
    retired_on: Mapped[date | None] = mapped_column(Date)
    created_by: Mapped[str] = mapped_column(String(50))
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}


class EquipmentCheck(TenantScoped, db.Model):
    """One check of a piece of equipment (附录C): each part passed or not (None: not for this
    kind), the whole passed only when every part did; a failure's note says what is wrong."""

    __tablename__ = "safety_equipment_checks"
    __table_args__ = (
        tenant_foreign_key("equipment_id", "safety_equipment"),
        tenant_index("ix_safety_equipment_checks_on", "equipment_id", "checked_on", unique=True),
    )

    equipment_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    checked_on: Mapped[date] = mapped_column(Date)
    pressure: Mapped[bool | None] = mapped_column(Boolean)  # the gauge in the green
    seal: Mapped[bool | None] = mapped_column(Boolean)  # pin and seal intact
    hose: Mapped[bool | None] = mapped_column(Boolean)  # hose and nozzle sound
    body: Mapped[bool | None] = mapped_column(Boolean)  # no dent, rust or leak; label legible
    works: Mapped[bool | None] = mapped_column(Boolean)  # lights, sounds, flows when tested
    passed: Mapped[bool] = mapped_column(Boolean)
    note: Mapped[str] = mapped_column(String(200), default="")
    checked_by: Mapped[str] = mapped_column(String(50))
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


# Emergency drills (应急演练), by what they rehearse.
DRILL_KINDS = ("fire", "earthquake", "flood", "stampede", "intruder", "other")
# The drills that empty the buildings: what the national guide's frequency counts (应急疏散演练).
EVACUATIONS = ("fire", "earthquake", "flood", "stampede")
DRILL_TITLES = {"fire": lazy_gettext("Fire evacuation"), "earthquake": lazy_gettext("Earthquake"),
                "flood": lazy_gettext("Flood"), "stampede": lazy_gettext("Crowding and stampede"),
                "intruder": lazy_gettext("Intruder"), "other": lazy_gettext("Other emergency")}


class Drill(TenantScoped, db.Model):
    """An emergency drill: planned for a day, then held — who took part, how long the
    evacuation took, how it went and what was learnt, with a photo."""

    __tablename__ = "safety_drills"
    __table_args__ = (tenant_index("ix_safety_drills_day", "planned_on"),)

    kind: Mapped[str] = mapped_column(String(10))  # DRILL_KINDS
    planned_on: Mapped[date] = mapped_column(Date)
    scope: Mapped[str] = mapped_column(String(120))  # the whole school, a building, a grade
    held_on: Mapped[date | None] = mapped_column(Date)
    participants: Mapped[int | None] = mapped_column(Integer)
    evacuation_seconds: Mapped[int | None] = mapped_column(Integer)
    evaluation: Mapped[str] = mapped_column(String(1000), default="")
    lessons: Mapped[str] = mapped_column(String(1000), default="")
    photo_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    planned_by: Mapped[str] = mapped_column(String(50))
    recorded_by: Mapped[str] = mapped_column(String(50), default="")
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}


class PickupPermit(TenantScoped, db.Model):
    """Someone other than the child's listed guardians whom the class teacher lets take the
    child home from ``valid_from`` to ``valid_until`` (a relative on a given week), with a
    photo the guard compares. ``revoked_at``: withdrawn before its end."""

    __tablename__ = "safety_pickup_permits"
    __table_args__ = (tenant_index("ix_safety_pickup_permits_student", "student_id",
                                   "valid_until"),
                      tenant_foreign_key("student_id", "students"))

    student_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    name: Mapped[str] = mapped_column(String(50))
    relation: Mapped[str] = mapped_column(String(20))
    phone: Mapped[str] = mapped_column(String(20), default="")
    valid_from: Mapped[date] = mapped_column(Date)
    valid_until: Mapped[date] = mapped_column(Date)
    photo_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    granted_by: Mapped[str] = mapped_column(String(50))
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class Pickup(TenantScoped, db.Model):
    """A child handed over at the gate or the classroom door: to whom (a guardian the school
    lets pick up, or a permit's holder), when, and by whom. Once a day a child."""

    __tablename__ = "safety_pickups"
    __table_args__ = (tenant_index("ix_safety_pickups_student_day", "student_id", "day",
                                   unique=True),
                      tenant_index("ix_safety_pickups_day", "day"),
                      tenant_foreign_key("student_id", "students"),
                      tenant_foreign_key("guardian_id", "guardians"),
                      tenant_foreign_key("permit_id", "safety_pickup_permits"))

    student_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    day: Mapped[date] = mapped_column(Date)
    at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    guardian_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    permit_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    person: Mapped[str] = mapped_column(String(50))  # the name, as it was at the handover
    handed_by: Mapped[str] = mapped_column(String(50))


class PickupRefusal(TenantScoped, db.Model):
    """Someone not on a child's list who came for the child and was turned away; the class
    teacher is alerted."""

    __tablename__ = "safety_pickup_refusals"
    __table_args__ = (tenant_index("ix_safety_pickup_refusals_at", "at"),
                      tenant_foreign_key("student_id", "students"))

    student_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    person: Mapped[str] = mapped_column(String(50))
    note: Mapped[str] = mapped_column(String(200), default="")
    refused_by: Mapped[str] = mapped_column(String(50))

from .duty import (  # noqa: E402,F401
    POST_TITLES,
    POSTS,
    SWAP_STATUSES,
    SWAP_TITLES,
    DutyShift,
    DutySwap,
    Handover,
    PatrolCheck,
    PatrolPoint,
)
from .incidents import *  # noqa: E402, F403  (the incidents' tables)
from .rounds import (  # noqa: E402,F401
    FREQUENCIES,
    FREQUENCY_TITLES,
    KIND_TITLES,
    KINDS,
    RESULT_TITLES,
    RESULTS,
    Checklist,
    ChecklistItem,
    DistrictChecklist,
    RoundAmendment,
    RoundAnswer,
    RoundSchedule,
    SafetyRound,
)
from .visitors import GateRefusal, Visit  # noqa: E402,F401
