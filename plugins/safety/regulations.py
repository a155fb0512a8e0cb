"""The rules the safety module follows, as data: national values with their citation and how
sure each is (``regulations.toml``), which a district may override
(``<instance>/regulations/<district>/safety.toml``)."""

from __future__ import annotations

from pathlib import Path

from core.sdk import DistrictRef, Rule, lazy_gettext, rules_in_force

NATIONAL = Path(__file__).with_name("regulations.toml")


def rules(district: DistrictRef | None = None) -> dict[str, Rule]:
    """Every rule in force for the school in context (or for ``district``'s schools)."""
    return rules_in_force("safety", NATIONAL, district)


# What each rule is, and its coded values and sureness, as the pages show them.
AGENT_CODES = ("water_based", "dry_powder", "clean_agent", "co2")
RULE_TITLES = {
    "extinguisher_check": lazy_gettext("An extinguisher is checked"),
    "extinguisher_check_listed_places": lazy_gettext(
        "An extinguisher in a boiler room, basement or other listed place is checked"),
    **{f"first_service_years_{agent}": lazy_gettext("First service, years after it was made")
       for agent in AGENT_CODES},
    **{f"service_every_years_{agent}": lazy_gettext("Then a service every, years")
       for agent in AGENT_CODES},
    **{f"scrap_years_{agent}": lazy_gettext("Scrapped, years after it was made")
       for agent in AGENT_CODES},
}
VALUE_TITLES = {"monthly": lazy_gettext("monthly"), "half_monthly": lazy_gettext("every half month"),
                "quarterly": lazy_gettext("every quarter")}
CERTAINTY_TITLES = {"verified": lazy_gettext("read in the standard"),
                    "secondary": lazy_gettext("from agreeing secondary sources: check the standard"),
                    "district": lazy_gettext("set by the district")}
