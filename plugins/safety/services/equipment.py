"""Fire equipment (消防器材): the register, its checks, and what falls due. An extinguisher is
checked every month, or every half month in a place GB 50444-2008 §5.2.2 lists; it is due
for service and for scrapping by its agent and the day it was made (tables 5.3.2 and
5.4.3) — all cited data in ``regulations.toml`` that a district may override. Other
equipment is checked on the period the school sets (no cited figure was found for it)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, select

from core.sdk import RuleBroken, _, acting_name, db, first_writer, get_or_404

from ..models import Equipment, EquipmentCheck
from ..regulations import rules
from . import check_building, settings, today

PARTS = ("pressure", "seal", "hose", "body", "works")


def get(equipment_id: uuid.UUID) -> Equipment:
    return get_or_404(Equipment, equipment_id, "equipment_id")


def _refuse_taken(number: str) -> None:
    if db.session.scalar(select(Equipment.id).where(Equipment.number == number)):
        raise RuleBroken(_("another piece of equipment has this number"), "number", status=409)


def check_fields(data: dict) -> None:
    if data["kind"] == "extinguisher" and not data.get("agent"):
        raise RuleBroken(_("an extinguisher's agent"), "agent")
    if data["kind"] != "extinguisher" and data.get("agent"):
        raise RuleBroken(_("only an extinguisher has an agent"), "agent")
    if data["kind"] == "extinguisher" and not data.get("produced_on"):
        raise RuleBroken(_("the day it was made, on its label"), "produced_on")
    produced = data.get("produced_on")
    if produced and produced > today():
        raise RuleBroken(_("a day in the future"), "produced_on")
    serviced = data.get("serviced_on")
    if serviced and serviced > today():
        raise RuleBroken(_("a day in the future"), "serviced_on")
    if serviced and produced and serviced < produced:
        raise RuleBroken(_("before the day it was made"), "serviced_on")
    check_building(data.get("building_id"))


def create(data: dict) -> Equipment:
    number = data["number"].strip()
    if not number:
        raise RuleBroken(_("its number"), "number")
    _refuse_taken(number)
    check_fields(data)
    equipment = Equipment(number=number, kind=data["kind"], agent=data.get("agent") or None,
                          capacity=data.get("capacity", "").strip(),
                          produced_on=data.get("produced_on"),
                          building_id=data.get("building_id"), place=data["place"].strip(),
                          listed_place=bool(data.get("listed_place")),
                          registered_on=today(), serviced_on=data.get("serviced_on"),
                          created_by=acting_name())
    return first_writer(equipment, winner=lambda: _refuse_taken(number))


def revise(equipment: Equipment, data: dict) -> list[str]:
    """Change what the register keeps of a piece of equipment (an import's row naming it by
    its number); the fields it changed."""
    merged = {c: getattr(equipment, c) for c in ("kind", "agent", "produced_on", "serviced_on",
                                                  "building_id")} | data
    check_fields(merged)
    changed = []
    for name, value in data.items():
        if name != "number" and getattr(equipment, name) != value:
            setattr(equipment, name, value)
            changed.append(name)
    return changed


def record_check(equipment: Equipment, data: dict) -> EquipmentCheck:
    """One check: every part given passed or not; the whole passes only if each did."""
    if equipment.retired_on is not None:
        raise RuleBroken(_("this equipment was taken out of use"), "equipment_id", status=409)
    day = data.get("checked_on") or today()
    if day > today():
        raise RuleBroken(_("a day in the future"), "checked_on")
    if equipment.produced_on and day < equipment.produced_on:
        raise RuleBroken(_("before the day it was made"), "checked_on")
    parts = {part: data.get(part) for part in PARTS}
    if all(value is None for value in parts.values()):
        raise RuleBroken(_("at least one part checked"), "pressure")
    passed = all(value is not False for value in parts.values())
    note = data.get("note", "").strip()
    if not passed and not note:
        raise RuleBroken(_("what is wrong"), "note")

    def taken() -> None:
        if db.session.scalar(select(EquipmentCheck.id).where(
                EquipmentCheck.equipment_id == equipment.id, EquipmentCheck.checked_on == day)):
            raise RuleBroken(_("checked already on this day"), "checked_on", status=409)

    taken()
    check = EquipmentCheck(equipment_id=equipment.id, checked_on=day, passed=passed, note=note,
                           checked_by=acting_name(), **parts)
    return first_writer(check, winner=taken)


def record_service(equipment: Equipment, on: date) -> None:
    if equipment.retired_on is not None:
        raise RuleBroken(_("this equipment was taken out of use"), "equipment_id", status=409)
    if equipment.kind != "extinguisher":
        raise RuleBroken(_("only an extinguisher is sent for service"), "serviced_on")
    check_fields({"kind": equipment.kind, "agent": equipment.agent,
                   "produced_on": equipment.produced_on, "serviced_on": on})
    if equipment.serviced_on and on < equipment.serviced_on:
        raise RuleBroken(_("before its last service"), "serviced_on")
    equipment.serviced_on = on


def retire(equipment: Equipment, on: date) -> None:
    if equipment.retired_on is not None:
        raise RuleBroken(_("this equipment was taken out of use"), "equipment_id", status=409)
    if on > today():
        raise RuleBroken(_("a day in the future"), "retired_on")
    equipment.retired_on = on


# --- what falls due ----------------------------------------------------------------------

def add_years(day: date, years: int) -> date:
    """The same day ``years`` later (29 February becomes 28 February)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def check_period(equipment: Equipment) -> str | None:
    """"monthly" or "half_monthly"; None when no period applies (a kind the school has set
    none for)."""
    if equipment.kind == "extinguisher":
        key = "extinguisher_check_listed_places" if equipment.listed_place else "extinguisher_check"
        return str(rules()[key].value)
    return settings().get("equipment_check") or None


