"""Core's own navigation entries; each page module adds its entries here when imported."""

from __future__ import annotations

from core.plugins.types import NavEntry

CORE_NAVIGATION: list[NavEntry] = []


def core_entries(*entries: NavEntry) -> None:
    CORE_NAVIGATION.extend(entries)
