"""The rules the canteen follows, as data: national values with their citation, which a
district may override (``<instance>/regulations/<district>/canteen.toml``)."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from flask import current_app

from core.sdk import current_district

NATIONAL = Path(__file__).with_name("regulations.toml")


@dataclass(frozen=True)
class Rule:
    key: str
    value: int
    unit: str
    source: str
    effective: str
    overridden_by: str | None = None  # the district whose file set the value


def _read(path: Path) -> dict:
    with path.open("rb") as handle:
        return tomllib.load(handle)


@cache
def _national() -> dict[str, Rule]:
    return {key: Rule(key=key, **entry) for key, entry in _read(NATIONAL).items()}


def rules() -> dict[str, Rule]:
    """Every rule in force for the school in context."""
    national = dict(_national())
    district = current_district()
    local = Path(current_app.instance_path) / "regulations" / district.slug / "canteen.toml"
    if not local.exists():
        return national
    for key, entry in _read(local).items():
        if key not in national:
            raise ValueError(f"{local}: {key!r} is not a canteen rule ({', '.join(national)})")
        base = national[key]
        national[key] = Rule(key=key, value=int(entry["value"]), unit=base.unit,
                             source=entry.get("source", base.source),
                             effective=entry.get("effective", base.effective),
                             overridden_by=district.slug)
    return national

