"""Small value types plugins return from hooks."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class NavEntry:
    title: object  # a lazy translatable string
    endpoint: str
    permission: str
    icon: str | None = None
    order: int = 100


@dataclass(frozen=True)
class Widget:
    title: object
    template: str
    permission: str
    order: int = 100
