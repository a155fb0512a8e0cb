"""What modules may read of the school's buildings, as plain read-only records.

Plugins reach this through ``core.sdk``: ``buildings()`` lists the school's buildings and
``building_or_404(id)`` finds one, both on the school in context, so another school's id
finds nothing. Core keeps a building's name (unique in the school) and its rooms, not its
floor area; nothing here writes. New in core 0.1.0 (a meter names the building it is in).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from flask_babel import gettext
from sqlalchemy import select

from core.api.errors import NotFound
from core.db.among import among
from core.extensions import db
from core.people.models import Building
from core.tenancy import require_tenant


@dataclass(frozen=True)
class BuildingRef:
    id: uuid.UUID
    name: str  # unique in the school


def buildings(ids: Iterable[uuid.UUID] | None = None) -> list[BuildingRef]:
    """The school's buildings by name: those with ``ids``, or all of them."""
    require_tenant()
    query = select(Building.id, Building.name).order_by(Building.name, Building.id)
    if ids is not None:
        query = query.where(among(Building.id, ids))
    return [BuildingRef(*row) for row in db.session.execute(query)]


def building_or_404(building_id: uuid.UUID, field: str = "building_id") -> BuildingRef:
    """The school's building with this id, else ``NotFound`` (404) naming ``field``."""
    found = buildings([building_id])
    if not found:
        message = gettext("No such building in this school.")
        raise NotFound(message, errors={field: [message]})
    return found[0]
