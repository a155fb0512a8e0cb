"""The hazard register (隐患台账) as .xlsx, in the columns offices keep on paper: found when and
where, what, how grave, who found it, who fixes it by when, what was done, who verified it
when, and where it stands. Core's register export gives a period's hazards (by the day they
were found); the register page's own link gives the rows its filters show, through the same
columns. Every cell is inert (a description beginning with ``=`` stays text)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select

from core.sdk import Register, SheetColumn, db, lazy_gettext, people, school_zone

from .models import LEVEL_TITLES, STATUS_TITLES, Hazard, HazardStep


class HazardRow:
    """One hazard with what its steps tell: the fix and the verification that closed it."""

    def __init__(self, number: int, hazard: Hazard, owner: str, fix: HazardStep | None,
                 passed: HazardStep | None) -> None:
        self.number, self.hazard, self.owner, self.fix, self.passed = (number, hazard, owner,
                                                                       fix, passed)


def rows_of(hazards: list[Hazard]) -> list[HazardRow]:
    """The register's rows of these hazards: their owners and last steps read in one query
    each, however many there are."""
    ids = [h.id for h in hazards]
    last: dict[tuple, HazardStep] = {}
    for step in db.session.scalars(select(HazardStep).where(
            HazardStep.hazard_id.in_(ids), HazardStep.step.in_(("fixed", "passed")))
            .order_by(HazardStep.at, HazardStep.id)):
        last[(step.hazard_id, step.step)] = step
    owners = {s.id: s.name for s in people.staff({h.owner_id for h in hazards if h.owner_id})}
    return [HazardRow(n, h, owners.get(h.owner_id, ""), last.get((h.id, "fixed")),
                      last.get((h.id, "passed"))) for n, h in enumerate(hazards, start=1)]


COLUMNS = (
    SheetColumn(lazy_gettext("No."), lambda r: r.number),
    SheetColumn(lazy_gettext("Found at"), lambda r: r.hazard.found_at),
    SheetColumn(lazy_gettext("Place"), lambda r: r.hazard.place),
    SheetColumn(lazy_gettext("Hazard"), lambda r: r.hazard.description),
    SheetColumn(lazy_gettext("Level"), lambda r: str(LEVEL_TITLES[r.hazard.level])),
    SheetColumn(lazy_gettext("Found by"), lambda r: r.hazard.reported_by),
    SheetColumn(lazy_gettext("Owner"), lambda r: r.owner),
    SheetColumn(lazy_gettext("Deadline"), lambda r: r.hazard.deadline),
    SheetColumn(lazy_gettext("What was done"), lambda r: r.fix.note if r.fix else ""),
    SheetColumn(lazy_gettext("Fixed at"), lambda r: r.fix.at if r.fix else None),
    SheetColumn(lazy_gettext("Verified by"), lambda r: r.passed.by if r.passed else ""),
    SheetColumn(lazy_gettext("Verified at"), lambda r: r.passed.at if r.passed else None),
    SheetColumn(lazy_gettext("Status"), lambda r: str(STATUS_TITLES[r.hazard.status])),
)


def _found_between(start: date, end: date) -> list[HazardRow]:
    zone = school_zone()
    since, until = (datetime.combine(d, time(), zone).astimezone(UTC)
                    for d in (start, end + timedelta(days=1)))
    return rows_of(list(db.session.scalars(
        select(Hazard).where(Hazard.found_at >= since, Hazard.found_at < until)
        .order_by(Hazard.found_at, Hazard.id))))


REGISTERS = [
    Register(name="hazards", title=lazy_gettext("Hazard register"), permission="safety.read",
             columns=COLUMNS, rows=_found_between, dated=True, max_days=366,
             list_endpoint="safety_pages.hazards"),
]
