"""Calendar rows, owned by a school."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, Date, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from core.db import TenantScoped, tenant_foreign_key, tenant_index, tenant_unique
from core.extensions import db

MONDAY_TO_FRIDAY = [0, 1, 2, 3, 4]  # date.weekday(): Monday is 0
# date.weekday() order; the Chinese catalogue turns these into 一 … 日.
WEEKDAY_NAMES = (_l("Mon"), _l("Tue"), _l("Wed"), _l("Thu"), _l("Fri"), _l("Sat"), _l("Sun"))
KIND_NAMES = {"holiday": _l("Holiday"), "workday": _l("Make-up workday")}  # a calendar day's kind


class AcademicYear(TenantScoped, db.Model):
    __tablename__ = "academic_years"
    __table_args__ = (tenant_unique("name"), tenant_index("ix_academic_years_start", "start_date"))

    name: Mapped[str] = mapped_column(String(60))
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)


class Term(TenantScoped, db.Model):
    """A term: the days between its dates on its school week are school days, unless a
    calendar day says otherwise."""

    __tablename__ = "terms"
    __table_args__ = (
        tenant_foreign_key("academic_year_id", "academic_years"),
        tenant_index("ix_terms_start", "start_date"),
    )

    academic_year_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    name: Mapped[str] = mapped_column(String(60))
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)
    # Weekdays with lessons (0 = Monday); boarding schools with Saturday lessons add 5.
    weekdays: Mapped[list[Any]] = mapped_column(JSON, default=lambda: list(MONDAY_TO_FRIDAY))


class CalendarDay(TenantScoped, db.Model):
    """A day that departs from the school week: a holiday, or a make-up working day (调休)."""

    __tablename__ = "calendar_days"
    __table_args__ = (tenant_unique("day"),)

    day: Mapped[date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(10))  # "holiday" or "workday"
    name: Mapped[str] = mapped_column(String(60))
