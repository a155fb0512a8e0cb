"""Rules from regulations, as data: each module ships its national values with their
citation in a TOML file, and a district may override a value (never the citation's meaning)
with ``<instance>/regulations/<district-slug>/<module>.toml`` holding the same keys."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from flask import current_app

if TYPE_CHECKING:
    from core.tenancy import DistrictRef


@dataclass(frozen=True)
class Rule:
    key: str
    value: int | str
    unit: str
    source: str
    effective: str
    overridden_by: str | None = None  # the district whose file set the value
    # How sure the value is, as checked against its source: "verified" (read in the official
    # text) or "secondary" (agreeing secondary sources); empty where a module has not said.
    certainty: str = ""


def _read(path: Path) -> dict:
    with path.open("rb") as handle:
        return tomllib.load(handle)


@cache
def _national(path: Path) -> dict[str, Rule]:
    return {key: Rule(key=key, **entry) for key, entry in _read(path).items()}


def rules_in_force(module: str, national: Path, district: DistrictRef | None = None
                   ) -> dict[str, Rule]:
    """Every rule of ``module`` in force for the school in context: the national values of
    ``national``, with the school's district's overrides; or, given ``district`` (a district
    page, with no school in context), that district's."""
    from core.sdk import current_district

    found = dict(_national(national))
    district = district or current_district()
    local = Path(current_app.instance_path) / "regulations" / district.slug / f"{module}.toml"
    if not local.exists():
        return found
    for key, entry in _read(local).items():
        if key not in found:
            raise ValueError(f"{local}: {key!r} is not a {module} rule ({', '.join(found)})")
        base = found[key]
        value = entry["value"]
        found[key] = Rule(key=key, value=type(base.value)(value), unit=base.unit,
                          source=entry.get("source", base.source),
                          effective=entry.get("effective", base.effective),
                          overridden_by=district.slug,
                          certainty=entry.get("certainty", "district"))
    return found
