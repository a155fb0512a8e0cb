"""Hooks the notes module declares for other modules."""

from core.sdk import deprecated_hookspec, hookspec


@hookspec
def notes_contributions(tenant) -> list[str]:
    """Return lines other modules want shown under the school's notes."""


@deprecated_hookspec("notes 0.2.0", "notes_contributions")
def notes_lines(tenant) -> list[str]:
    """The old name of ``notes_contributions``, kept while plugins move (a throwaway, to
    prove deprecations warn through pluggy)."""