def period_start(period: str, day: date) -> date:
    if period == "half_monthly" and day.day > 15:
        return day.replace(day=16)
    return day.replace(day=1)


def previous_start(period: str, day: date) -> date:
    return period_start(period, period_start(period, day) - timedelta(days=1))


def service_due(equipment: Equipment) -> date | None:
    """When an extinguisher is next due for service (表5.3.2): its first a number of years
    after it was made, then every few years after its last."""
    if equipment.kind != "extinguisher" or not equipment.agent or not equipment.produced_on:
        return None
    found = rules()
    if equipment.serviced_on:
        return add_years(equipment.serviced_on,
                         int(found[f"service_every_years_{equipment.agent}"].value))
    return add_years(equipment.produced_on,
                     int(found[f"first_service_years_{equipment.agent}"].value))


def scrap_due(equipment: Equipment) -> date | None:
    """When an extinguisher is to be scrapped (表5.4.3), years after it was made."""
    if equipment.kind != "extinguisher" or not equipment.agent or not equipment.produced_on:
        return None
    return add_years(equipment.produced_on,
                     int(rules()[f"scrap_years_{equipment.agent}"].value))


@dataclass(frozen=True)
class Standing:
    """Where a piece of equipment stands today: its check period and last check, whether a
    check is due (none yet this period) or overdue (none in the last period either), and
    when it is due for service and for scrapping."""

    equipment: Equipment
    period: str | None
    last_check: date | None
    check_due: bool
    check_overdue: bool
    service_due: date | None
    scrap_due: date | None

    def due_by(self, day: date) -> bool:
        return any(d is not None and d <= day for d in (self.service_due, self.scrap_due))


def standings(found: list[Equipment], on: date | None = None) -> list[Standing]:
    """The standing of each piece of equipment, their last checks read in one query."""
    on = on or today()
    last = dict(db.session.execute(
        select(EquipmentCheck.equipment_id, func.max(EquipmentCheck.checked_on))
        .where(EquipmentCheck.equipment_id.in_([e.id for e in found]))
        .group_by(EquipmentCheck.equipment_id)).all()) if found else {}
    shown = []
    for equipment in found:
        period = check_period(equipment)
        checked = last.get(equipment.id)
        due = overdue = False
        if period and equipment.retired_on is None:
            due = checked is None or checked < period_start(period, on)
            before = previous_start(period, on)
            overdue = due and equipment.registered_on <= before and (
                checked is None or checked < before)
        shown.append(Standing(equipment, period, checked, due, overdue, service_due(equipment),
                              scrap_due(equipment)))
    return shown


def listed(kind: str | None = None, retired: bool = False):
    query = select(Equipment).order_by(Equipment.kind, Equipment.number)
    if kind:
        query = query.where(Equipment.kind == kind)
    if not retired:
        query = query.where(Equipment.retired_on.is_(None))
    return query


def month_end(day: date) -> date:
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)


def falling_due(on: date | None = None) -> dict[str, list[Standing]]:
    """The equipment in use that falls due, from one read of the register: "check" (a check
    due this period), "overdue" (a check missed, or service or scrapping past due), "month"
    (service or scrapping due by the end of this month)."""
    on = on or today()
    found = standings(list(db.session.scalars(listed())), on)
    return {"check": [s for s in found if s.check_due],
            "overdue": [s for s in found if s.check_overdue or s.due_by(on - timedelta(days=1))],
            "month": [s for s in found if s.due_by(month_end(on))]}


def due(which: str, on: date | None = None) -> list[Standing]:
    """``falling_due``'s list ``which``."""
    return falling_due(on)[which]


def checks(equipment_id: uuid.UUID):
    return select(EquipmentCheck).where(EquipmentCheck.equipment_id == equipment_id).order_by(
        EquipmentCheck.checked_on.desc())


def shown(standing: Standing) -> dict:
    """A piece of equipment with its standing, as the API and the pages show it."""
    equipment = standing.equipment
    return {c.key: getattr(equipment, c.key) for c in Equipment.__table__.columns} | {
        "period": standing.period, "last_check": standing.last_check,
        "check_due": standing.check_due, "check_overdue": standing.check_overdue,
        "service_due": standing.service_due, "scrap_due": standing.scrap_due}


def shown_one(equipment: Equipment) -> dict:
    return shown(standings([equipment])[0])
