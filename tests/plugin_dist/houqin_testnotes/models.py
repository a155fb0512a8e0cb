from datetime import datetime

from sqlalchemy import Integer, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from core.sdk import TenantScoped, UtcDateTime, db, tenant_foreign_key, tenant_index, utcnow


class Note(TenantScoped, db.Model):
    __tablename__ = "notes"
    __table_args__ = (tenant_index("ix_notes_created", "created_at"),)

    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class NoteItem(TenantScoped, db.Model):
    """Rows a job writes, one per step, to prove a retried job loses and repeats nothing."""

    __tablename__ = "note_items"
    __table_args__ = (
        tenant_foreign_key("note_id", "notes"),
        tenant_index("ix_note_items_note_seq", "note_id", "seq", unique=True),
    )

    note_id: Mapped[object] = mapped_column(Uuid)
    seq: Mapped[int] = mapped_column(Integer)
