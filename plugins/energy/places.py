"""The school's buildings as the energy module names them. Core keeps the buildings (read
through ``core.sdk.buildings``); a meter names one by id, so a page or an export reads their
names once and looks each meter's up."""

from __future__ import annotations

import uuid

from flask import g, has_app_context

from core.sdk import RuleBroken, _, buildings, require_tenant


def _names(fresh: bool = False) -> dict[uuid.UUID, str]:
    tenant = require_tenant()
    if not has_app_context():
        return {b.id: b.name for b in buildings()}
    known = g.get("energy_building_names")
    if fresh or known is None or known[0] != tenant.id:
        known = g.energy_building_names = (tenant.id, {b.id: b.name for b in buildings()})
    return known[1]


def building_name(building_id: uuid.UUID | None, unmatched: str = "") -> str:
    """The name core keeps for the building, else ``unmatched`` (a name as written that
    matched none of the school's buildings)."""
    if building_id is None:
        return unmatched
    names = _names()
    if building_id not in names:  # a building added since the names were read
        names = _names(fresh=True)
    return names.get(building_id, unmatched)


def check_building(building_id: uuid.UUID | None, field: str = "building_id") -> None:
    """Refuse an id that is not one of this school's buildings (another school's is none)."""
    if building_id is not None and not buildings([building_id]):
        raise RuleBroken(_("no such building in this school"), field)


def building_named(name: str, field: str = "building") -> uuid.UUID | None:
    """The id of the school's building called ``name`` (empty: none), else refused: what an
    imported sheet's building column names."""
    name = name.strip()
    if not name:
        return None
    for building in buildings():
        if building.name == name:
            return building.id
    raise RuleBroken(_("no building of the school has this name"), field)
