"""Retained samples (留样)."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import Date, Integer, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from core.sdk import TenantScoped, UtcDateTime, db, tenant_foreign_key, tenant_index


class Sample(TenantScoped, db.Model):
    """A retained sample (留样) of one dish served at one meal."""

    __tablename__ = "canteen_samples"
    __table_args__ = (
        tenant_foreign_key("dish_id", "canteen_dishes"),
        tenant_index("ix_canteen_samples_meal", "day", "slot", "dish_id"),
        tenant_index("ix_canteen_samples_dispose", "dispose_due_at"),
    )

    day: Mapped[date] = mapped_column(Date)
    slot: Mapped[str] = mapped_column(String(20))
    dish_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    grams: Mapped[int] = mapped_column(Integer)
    taken_at: Mapped[datetime] = mapped_column(UtcDateTime)
    taken_by: Mapped[str] = mapped_column(String(50))
    cabinet: Mapped[str] = mapped_column(String(30))
    dispose_due_at: Mapped[datetime] = mapped_column(UtcDateTime)
    disposed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    disposed_by: Mapped[str | None] = mapped_column(String(50))
