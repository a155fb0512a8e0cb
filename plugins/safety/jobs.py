"""The safety module's daily job: chase the hazards past their deadline."""

from __future__ import annotations

from core.sdk import JobContext

from .services import hazards


def chase_late(ctx: JobContext) -> int:
    """Tell the director of each late hazard and report those later than the school's limit
    to the district. Core's scheduler runs it for every school with the module on; run twice
    in a day (retried), it updates the same notices and escalates nothing twice."""
    late, _escalated = hazards.chase_late()
    return late
