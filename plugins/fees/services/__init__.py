"""The fee module's rules, for the school in context. No request objects here: the API, the
pages and the jobs all come through these functions, one module an area; what every area
shares is here."""

from __future__ import annotations

from functools import cache
from typing import Any

from core.sdk import current_principal, module_settings
from core.sdk import school_today as today  # noqa: F401  (the areas say services.today)
from core.sdk import school_zone as school_zone


def settings() -> dict[str, Any]:
    """The school's fee settings; one added since the school saved its own has its default."""
    return {**_defaults(), **module_settings("fees")}


@cache
def _defaults() -> dict[str, Any]:
    from ..schemas import FeesSettingsSchema

    return FeesSettingsSchema().load({})


def who(by: str | None = None) -> str:
    """The name recorded as having done something: ``by`` when given, else the person
    signed in, else the system (a scheduled job)."""
    if by:
        return by[:50]
    principal = current_principal()
    return principal.name[:50] if principal else "system"
