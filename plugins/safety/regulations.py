"""The rules the safety module follows, as data: national values with their citation and how
sure each is (``regulations.toml``), which a district may override
(``<instance>/regulations/<district>/safety.toml``)."""

from __future__ import annotations

from pathlib import Path

from core.sdk import DistrictRef, Rule, rules_in_force

NATIONAL = Path(__file__).with_name("regulations.toml")


def rules(district: DistrictRef | None = None) -> dict[str, Rule]:
    """Every rule in force for the school in context (or for ``district``'s schools)."""
    return rules_in_force("safety", NATIONAL, district)
