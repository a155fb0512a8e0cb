"""Hygiene logs and their coverage: tableware disinfection, pest control (消杀), kitchen waste
handed over, and the school leader's accompanying meal (陪餐).

《学校食品安全与营养健康管理规定》（教育部 国家市场监督管理总局 国家卫生健康委员会令第45号）
asks primary and secondary schools and kindergartens for a school leader to eat every meal
with the pupils and to keep a record of it; tableware is cleaned and disinfected after every
use. So each meal day (a day with dishes on the menu) should have an accompanied meal and a
disinfection record; ``coverage`` says which days do.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Select, select

from core.sdk import RuleBroken, SheetColumn, _, _l, db, require_tenant

from .. import exports
from ..models import SLOT_TITLES, MenuItem
from ..models.hygiene import (
    METHOD_TITLES,
    THERMAL_METHODS,
    WASTE_TITLES,
    AccompaniedMeal,
    Disinfection,
    PestControl,
    WasteHandover,
)
from . import check_slot, remembered_school_days

COVERAGE_TITLES = {"accompanied_meal": _l("Accompanied meal"), "disinfection": _l("Disinfection")}
LONGEST_COVERAGE = 366  # days


def _disinfection_rules(data: dict[str, Any]) -> None:
    if data["method"] in THERMAL_METHODS and data.get("temperature") is None:
        raise RuleBroken(_("give the temperature reached"), "temperature")
    if data["method"] == "chemical" and not data.get("agent", "").strip():
        raise RuleBroken(_("name the disinfectant and its strength"), "agent")


@dataclass(frozen=True)
class Log:
    """One kind of hygiene log: its model, its register name and any rule of its own."""

    name: str
    model: type
    title: Any
    rules: Callable[[dict[str, Any]], None] = lambda data: None


LOGS: dict[str, Log] = {log.name: log for log in (
    Log("disinfections", Disinfection, _l("Tableware disinfection"), _disinfection_rules),
    Log("pest_controls", PestControl, _l("Pest control")),
    Log("waste_handovers", WasteHandover, _l("Kitchen waste handed over")),
    Log("accompanied_meals", AccompaniedMeal, _l("Accompanied meals")),
)}


def _log(name: str) -> Log:
    if name not in LOGS:
        raise RuleBroken(_("no such hygiene log"), "log", status=404)
    return LOGS[name]


def record(name: str, data: dict[str, Any], today: date) -> Any:
    """Keep one entry of a hygiene log. Refused: a day in the future, a meal the school does
    not serve, the log's own rules (a thermal disinfection names its temperature, a chemical
    one its agent)."""
    require_tenant()
    log = _log(name)
    if data["day"] > today:
        raise RuleBroken(_("lies in the future"), "day")
    if "slot" in data:
        check_slot(data["slot"])
    log.rules(data)
    entry = log.model(**data)
    db.session.add(entry)
    db.session.flush()
    return entry


def get_entry(name: str, entry_id: uuid.UUID) -> Any:
    model = _log(name).model
    found = db.session.scalar(select(model).where(model.id == entry_id))
    if found is None:
        raise RuleBroken(_("no such record in this school"), "entry_id", status=404)
    return found


def void(name: str, entry_id: uuid.UUID, reason: str, voided_by: str, now: datetime) -> Any:
    """Void a wrong entry: it stays in the register, marked void, and counts for nothing."""
    entry = get_entry(name, entry_id)
    if entry.voided_at is not None:
        raise RuleBroken(_("this record was voided already"), "entry_id", status=409)
    entry.voided_at, entry.voided_by, entry.void_reason = now, voided_by, reason
    db.session.flush()
    return entry


def entries_between(name: str, start: date, end: date) -> Select:
    """A log's entries from ``start`` to ``end``, voided ones included, in the order made (a
    statement, for a list to read a page at a time)."""
    require_tenant()
    model = _log(name).model
    return (select(model).where(model.day >= start, model.day <= end)
            .order_by(model.day, model.recorded_at, model.id))


def between(name: str, start: date, end: date) -> list[Any]:
    """A log's entries from ``start`` to ``end``, voided ones included, in the order made."""
    return list(db.session.scalars(entries_between(name, start, end)))


# --- coverage ------------------------------------------------------------------------------


