"""Kitchen staff health: who works in the kitchen, their health certificates (健康证) and the
daily morning check (晨检)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import JSON, Boolean, Date, Numeric, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from core.sdk import TenantScoped, UtcDateTime, Voidable, db, tenant_foreign_key, tenant_index, utcnow
from core.sdk import lazy_gettext as _l

# What the morning check looks for. The regulation (cited in services/health.py) names fever,
# diarrhoea, throat inflammation, and wounds or infection of the skin; vomiting and jaundice
# are asked too, as signs of the enteric infections and hepatitis A and E it bars from food.
SYMPTOMS = ("fever", "diarrhoea", "vomiting", "jaundice", "sore_throat_with_fever",
            "skin_infection", "other")
HAND_WOUNDS = ("none", "covered", "open")

SYMPTOM_TITLES = {"fever": _l("Fever"), "diarrhoea": _l("Diarrhoea"), "vomiting": _l("Vomiting"),
                  "jaundice": _l("Jaundice"), "sore_throat_with_fever": _l("Sore throat with fever"),
                  "skin_infection": _l("Skin infection"), "other": _l("Other")}
HAND_WOUND_TITLES = {"none": _l("No wound"), "covered": _l("Wound covered, gloves on"),
                     "open": _l("Open wound")}
# Why a check failed: a measured fever, a symptom, an open wound on the hands.
FAILURE_TITLES = {**SYMPTOM_TITLES, "temperature": _l("Temperature at or above the threshold"),
                  "open_hand_wound": _l("Open hand wound")}


class KitchenWorker(TenantScoped, db.Model):
    """A member of the school's staff who works in the kitchen, from ``started_on`` to
    ``ended_on`` (their last day there, inclusive; none while they still work there)."""

    __tablename__ = "canteen_kitchen_workers"
    __table_args__ = (
        tenant_foreign_key("staff_id", "staff"),
        tenant_index("ix_canteen_kitchen_workers_staff", "staff_id", unique=True),
    )

    staff_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    duty: Mapped[str] = mapped_column(String(40), default="")  # 厨师, 帮厨, 洗消 …
    started_on: Mapped[date] = mapped_column(Date)
    ended_on: Mapped[date | None] = mapped_column(Date)


class HealthCertificate(Voidable, TenantScoped, db.Model):
    """A health certificate (健康证) of a kitchen worker, with the scan when one was uploaded."""

    __tablename__ = "canteen_health_certificates"
    __table_args__ = (
        tenant_foreign_key("worker_id", "canteen_kitchen_workers"),
        tenant_foreign_key("scan_id", "stored_files"),
        tenant_index("ix_canteen_health_certificates_worker", "worker_id", "valid_until"),
    )

    worker_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    number: Mapped[str] = mapped_column(String(40))
    issued_on: Mapped[date] = mapped_column(Date)
    valid_until: Mapped[date] = mapped_column(Date)
    issued_by: Mapped[str] = mapped_column(String(80))
    scan_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class MorningCheck(TenantScoped, db.Model):
    """One worker's morning check (晨检) of one day. The verdict is computed when it is recorded
    (or amended); a failed check keeps the worker off work for the day."""

    __tablename__ = "canteen_morning_checks"
    __table_args__ = (
        tenant_foreign_key("worker_id", "canteen_kitchen_workers"),
        tenant_index("ix_canteen_morning_checks_day", "day", "worker_id", unique=True),
    )

    day: Mapped[date] = mapped_column(Date)
    worker_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    temperature: Mapped[Decimal] = mapped_column(Numeric(3, 1))  # °C
    symptoms: Mapped[list[str]] = mapped_column(JSON, default=list)
    other_symptom: Mapped[str] = mapped_column(String(100), default="")
    hand_wound: Mapped[str] = mapped_column(String(10), default="none")
    remarks: Mapped[str] = mapped_column(Text, default="")
    # The verdict and its reasons, under the fever threshold in force when it was recorded.
    fever_from: Mapped[Decimal] = mapped_column(Numeric(3, 1))
    passed: Mapped[bool] = mapped_column(Boolean)
    failed_because: Mapped[list[str]] = mapped_column(JSON, default=list)
    checked_by: Mapped[str] = mapped_column(String(50))
    checked_at: Mapped[datetime] = mapped_column(UtcDateTime)


class MorningCheckAmendment(TenantScoped, db.Model):
    """A correction of a morning check: what it said before, why and by whom it changed."""

    __tablename__ = "canteen_morning_check_amendments"
    __table_args__ = (
        tenant_foreign_key("check_id", "canteen_morning_checks"),
        tenant_index("ix_canteen_morning_check_amendments_check", "check_id", "amended_at"),
    )

    check_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    before: Mapped[dict] = mapped_column(JSON)
    reason: Mapped[str] = mapped_column(String(200))
    amended_by: Mapped[str] = mapped_column(String(50))
    amended_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
