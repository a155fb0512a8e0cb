"""The fee catalogue and the public notices (收费公示) that publish it."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Date, Integer, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from core.sdk import TenantScoped, UtcDateTime, db, tenant_index, utcnow

APPEND_ONLY = {"info": {"append_only": True}}


class FeeItem(TenantScoped, db.Model):
    """Something the school charges for, on a legal basis. It goes draft → approved →
    published → retired; only a draft changes, so every bill line names the terms it was
    billed on. Published only through a notice: nothing is billed that was not published."""

    __tablename__ = "fees_items"
    __table_args__ = (
        tenant_index("ix_fees_items_status", "status"),
    )

    name: Mapped[str] = mapped_column(String(80))
    category: Mapped[str] = mapped_column(String(12))  # CATEGORIES
    amount_fen: Mapped[int] = mapped_column(Integer)
    unit: Mapped[str] = mapped_column(String(12))  # UNITS
    basis_authority: Mapped[str] = mapped_column(String(120))  # 批准机关
    basis_reference: Mapped[str] = mapped_column(String(120))  # 文号
    voluntary: Mapped[bool] = mapped_column(Boolean, default=False)  # held fees always are
    # Which students it applies to: the whole school, or the grades, classes or students whose
    # ids are in ``applies_ids``.
    applies_to: Mapped[str] = mapped_column(String(10), default="school")
    applies_ids: Mapped[list[Any]] = mapped_column(JSON, default=list)
    # A module whose charge-source hook prices this item's lines (the canteen's meal fees);
    # none when the amount above is what each student pays.
    source: Mapped[str | None] = mapped_column(String(40))
    notes: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(10), default="draft")  # ITEM_STATES
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_by: Mapped[str] = mapped_column(String(50))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    approved_by: Mapped[str | None] = mapped_column(String(50))
    approved_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    notice_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)  # the notice that published it
    effective_on: Mapped[date | None] = mapped_column(Date)  # billable from this day
    retired_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    retired_by: Mapped[str | None] = mapped_column(String(50))

    __mapper_args__ = {"version_id_col": version}


class FeeNotice(TenantScoped, db.Model):
    """One publication of the school's fee notice: what it listed, as it was then, with the
    complaint phones and the day it took effect. Never changed: the next one supersedes it."""

    __tablename__ = "fees_notices"
    __table_args__ = (
        tenant_index("ix_fees_notices_number", "number", unique=True),
        APPEND_ONLY,
    )

    number: Mapped[int] = mapped_column(Integer)  # 1, 2, … per school
    title: Mapped[str] = mapped_column(String(120))
    effective_on: Mapped[date] = mapped_column(Date)
    # The published items as they were: name, category, amount_fen, unit, basis, voluntary,
    # applies_to (as text), source.
    items: Mapped[list[Any]] = mapped_column(JSON)
    phones: Mapped[dict[str, Any]] = mapped_column(JSON)  # bureau, regulator, school
    remarks: Mapped[str] = mapped_column(Text, default="")
    published_by: Mapped[str] = mapped_column(String(50))
    published_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
