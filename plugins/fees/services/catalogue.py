"""The fee catalogue: items and the notices that publish them."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from core.sdk import db

from ..models import FeeItem


def billable_items(on: date) -> list[FeeItem]:
    """The items that may be billed on this day: published by a notice that has taken
    effect, and not retired ("publish before you charge")."""
    return list(db.session.scalars(
        select(FeeItem).where(FeeItem.status == "published", FeeItem.effective_on <= on)
        .order_by(FeeItem.category, FeeItem.name)))
