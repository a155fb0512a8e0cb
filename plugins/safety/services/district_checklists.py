"""Checklists a district publishes to its schools: a district administrator, in any of the
district's schools, publishes or edits one; each school receives a copy (on the morning
job, or when its heads ask) that follows the district's edits until the school edits its
copy — from then on it is the school's own, shown as diverged."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from core.sdk import RuleBroken, _, acting_name, current_district, db, utcnow

from ..models import Checklist, DistrictChecklist
from . import rounds


def published() -> list[DistrictChecklist]:
    """The district's checklists (the district of the school in context)."""
    return list(db.session.scalars(select(DistrictChecklist).where(
        DistrictChecklist.district_id == current_district().id)
        .order_by(DistrictChecklist.kind, DistrictChecklist.title)))


def get(district_checklist_id: uuid.UUID) -> DistrictChecklist:
    found = db.session.scalar(select(DistrictChecklist).where(
        DistrictChecklist.id == district_checklist_id,
        DistrictChecklist.district_id == current_district().id))
    if found is None:
        raise RuleBroken(_("no such checklist in this district"), "district_checklist_id",
                         status=404)
    return found


def _items(data: dict) -> list[dict]:
    given = rounds._items_of(data)
    return [{f: (item.get(f) or "").strip() for f in rounds.ITEM_FIELDS} for item in given]


def publish(data: dict) -> DistrictChecklist:
    title = data["title"].strip()
    if not title:
        raise RuleBroken(_("a title"), "title")
    rounds.fits(title, rounds.TITLE_LENGTH, "title")
    made = DistrictChecklist(district_id=current_district().id, kind=data["kind"], title=title,
                             items=_items(data), version=1, published_by=acting_name(),
                             published_at=utcnow())
    db.session.add(made)
    db.session.flush()
    return made


def revise(found: DistrictChecklist, data: dict) -> DistrictChecklist:
    """The district's new wording; the schools' copies that still follow it take it up."""
    found.items = _items(data)
    rounds.fits((data.get("title") or "").strip(), rounds.TITLE_LENGTH, "title")
    if data.get("title", "").strip():
        found.title = data["title"].strip()
    found.published_by, found.published_at = acting_name(), utcnow()
    return found


def receive() -> int:
    """Bring the school's copies in step with its district's checklists: a copy for each new
    one, the district's edits into each copy that has not diverged. Two queries for the
    school however many checklists; answers how many copies were made or updated."""
    district = published()
    copies = {c.district_checklist_id: c for c in db.session.scalars(select(Checklist).where(
        Checklist.district_checklist_id.in_([d.id for d in district])))}
    changed = 0
    for found in district:
        copy = copies.get(found.id)
        if copy is None:
            copy = rounds.create({"kind": found.kind, "title": found.title,
                                  "items": found.items})
            copy.district_checklist_id, copy.district_version = found.id, found.version
            changed += 1
        elif copy.diverged_at is None and copy.district_version != found.version:
            rounds.revise(copy, {"title": found.title, "items": found.items}, following=True)
            copy.district_version = found.version
            changed += 1
    return changed
