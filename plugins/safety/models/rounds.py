"""Checklists and rounds (安全检查): a school's checklists, one a kind of place or object, each
item with what "pass" means; rounds planned by schedules; a round walked with an answer an
item, signed when finished and amended, never edited, afterwards."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import JSON, BigInteger, Boolean, Date, ForeignKey, Integer, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from core.sdk import (
    TenantScoped,
    UtcDateTime,
    db,
    lazy_gettext,
    lazy_word,
    tenant_foreign_key,
    tenant_index,
    utcnow,
    uuid7,
)

# The kinds of place or object a checklist is for (checklists.toml has one default a kind).
KINDS = ("classroom", "corridor", "canteen", "dormitory", "laboratory", "electrical", "gate",
         "playground", "building", "fire")
# lazy_word: a kindergarten calls a classroom 活动室 (its catalogues' "kindergarten" entries).
KIND_TITLES = {"classroom": lazy_word("Classroom"),
               "corridor": lazy_gettext("Corridors and stairs"),
               "canteen": lazy_gettext("Canteen"), "dormitory": lazy_gettext("Dormitory"),
               "laboratory": lazy_gettext("Laboratory"),
               "electrical": lazy_gettext("Electrical room"), "gate": lazy_word("School gate"),
               "playground": lazy_gettext("Playground equipment"),
               "building": lazy_gettext("Building structure"),
               "fire": lazy_gettext("Fire equipment")}
RESULTS = ("pass", "fail", "na")
RESULT_TITLES = {"pass": lazy_gettext("Pass"), "fail": lazy_gettext("Fail"),
                 "na": lazy_gettext("Not applicable")}
# How often a schedule plans a round: every day (the gate is kept at weekends too); every
# school day of the school calendar; every 7 days and every month from its
# first day; at the start of each term (开学安全大检查) and by each term's last day (before the
# holidays); or once, on its day.
FREQUENCIES = ("daily", "school_days", "weekly", "monthly", "term_start", "before_holiday", "once")
FREQUENCY_TITLES = {"daily": lazy_gettext("Every day"),
                    "school_days": lazy_gettext("Every school day"), "weekly": lazy_gettext("Weekly"),
                    "monthly": lazy_gettext("Monthly"),
                    "term_start": lazy_gettext("At the start of each term"),
                    "before_holiday": lazy_gettext("Before each holiday"),
                    "once": lazy_gettext("Once")}


class DistrictChecklist(db.Model):
    """A checklist a district publishes to its schools. It belongs to the district, not to a
    school, so it has no ``tenant_id`` (the SDK gives a module no district-owned table): it
    is outside row-level security, and the module reads and writes it only by the district
    of the school in context. Its text is no school's data. ``version`` counts the district's
    edits, so a school's copy knows which it follows; writes go to the deployment's audit."""

    __tablename__ = "safety_district_checklists"
    __audit_deployment__ = True

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid7)
    district_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("districts.id"), index=True)
    kind: Mapped[str] = mapped_column(String(12))  # KINDS
    title: Mapped[str] = mapped_column(String(80))
    items: Mapped[list] = mapped_column(JSON)  # each: the ChecklistItem fields
    version: Mapped[int] = mapped_column(Integer, default=1)
    published_by: Mapped[str] = mapped_column(String(50))
    published_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    # Two district admins editing at once: the second is told (409), not lost.
    __mapper_args__ = {"version_id_col": version}


class Checklist(TenantScoped, db.Model):
    """A school's checklist for one kind of place or object; its items are its own to add,
    remove and reword. A copy of a district's (``district_checklist_id``) follows the
    district's edits (``district_version``) until the school edits it (``diverged_at``)."""

    __tablename__ = "safety_checklists"
    __table_args__ = (tenant_index("ix_safety_checklists_kind", "kind"),
                      tenant_index("ix_safety_checklists_district", "district_checklist_id"))

    kind: Mapped[str] = mapped_column(String(12))  # KINDS
    title: Mapped[str] = mapped_column(String(80))
    retired_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    district_checklist_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    district_version: Mapped[int | None] = mapped_column(Integer)
    diverged_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}


