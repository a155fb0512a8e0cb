"""Payments, the receipts they get (numbered without gaps per school and year) and online
payments waiting for their provider's word."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import JSON, Date, Integer, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from core.sdk import TenantScoped, UtcDateTime, Voidable, db, tenant_index, utcnow


class Payment(Voidable, TenantScoped, db.Model):
    """Money received for a student, towards a bill (what is more than the bill's balance
    stays on the student's account as credit). Voided, never deleted: the ledger gets a
    reversing entry and the receipt stays in its sequence, marked void."""

    __tablename__ = "fees_payments"
    __table_args__ = (
        tenant_index("ix_fees_payments_bill", "bill_id"),
        tenant_index("ix_fees_payments_day", "received_on"),
        tenant_index("ix_fees_payments_request", "request_key", unique=True),
    )

    student_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    bill_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    method: Mapped[str] = mapped_column(String(14))  # METHODS
    amount_fen: Mapped[int] = mapped_column(Integer)
    received_on: Mapped[date] = mapped_column(Date)  # the school's day (日清月结)
    payer: Mapped[str] = mapped_column(String(50), default="")
    reference: Mapped[str] = mapped_column(String(80), default="")  # bank or terminal reference
    # The client's Idempotency-Key: a retried request finds its payment instead of paying twice.
    request_key: Mapped[str | None] = mapped_column(String(64))
    recorded_by: Mapped[str] = mapped_column(String(50))
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class ReceiptCounter(TenantScoped, db.Model):
    """The last receipt number given in a year; its row is locked while a number is taken,
    so numbers are sequential with no gaps even under concurrent payments."""

    __tablename__ = "fees_receipt_counters"
    __table_args__ = (tenant_index("ix_fees_receipt_counters_year", "year", unique=True),)

    year: Mapped[int] = mapped_column(Integer)
    last: Mapped[int] = mapped_column(Integer, default=0)


class Receipt(Voidable, TenantScoped, db.Model):
    """The receipt of one payment. A void receipt keeps its number; a reprint is a copy."""

    __tablename__ = "fees_receipts"
    __table_args__ = (
        tenant_index("ix_fees_receipts_number", "year", "seq", unique=True),
        tenant_index("ix_fees_receipts_payment", "payment_id", unique=True),
    )

    payment_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    year: Mapped[int] = mapped_column(Integer)
    seq: Mapped[int] = mapped_column(Integer)
    amount_fen: Mapped[int] = mapped_column(Integer)
    issued_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    prints: Mapped[int] = mapped_column(Integer, default=0)
    # What the payment paid for as the receipt was issued ([{"description", "amount_fen"}]),
    # kept so that a reprint shows what the payer was given, whatever changes later on the
    # bill. None on receipts issued before Houqin kept them: those work it out when shown.
    items: Mapped[list[dict] | None] = mapped_column(JSON, nullable=True)

    @property
    def number(self) -> str:
        return f"{self.year}-{self.seq:06d}"


class OnlinePayment(TenantScoped, db.Model):
    """A payment started with an online provider; it becomes a Payment when the provider's
    signed notification (or a status query) says it was paid."""

    __tablename__ = "fees_online_payments"
    __table_args__ = (
        tenant_index("ix_fees_online_payments_ref", "provider", "provider_ref", unique=True),
        tenant_index("ix_fees_online_payments_bill", "bill_id"),
    )

    bill_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    student_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    provider: Mapped[str] = mapped_column(String(40))
    provider_ref: Mapped[str] = mapped_column(String(80))
    amount_fen: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(10), default="pending")  # pending, paid, failed
    pay_url: Mapped[str] = mapped_column(String(500), default="")
    payment_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    created_by: Mapped[str] = mapped_column(String(50))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    settled_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
