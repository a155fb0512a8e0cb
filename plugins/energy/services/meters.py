"""Meters: set up, replaced (the old one's final reading and the new one's first, at the same
moment) and retired."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import select, update

from core.sdk import RuleBroken, _, acting_name, db, first_writer, get_or_404

from ..models import UNITS, Meter
from ..places import check_building
from . import local, today


def get(meter_id: uuid.UUID) -> Meter:
    """The school's meter, else a 404 naming ``meter_id`` (another school's is none)."""
    return get_or_404(Meter, meter_id, "meter_id")


def listed(kind: str | None = None, retired: bool = False):
    query = select(Meter).order_by(Meter.kind, Meter.number)
    if kind:
        query = query.where(Meter.kind == kind)
    if not retired:
        query = query.where(Meter.retired_on.is_(None))
    return query


def _refuse_taken(number: str) -> None:
    if db.session.scalar(select(Meter.id).where(Meter.number == number)):
        raise RuleBroken(_("another meter has this number"), "number", status=409)


def _check_parent(parent_id: uuid.UUID | None, kind: str) -> None:
    if parent_id is None:
        return
    parent = db.session.scalar(select(Meter).where(Meter.id == parent_id))
    if parent is None:
        raise RuleBroken(_("no such meter"), "parent_id")
    if parent.kind != kind:
        raise RuleBroken(_("a sub-meter measures what its parent does"), "parent_id")
    if parent.retired_on is not None:
        raise RuleBroken(_("this meter was retired"), "parent_id")
    # Sub-meters may nest (the school's meter, a building's, a floor's); a parent is named
    # only when a meter is set up and never changed after, so no loop can form.


def _check_installed(installed_on: date) -> None:
    if installed_on > today():
        raise RuleBroken(_("a day in the future"), "installed_on")


def create(data: dict) -> Meter:
    number = data["number"].strip()
    if not number:
        raise RuleBroken(_("a meter's number"), "number")
    _refuse_taken(number)
    _check_parent(data.get("parent_id"), data["kind"])
    check_building(data.get("building_id"))
    _check_installed(data["installed_on"])
    meter = Meter(number=number, kind=data["kind"], unit=UNITS[data["kind"]],
                  building_id=data.get("building_id"),
                  unmatched_building=data.get("unmatched_building", ""),
                  location=data.get("location", "").strip(), parent_id=data.get("parent_id"),
                  digits=data["digits"], multiplier=data.get("multiplier", 1),
                  installed_on=data["installed_on"], created_by=acting_name())
    return first_writer(meter, winner=lambda: _refuse_taken(number))


def place(meter: Meter, building_id: uuid.UUID | None) -> None:
    """Name the building the meter is in (or none); a name written before meters named the
    school's buildings goes once a building is named."""
    check_building(building_id)
    meter.building_id = building_id
    if building_id is not None:
        meter.unmatched_building = ""


def retire(meter: Meter, on: date) -> None:
    if meter.retired_on is not None:
        raise RuleBroken(_("this meter was retired on %(day)s",
                           day=meter.retired_on.isoformat()), "meter_id", status=409)
    if on > today():
        raise RuleBroken(_("a day in the future"), "retired_on")
    meter.retired_on = on


def replace(meter_id: uuid.UUID, data: dict) -> Meter:
    """Take the old meter out with its final reading and put the new one in with its first,
    both at ``read_at``; its sub-meters move to the new one. Returns the new meter."""
    from . import readings

    old = get(meter_id)
    read_at: datetime = data["read_at"]
    readings.record(old.id, {"read_at": read_at, "value": data["final_value"],
                             "rolled_over": data.get("final_rolled_over", False)},
                    kind="final")
    on = local(readings.moment(read_at)).date()
    retire(old, on)
    new = create({"number": data["number"], "kind": old.kind, "building_id": old.building_id,
                  "unmatched_building": old.unmatched_building,
                  "location": old.location, "parent_id": old.parent_id,
                  "digits": data["digits"], "multiplier": data.get("multiplier", 1),
                  "installed_on": on})
    new.replaces_id = old.id
    db.session.execute(update(Meter).where(Meter.parent_id == old.id,
                                           Meter.id != new.id).values(parent_id=new.id)
                       .execution_options(synchronize_session=False))
    readings.record(new.id, {"read_at": read_at, "value": data["first_value"]}, kind="first")
    return new
