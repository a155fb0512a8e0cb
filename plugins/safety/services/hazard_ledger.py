"""A hazard register kept on paper or in a spreadsheet before the school used the module (its
隐患台账), brought in as it stands: each row a hazard found, given an owner, fixed and
verified as far as the ledger says, every step dated as the ledger dates it. Nobody is told
of them: they are the school's history, not news. The rows the register's export writes
read back in unchanged, and a row already in the register is refused, so a sheet imported
twice does not double the register."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from sqlalchemy import select

from core.sdk import RuleBroken, _, db, people, school_zone, utcnow, uuid7

from ..models import LEVELS, Hazard, HazardStep

# How long each text of a ledger row may be (the columns it goes into).
LENGTHS = {"place": 120, "description": 500, "reported_by": 50, "fix_note": 500,
           "verified_by": 50}

# What a ledger row says, by field, once its cells are read.
FIELDS = ("found_at", "place", "description", "level", "reported_by", "owner", "deadline",
          "fix_note", "fixed_at", "verified_by", "verified_at", "status")


@dataclass
class LedgerKnown:
    """What an import looks up once: the staff by name, and the hazards already kept (by
    when and where they were found and what), to which a file's own rows are added."""

    staff: dict[str, list] = field(default_factory=dict)
    kept: set[tuple] = field(default_factory=set)

    @classmethod
    def read(cls) -> LedgerKnown:
        known = cls()
        for person in people.staff():
            known.staff.setdefault(person.name, []).append(person.id)
        known.kept = {(found.replace(microsecond=0), place, what) for found, place, what in
                      db.session.execute(select(Hazard.found_at, Hazard.place,
                                                Hazard.description))}
        return known


def _moment(text: str | None, field_name: str) -> datetime | None:
    """A ledger's wall-clock moment (``cells.moment``'s text) as stored: UTC; not later than
    now."""
    if not text:
        return None
    moment = datetime.fromisoformat(text).replace(tzinfo=school_zone()).astimezone(UTC)
    if moment > utcnow():
        raise RuleBroken(_("a moment in the future"), field_name)
    return moment


def _status(fixed: bool, verified: bool, assigned: bool) -> str:
    return "closed" if verified else "fixed" if fixed else "open" if assigned else "reported"


def checked(values: dict, known: LedgerKnown) -> dict:
    """One ledger row checked against the hazard rules (what is missing, out of order or in
    the future names its column) into what ``record`` writes."""
    for name, length in LENGTHS.items():
        if len((values.get(name) or "").strip()) > length:
            raise RuleBroken(_("at most %(n)s characters", n=length), name)
    place = (values.get("place") or "").strip()
    description = (values.get("description") or "").strip()
    if not place:
        raise RuleBroken(_("where it was found"), "place")
    if not description:
        raise RuleBroken(_("what was found"), "description")
    found_at = _moment(values.get("found_at"), "found_at")
    fixed_at = _moment(values.get("fixed_at"), "fixed_at")
    verified_at = _moment(values.get("verified_at"), "verified_at")
    deadline = date.fromisoformat(values["deadline"]) if values.get("deadline") else None
    found_on = found_at.astimezone(school_zone()).date()
    if deadline is not None and deadline < found_on:
        raise RuleBroken(_("the deadline lies before the day it was found"), "deadline")
    if fixed_at is not None and fixed_at < found_at:
        raise RuleBroken(_("the fix lies before the finding"), "fixed_at")
    if verified_at is not None and (fixed_at is None or verified_at < fixed_at):
        raise RuleBroken(_("a verification needs a fix before it"), "verified_at")
    owner_name = (values.get("owner") or "").strip()
    owner_id = None
    if owner_name:
        found = known.staff.get(owner_name, [])
        if not found:
            raise RuleBroken(_("no member of staff has this name"), "owner")
        if len(found) > 1:
            raise RuleBroken(_("more than one member of staff has this name"), "owner")
        owner_id = found[0]
    verified_by = (values.get("verified_by") or "").strip()
    if verified_at is not None and not verified_by:
        raise RuleBroken(_("who verified the fix"), "verified_by")
    if verified_by and verified_by == owner_name:
        raise RuleBroken(_("the one who fixed it cannot verify it"), "verified_by")
    status = _status(fixed_at is not None, verified_at is not None,
                     bool(owner_id or deadline))
    if values.get("status") and values["status"] != status:
        raise RuleBroken(_("the dates of the row say otherwise"), "status")
    key = (found_at, place, description)
    if key in known.kept:
        raise RuleBroken(_("this hazard is in the register already"), "description")
    known.kept.add(key)
    return {"found_at": found_at, "place": place, "description": description,
            "level": values.get("level") or "general",
            "reported_by": (values.get("reported_by") or "").strip(), "owner_id": owner_id,
            "owner": owner_name, "deadline": deadline, "fix_note": values.get("fix_note") or "",
            "fixed_at": fixed_at, "verified_by": verified_by, "verified_at": verified_at,
            "status": status}


def record(rows: list[dict]) -> None:
    """Write checked ledger rows with the steps their dates tell, all at once."""
    hazards, steps = [], []
    for row in rows:
        assert row["level"] in LEVELS
        hazard = Hazard(id=uuid7(), found_at=row["found_at"], place=row["place"],
                        description=row["description"], level=row["level"],
                        reported_by=row["reported_by"], status=row["status"],
                        owner_id=row["owner_id"], deadline=row["deadline"],
                        fixed_by=row["owner"] if row["fixed_at"] else "",
                        closed_at=row["verified_at"])
        hazards.append(hazard)
        told = [("reported", row["found_at"], row["reported_by"], "")]
        if row["owner_id"] or row["deadline"]:
            told.append(("assigned", row["found_at"], "", ""))
        if row["fixed_at"]:
            told.append(("fixed", row["fixed_at"], row["owner"], row["fix_note"]))
        if row["verified_at"]:
            told.append(("passed", row["verified_at"], row["verified_by"], ""))
        # Steps the ledger dates alike (reported and assigned) keep their order by id.
        ids = sorted(uuid7() for _step in told)
        steps += [HazardStep(id=step_id, hazard_id=hazard.id, step=step, at=at, by=by,
                             note=note)
                  for step_id, (step, at, by, note) in zip(ids, told, strict=True)]
    db.session.add_all(hazards)
    db.session.flush()  # the steps name their hazards
    db.session.add_all(steps)