@dataclass(frozen=True)
class DayCoverage:
    """One day: the meals served (slots with dishes on the menu), the meals a leader
    accompanied, and the meals whose tableware was disinfected."""

    day: date
    school_day: bool
    served: list[str]
    accompanied: list[str]
    disinfected: list[str]

    @property
    def meal_day(self) -> bool:
        return bool(self.served)

    @property
    def present(self) -> list[str]:
        return [kind for kind, slots in (("accompanied_meal", self.accompanied),
                                         ("disinfection", self.disinfected)) if slots]

    @property
    def missing(self) -> list[str]:
        """What a meal day lacks: an accompanied meal, a disinfection record."""
        return [k for k in COVERAGE_TITLES if k not in self.present] if self.meal_day else []

    @property
    def unaccompanied_meals(self) -> list[str]:
        """Meals served without a leader at the table (the regulation asks for every meal)."""
        return [slot for slot in self.served if slot not in self.accompanied]


def _slots_by_day(model, start: date, end: date, *conditions) -> dict[date, set[str]]:
    found: dict[date, set[str]] = {}
    for day, slot in db.session.execute(select(model.day, model.slot).distinct().where(
            model.day >= start, model.day <= end, *conditions)):
        found.setdefault(day, set()).add(slot)
    return found


def coverage(start: date, end: date) -> list[DayCoverage]:
    """Every day from ``start`` to ``end``: what was served, what is present, what missing."""
    require_tenant()
    if end < start:
        raise RuleBroken(_("the end lies before the start"), "end")
    if (end - start).days >= LONGEST_COVERAGE:
        raise RuleBroken(_("ask for %(days)s days at most", days=LONGEST_COVERAGE), "end")
    served = _slots_by_day(MenuItem, start, end)
    accompanied = _slots_by_day(AccompaniedMeal, start, end, AccompaniedMeal.voided_at.is_(None))
    disinfected = _slots_by_day(Disinfection, start, end, Disinfection.voided_at.is_(None))
    order = {slot: n for n, slot in enumerate(SLOT_TITLES)}

    def slots(found: dict[date, set[str]], day: date) -> list[str]:
        return sorted(found.get(day, ()), key=lambda s: order.get(s, len(order)))

    in_school = set(remembered_school_days(start, end))  # one read of the calendar, not one a day
    days = [start + timedelta(days=n) for n in range((end - start).days + 1)]
    return [DayCoverage(day, day in in_school, slots(served, day), slots(accompanied, day),
                        slots(disinfected, day)) for day in days]


# --- registers -----------------------------------------------------------------------------


VOID = (SheetColumn(_l("Voided"), lambda r: r.void_reason),)
SLOT = SheetColumn(_l("Meal"), lambda r: SLOT_TITLES[r.slot])
COLUMNS = {
    "disinfections": (
        SheetColumn(_l("Day"), lambda r: r.day), SLOT,
        SheetColumn(_l("Method"), lambda r: METHOD_TITLES[r.method]),
        SheetColumn(_l("Temperature (°C)"), lambda r: r.temperature),
        SheetColumn(_l("Disinfectant"), lambda r: r.agent),
        SheetColumn(_l("Minutes"), lambda r: r.minutes),
        SheetColumn(_l("Tableware"), lambda r: r.items),
        SheetColumn(_l("Done by"), lambda r: r.done_by), *VOID),
    "pest_controls": (
        SheetColumn(_l("Day"), lambda r: r.day), SheetColumn(_l("Area"), lambda r: r.area),
        SheetColumn(_l("Method and agent"), lambda r: r.method),
        SheetColumn(_l("Done by"), lambda r: r.done_by),
        SheetColumn(_l("Contractor"), lambda r: r.contractor),
        SheetColumn(_l("Remarks"), lambda r: r.remarks), *VOID),
    "waste_handovers": (
        SheetColumn(_l("Day"), lambda r: r.day),
        SheetColumn(_l("Kind"), lambda r: WASTE_TITLES[r.kind]),
        SheetColumn(_l("Kilograms"), lambda r: r.kilograms),
        SheetColumn(_l("Collector"), lambda r: r.collector),
        SheetColumn(_l("Collector's company"), lambda r: r.collector_company),
        SheetColumn(_l("Receipt number"), lambda r: r.receipt_no),
        SheetColumn(_l("Handed over by"), lambda r: r.handed_over_by), *VOID),
    "accompanied_meals": (
        SheetColumn(_l("Day"), lambda r: r.day), SLOT,
        SheetColumn(_l("Leader"), lambda r: r.leader_name),
        SheetColumn(_l("Job title"), lambda r: r.leader_title),
        SheetColumn(_l("Rating (1–5)"), lambda r: r.rating),
        SheetColumn(_l("Remarks"), lambda r: r.remarks), *VOID),
}

for _name, _found in LOGS.items():
    exports.register(exports.Register(
        _name, _found.title, COLUMNS[_name],
        lambda start, end, name=_name: between(name, start, end)))
