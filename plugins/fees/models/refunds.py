"""Money going back: refunds, the settlement of held fees (多退少不补) and the absences that
earn a kindergarten refund."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import Date, Integer, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from core.sdk import TenantScoped, UtcDateTime, db, tenant_foreign_key, tenant_index, utcnow
from core.sdk import lazy_gettext as _l

# Where a refund comes from and where it stands (a settlement's states too), as pages say them.
SOURCE_TITLES = {"manual": _l("Decided by hand"), "settlement": _l("Held-fee settlement"),
                 "absence": _l("Absence")}
STATUS_TITLES = {"due": _l("Due back"), "paid": _l("Refunded"), "draft": _l("Draft"),
                 "published": _l("Published")}


class Refund(TenantScoped, db.Model):
    """Money owed back to a family on a bill: due when decided (the bill is reduced by an
    adjustment then), paid when handed over (a ledger refund entry then)."""

    __tablename__ = "fees_refunds"
    __table_args__ = (
        tenant_index("ix_fees_refunds_bill", "bill_id"),
        tenant_index("ix_fees_refunds_key", "key", unique=True),
    )

    student_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    bill_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    amount_fen: Mapped[int] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(12))  # manual, settlement, absence
    # What the refund is for, unique per school so that working it out again finds it
    # (absence:<student>:<item>:<month>, settlement:<settlement>:<student>).
    key: Mapped[str | None] = mapped_column(String(120))
    reason: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(10), default="due")  # due, paid
    method: Mapped[str | None] = mapped_column(String(14))
    paid_on: Mapped[date | None] = mapped_column(Date)
    paid_by: Mapped[str | None] = mapped_column(String(50))
    created_by: Mapped[str] = mapped_column(String(50))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class Settlement(TenantScoped, db.Model):
    """The settlement of one held-fee item for a term, once its real cost per student is
    known: the surplus goes back, the shortfall is never charged."""

    __tablename__ = "fees_settlements"
    __table_args__ = (
        tenant_index("ix_fees_settlements_item", "term_id", "fee_item_id", unique=True),
    )

    term_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    fee_item_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    status: Mapped[str] = mapped_column(String(10), default="draft")  # draft, published
    remarks: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[str] = mapped_column(String(50))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    published_by: Mapped[str | None] = mapped_column(String(50))
    published_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class SettlementLine(TenantScoped, db.Model):
    __tablename__ = "fees_settlement_lines"
    __table_args__ = (
        tenant_foreign_key("settlement_id", "fees_settlements"),
        tenant_index("ix_fees_settlement_lines_student", "settlement_id", "student_id",
                     unique=True),
    )

    settlement_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    student_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    bill_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    paid_fen: Mapped[int] = mapped_column(Integer)  # paid for the item when settled
    real_cost_fen: Mapped[int] = mapped_column(Integer)
    refund_fen: Mapped[int] = mapped_column(Integer)  # max(paid - real cost, 0)
    refund_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)


class Absence(TenantScoped, db.Model):
    """A child away from the kindergarten, first to last day (both included)."""

    __tablename__ = "fees_absences"
    __table_args__ = (tenant_index("ix_fees_absences_student", "student_id", "starts_on"),)

    student_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(String(200))
    recorded_by: Mapped[str] = mapped_column(String(50))
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