class ChecklistItem(TenantScoped, db.Model):
    """One thing to check, in both languages, with what "pass" means; ``source`` and
    ``certainty`` when it restates a cited rule, empty when it is practice."""

    __tablename__ = "safety_checklist_items"
    __table_args__ = (tenant_foreign_key("checklist_id", "safety_checklists"),
                      tenant_index("ix_safety_checklist_items_position", "checklist_id",
                                   "position"))

    checklist_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    position: Mapped[int] = mapped_column(Integer)
    text_zh: Mapped[str] = mapped_column(String(200))
    text_en: Mapped[str] = mapped_column(String(200), default="")
    pass_zh: Mapped[str] = mapped_column(String(200), default="")
    pass_en: Mapped[str] = mapped_column(String(200), default="")
    source: Mapped[str] = mapped_column(String(200), default="")
    certainty: Mapped[str] = mapped_column(String(10), default="")


class RoundSchedule(TenantScoped, db.Model):
    """Rounds of a checklist at a place, planned by ``frequency`` from ``start_on`` for one
    member of staff; each falls due on its day and shows on the school calendar."""

    __tablename__ = "safety_round_schedules"
    __table_args__ = (tenant_foreign_key("checklist_id", "safety_checklists"),
                      tenant_foreign_key("assignee_id", "staff"),
                      tenant_foreign_key("building_id", "buildings"),
                      tenant_index("ix_safety_round_schedules_active", "active"))

    checklist_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    place: Mapped[str] = mapped_column(String(120))
    building_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    frequency: Mapped[str] = mapped_column(String(16))  # FREQUENCIES
    start_on: Mapped[date] = mapped_column(Date)
    assignee_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by: Mapped[str] = mapped_column(String(50))


class SafetyRound(TenantScoped, db.Model):
    """One round at one place with one checklist: its items copied in when it starts (so a
    later edit of the checklist leaves it as walked), answered in one sitting or several, and
    signed when finished (``done_at``, ``signed_by``) — then only amended."""

    __tablename__ = "safety_rounds"
    __table_args__ = (tenant_foreign_key("checklist_id", "safety_checklists"),
                      tenant_foreign_key("building_id", "buildings"),
                      # one round a schedule's day; ad hoc rounds have no schedule
                      tenant_index("ix_safety_rounds_schedule_due", "schedule_id", "due_on",
                                   unique=True),
                      # the register: the latest finished first, paged
                      tenant_index("ix_safety_rounds_done", "done_at"),
                      tenant_index("ix_safety_rounds_place", "checklist_id", "place", "done_at"))

    checklist_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    schedule_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    due_on: Mapped[date | None] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(12))  # KINDS
    title: Mapped[str] = mapped_column(String(80))
    place: Mapped[str] = mapped_column(String(120))
    building_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    started_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    started_by: Mapped[str] = mapped_column(String(50))
    done_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    signed_by: Mapped[str] = mapped_column(String(50), default="")
    signed_by_user: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}


class RoundAnswer(TenantScoped, db.Model):
    """One item of a round as walked: the item's words as they were, and its answer (none
    yet while the round is half done); a failure's note, photo and the hazard it became."""

    __tablename__ = "safety_round_answers"
    __table_args__ = (tenant_foreign_key("round_id", "safety_rounds"),
                      tenant_foreign_key("hazard_id", "safety_hazards"),
                      tenant_index("ix_safety_round_answers_item", "round_id", "position",
                                   unique=True),
                      tenant_index("ix_safety_round_answers_hazard", "hazard_id"))

    round_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    position: Mapped[int] = mapped_column(Integer)
    text_zh: Mapped[str] = mapped_column(String(200))
    text_en: Mapped[str] = mapped_column(String(200), default="")
    pass_zh: Mapped[str] = mapped_column(String(200), default="")
    pass_en: Mapped[str] = mapped_column(String(200), default="")
    source: Mapped[str] = mapped_column(String(200), default="")
    certainty: Mapped[str] = mapped_column(String(10), default="")
    result: Mapped[str | None] = mapped_column(String(4))  # RESULTS
    note: Mapped[str] = mapped_column(String(500), default="")
    photo_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    hazard_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    answered_by: Mapped[str] = mapped_column(String(50), default="")
    answered_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class RoundAmendment(TenantScoped, db.Model):
    """A correction of a signed round's item, kept beside the answer it corrects, with why."""

    __tablename__ = "safety_round_amendments"
    __table_args__ = (tenant_foreign_key("round_id", "safety_rounds"),
                      tenant_foreign_key("hazard_id", "safety_hazards"),
                      tenant_index("ix_safety_round_amendments_round", "round_id", "at"))

    round_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    position: Mapped[int] = mapped_column(Integer)
    result: Mapped[str] = mapped_column(String(4))  # RESULTS
    note: Mapped[str] = mapped_column(String(500), default="")
    reason: Mapped[str] = mapped_column(String(500))
    hazard_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    by: Mapped[str] = mapped_column(String(50))
    by_user: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
