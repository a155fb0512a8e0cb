"""Term bills: one per student and term, its lines, the concessions that discount them, the
choices of voluntary items, and the billing runs that made them."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import JSON, Boolean, Integer, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from core.sdk import TenantScoped, UtcDateTime, db, tenant_foreign_key, tenant_index, utcnow


class Bill(TenantScoped, db.Model):
    """A student's bill for a term. A draft is rebuilt by each billing run; once issued its
    lines are charged to the ledger and never change: a correction is a new adjustment
    line. ``total_fen`` is the sum of its lines (the reconciliation checks it)."""

    __tablename__ = "fees_bills"
    __table_args__ = (
        tenant_index("ix_fees_bills_student_term", "student_id", "term_id", unique=True),
        tenant_index("ix_fees_bills_term_class", "term_id", "class_id"),
    )

    term_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    student_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    class_id: Mapped[uuid.UUID] = mapped_column(Uuid)  # the class when it was billed
    status: Mapped[str] = mapped_column(String(10), default="draft")  # draft, issued
    total_fen: Mapped[int] = mapped_column(Integer, default=0)
    generated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    issued_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    issued_by: Mapped[str | None] = mapped_column(String(50))
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}


class BillLine(TenantScoped, db.Model):
    """One line of a bill. ``kind``: charge (an item or a module's contribution), discount or
    waiver (a concession, negative), adjustment (a correction to an issued bill). A line is
    never changed once written (a draft's lines are replaced): the audit event of a bill
    names its lines, and relies on that."""

    __tablename__ = "fees_bill_lines"
    __table_args__ = (
        tenant_foreign_key("bill_id", "fees_bills"),
        tenant_index("ix_fees_bill_lines_bill", "bill_id"),
        {"info": {"never_updated": True}},
    )

    bill_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    kind: Mapped[str] = mapped_column(String(12))
    source: Mapped[str] = mapped_column(String(40))  # "fees" or the module that contributed it
    code: Mapped[str] = mapped_column(String(80))  # stable per source: what regeneration compares
    fee_item_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    category: Mapped[str] = mapped_column(String(12))
    description: Mapped[str] = mapped_column(String(200))
    quantity: Mapped[int] = mapped_column(Integer)
    unit_price_fen: Mapped[int] = mapped_column(Integer)
    amount_fen: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(String(200), default="")
    # A module's line said whether it charges by the school day, refunded per absent day
    # (houqin_fee_charges' per_absent_day). NULL: the fee module's own lines, and lines
    # billed before the contract said so (absences reads those the old way).
    per_absent_day: Mapped[bool | None] = mapped_column(Boolean)
    created_by: Mapped[str] = mapped_column(String(50))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class Concession(TenantScoped, db.Model):
    """A discount or a waiver for one student in one term, on one item (or every item of a
    category), with its basis and reason; revoked rather than deleted."""

    __tablename__ = "fees_concessions"
    __table_args__ = (
        tenant_index("ix_fees_concessions_term_student", "term_id", "student_id"),
    )

    term_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    student_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    fee_item_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    category: Mapped[str | None] = mapped_column(String(12))
    kind: Mapped[str] = mapped_column(String(10))  # discount, waiver
    basis: Mapped[str] = mapped_column(String(12))  # hardship, sibling, staff_child, other
    percent: Mapped[int | None] = mapped_column(Integer)  # of the line, 1–100
    amount_fen: Mapped[int | None] = mapped_column(Integer)  # or a fixed amount off
    reason: Mapped[str] = mapped_column(String(200))
    approved_by: Mapped[str] = mapped_column(String(50))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    revoked_by: Mapped[str | None] = mapped_column(String(50))


class FeeChoice(TenantScoped, db.Model):
    """A guardian's yes to a voluntary item for a student in a term: only those are billed."""

    __tablename__ = "fees_choices"
    __table_args__ = (
        tenant_index("ix_fees_choices_unique", "term_id", "fee_item_id", "student_id",
                     unique=True),
    )

    term_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    fee_item_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    student_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    quantity: Mapped[int] = mapped_column(Integer, default=1)  # for items billed per item
    recorded_by: Mapped[str] = mapped_column(String(50))
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class BillingRun(TenantScoped, db.Model):
    """One request to bill a term for the school, a grade or a class, done by a job."""

    __tablename__ = "fees_billing_runs"
    __table_args__ = (tenant_index("ix_fees_billing_runs_term", "term_id"),)

    term_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    scope: Mapped[str] = mapped_column(String(10))  # school, grade, class
    scope_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    issue: Mapped[bool] = mapped_column(Boolean, default=False)  # issue the bills as well
    job_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    requested_by: Mapped[str] = mapped_column(String(50))
    requested_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    created: Mapped[int] = mapped_column(Integer, default=0)
    updated: Mapped[int] = mapped_column(Integer, default=0)
    adjusted: Mapped[int] = mapped_column(Integer, default=0)
    unchanged: Mapped[int] = mapped_column(Integer, default=0)
    problems: Mapped[list] = mapped_column(JSON, default=list)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
