"""Meal counts (报餐): how many will eat each meal, per class and for the staff."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import Boolean, Date, Integer, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from core.sdk import TenantScoped, UtcDateTime, db, tenant_foreign_key, tenant_index

STAFF = "staff"  # the unit of the staff's count, which belongs to no class


class MealCount(TenantScoped, db.Model):
    """How many of a class (or of the staff) will eat one meal of one day.

    ``version`` goes up with every change (SQLAlchemy checks it in the UPDATE), so that two
    people changing the same count cannot silently overwrite each other.
    """

    __tablename__ = "canteen_meal_counts"
    __table_args__ = (
        tenant_foreign_key("class_id", "classes"),
        # One count per unit and meal; ``unit`` is the class id or "staff", because a unique
        # index treats every NULL class as different and would let two staff counts in.
        tenant_index("ix_canteen_meal_counts_meal", "day", "slot", "unit", unique=True),
        tenant_index("ix_canteen_meal_counts_class", "class_id"),
    )

    day: Mapped[date] = mapped_column(Date)
    slot: Mapped[str] = mapped_column(String(20))
    unit: Mapped[str] = mapped_column(String(36))
    class_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)  # None: the staff's meals
    eaters: Mapped[int] = mapped_column(Integer)
    version: Mapped[int] = mapped_column(Integer)
    reported_by: Mapped[str] = mapped_column(String(50))
    reported_at: Mapped[datetime] = mapped_column(UtcDateTime)
    late: Mapped[bool] = mapped_column(Boolean, default=False)  # last changed after the cut-off

    __mapper_args__ = {"version_id_col": version}

    @property
    def kind(self) -> str:
        return STAFF if self.class_id is None else "class"
