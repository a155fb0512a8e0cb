"""The ledger: every change to what a family owes, as an entry that is never changed."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import Date, Integer, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from core.sdk import TenantScoped, UtcDateTime, db, tenant_index, utcnow

ENTRY_KINDS = ("charge", "payment", "refund", "adjustment", "write_off")


class LedgerEntry(TenantScoped, db.Model):
    """``amount_fen`` is the entry's effect on what is owed: a charge adds, a payment
    subtracts, a refund paid out adds back, an adjustment does either, a write-off subtracts.
    An entry with no bill is on the student's account (credit from an overpayment).
    A mistake is corrected by a reversing entry (``reverses_id``), never by an update."""

    __tablename__ = "fees_ledger"
    __table_args__ = (
        tenant_index("ix_fees_ledger_bill", "bill_id"),
        tenant_index("ix_fees_ledger_student", "student_id"),
        tenant_index("ix_fees_ledger_day", "day"),
        {"info": {"append_only": True}},
    )

    student_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    bill_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    kind: Mapped[str] = mapped_column(String(12))  # ENTRY_KINDS
    amount_fen: Mapped[int] = mapped_column(Integer)
    bill_line_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)  # charges and adjustments
    payment_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    refund_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    reverses_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    reason: Mapped[str] = mapped_column(String(200), default="")
    day: Mapped[date] = mapped_column(Date)  # the school's day it was posted
    created_by: Mapped[str] = mapped_column(String(50))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
