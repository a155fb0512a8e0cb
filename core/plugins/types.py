"""Small value types plugins return from hooks."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class NavEntry:
    title: object  # a lazy translatable string
    endpoint: str
    permission: str
    icon: str | None = None
    order: int = 100


@dataclass(frozen=True)
class Widget:
    """A card on a home page: ``template`` is rendered with this widget as ``widget``, so the
    figures the hook computed travel in ``data``."""

    title: object
    template: str
    permission: str
    order: int = 100
    data: Mapping[str, Any] = field(default_factory=dict)
