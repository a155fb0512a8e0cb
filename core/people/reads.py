"""What modules may read of the school's people registers, as plain read-only records.

Plugins reach this through ``core.sdk.people``. Every function works on the school in
context; nothing here writes.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select

from core.extensions import db
from core.people.models import Staff
from core.tenancy import require_tenant


@dataclass(frozen=True)
class StaffRef:
    id: uuid.UUID
    name: str
    position: str
    active: bool  # False once the person has left the school


def staff(ids: Iterable[uuid.UUID] | None = None, active_only: bool = False) -> list[StaffRef]:
    """Staff of the school by name: those with ``ids`` (or everyone), without those who left
    when ``active_only``."""
    require_tenant()
    query = select(Staff.id, Staff.name, Staff.position, Staff.active).order_by(Staff.name,
                                                                                Staff.id)
    if ids is not None:
        query = query.where(Staff.id.in_(list(ids)))
    if active_only:
        query = query.where(Staff.active.is_(True))
    return [StaffRef(*row) for row in db.session.execute(query)]
