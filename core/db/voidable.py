"""Records the regulations say must be kept are never deleted: a wrong one is voided, with the
reason, by whom and when, and stays in the register (and its export) marked void."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from core.db.base import UtcDateTime


class Voidable:
    """Mix into a model to make it voidable rather than deletable."""

    voided_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    voided_by: Mapped[str | None] = mapped_column(String(50))
    void_reason: Mapped[str | None] = mapped_column(String(200))
