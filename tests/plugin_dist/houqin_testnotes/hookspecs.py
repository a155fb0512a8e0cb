"""Hooks the notes module declares for other modules."""

from core.sdk import hookspec


@hookspec
def notes_contributions(tenant) -> list[str]:
    """Return lines other modules want shown under the school's notes."""
