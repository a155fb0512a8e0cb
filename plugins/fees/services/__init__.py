"""The fee module's rules, for the school in context. No request objects here: the API, the
pages and the jobs all come through these functions, one module an area; what every area
shares is here."""

from __future__ import annotations

from typing import Any

from core.sdk import module_settings


def settings() -> dict[str, Any]:
    """The school's fee settings; one added since the school saved its own has its default."""
    return module_settings("fees")
