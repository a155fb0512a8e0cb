"""What each student pays for meals: the price tier and the days the student eats."""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import Date, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from core.sdk import TenantScoped, db, tenant_foreign_key, tenant_index
from core.sdk import lazy_gettext as _l

# The price tiers; a student without a meal plan pays the full price.
TIERS = ("full", "reduced", "free", "staff")
TIER_TITLES = {"full": _l("full price"), "reduced": _l("reduced price"),
               "free": _l("free meals"), "staff": _l("staff price")}


class MealPlan(TenantScoped, db.Model):
    """A student's price tier, and the days the student eats at school when they are not
    the whole term (core keeps no enrolment dates: a student joining or leaving mid-term
    gets ``meals_from`` or ``meals_until``)."""

    __tablename__ = "canteen_meal_plans"
    __table_args__ = (
        tenant_foreign_key("student_id", "students"),
        tenant_index("ix_canteen_meal_plans_student", "student_id", unique=True),
    )

    student_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    tier: Mapped[str] = mapped_column(String(10), default="full")
    meals_from: Mapped[date | None] = mapped_column(Date)
    meals_until: Mapped[date | None] = mapped_column(Date)
    note: Mapped[str] = mapped_column(String(200), default="")
