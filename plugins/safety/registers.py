"""The fire equipment register, imported from and exported to .xlsx in the same columns (a
row naming a kept number updates that piece), and the hazard register (隐患台账) as .xlsx, in
the columns offices keep on paper: found when and where, what, how grave, who found it, who
fixes it by when, what was done, who verified it when, and where it stands. Core's register
export gives a period's hazards (by the day they were found); the register page's own link
gives the rows its filters show, through the same columns; a school's ledger from before it
used the module imports in those columns. Every cell is inert (a description beginning with
``=`` stays text)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select

from core.sdk import (
    Register,
    RegisterColumn,
    RuleBroken,
    SheetColumn,
    _,
    buildings,
    cells,
    db,
    lazy_gettext,
    people,
    school_zone,
)

from .models import (
    AGENTS,
    DRILL_KINDS,
    EQUIPMENT_KINDS,
    LEVEL_TITLES,
    POSTS,
    STATUS_TITLES,
    Drill,
    DutyShift,
    Equipment,
    Hazard,
    HazardStep,
)
from .models.visitors import VISIT_KIND_TITLES, GateRefusal, Visit
from .schemas import DrillRecordSchema, DrillSchema, EquipmentSchema, GateRefusalSchema
from .services import drills, duty, equipment, hazard_ledger, local, today, visitors


def _words(table: dict[str, tuple[str, ...]]) -> dict[str, str]:
    return {word: code for code, words in table.items() for word in (*words, code)}


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


# The ledger's words for levels and statuses (the first is what exports write); the page's
# English titles read too, so its own .xlsx reads back.
LEVEL_WORDS = {"general": ("一般", "General"), "major": ("较大", "Serious"),
               "grave": ("重大", "Grave")}
STATUS_WORDS = {"reported": ("待指派", "Waiting for an owner"), "open": ("整改中", "Being fixed"),
                "fixed": ("待验收", "Waiting for verification"), "closed": ("已销号", "Closed")}
assert set(LEVEL_WORDS) == set(LEVEL_TITLES) and set(STATUS_WORDS) == set(STATUS_TITLES)


def _ledger_column(field: str, zh: str, en: Any, value: Any, convert: Any = cells.text,
                   required: bool = False) -> RegisterColumn:
    return RegisterColumn(field, (zh, en, field), convert, required=required, value=value)


# The hazard register (隐患台账) in the columns of the sheet an office keeps, both ways: a
# school's ledger from before the module imports; its export is a period's hazards.
LEDGER = (
    _ledger_column("number", "序号", "No.", lambda r: r.number),
    _ledger_column("found_at", "发现时间", "Found at", lambda r: r.hazard.found_at, cells.moment,
                   required=True),
    _ledger_column("place", "隐患部位", "Place", lambda r: r.hazard.place, required=True),
    _ledger_column("description", "隐患", "Hazard", lambda r: r.hazard.description,
                   required=True),
    _ledger_column("level", "隐患等级", "Level", lambda r: LEVEL_WORDS[r.hazard.level][0],
                   cells.choice(_words(LEVEL_WORDS))),
    _ledger_column("reported_by", "发现人", "Found by", lambda r: r.hazard.reported_by),
    _ledger_column("owner", "整改责任人", "Owner", lambda r: r.owner),
    _ledger_column("deadline", "整改期限", "Deadline", lambda r: r.hazard.deadline, cells.day),
    _ledger_column("fix_note", "整改措施", "What was done",
                   lambda r: r.fix.note if r.fix else ""),
    _ledger_column("fixed_at", "整改完成时间", "Fixed at", lambda r: r.fix.at if r.fix else None,
                   cells.moment),
    _ledger_column("verified_by", "验收人", "Verified by",
                   lambda r: r.passed.by if r.passed else ""),
    _ledger_column("verified_at", "验收时间", "Verified at",
                   lambda r: r.passed.at if r.passed else None, cells.moment),
    _ledger_column("status", "状态", "Status", lambda r: STATUS_WORDS[r.hazard.status][0],
                   cells.choice(_words(STATUS_WORDS))),
)


# --- fire equipment ----------------------------------------------------------------------

# The words a school's sheet uses (the first is what exports write).
KIND_WORDS = {"extinguisher": ("灭火器",), "hydrant": ("室内消火栓", "消火栓"),
              "hose_reel": ("消防软管卷盘", "软管卷盘"), "emergency_light": ("应急照明灯", "应急灯"),
              "exit_sign": ("疏散指示标志", "安全出口标志"), "alarm": ("火灾报警器", "报警器"),
              "sprinkler": ("自动喷水灭火系统", "喷淋")}
AGENT_WORDS = {"water_based": ("水基型", "水型", "泡沫"), "dry_powder": ("干粉",),
               "clean_agent": ("洁净气体",), "co2": ("二氧化碳", "CO2")}
YES_NO = {True: "是", False: "否"}
EQUIPMENT_FIELDS = ("number", "kind", "agent", "capacity", "produced_on", "building_id", "place",
                    "listed_place", "serviced_on")
assert set(KIND_WORDS) == set(EQUIPMENT_KINDS) and set(AGENT_WORDS) == set(AGENTS)


def _kept_equipment() -> dict[str, Equipment]:
    return {e.number: e for e in db.session.scalars(
        select(Equipment).where(Equipment.retired_on.is_(None)))}


class _Known:
    """What an equipment import looks up once, not per row: the pieces in use and the numbers
    of retired ones (which a new piece may not take), and the school's buildings by name."""

    def __init__(self) -> None:
        found = list(db.session.scalars(select(Equipment)))
        self.kept = {e.number: e for e in found if e.retired_on is None}
        self.retired = {e.number for e in found if e.retired_on is not None}
        self.buildings = {b.name: b.id for b in buildings()}

    def building(self, name: str) -> Any:
        name = (name or "").strip()
        if not name:
            return None
        if name not in self.buildings:
            raise RuleBroken(_("no building of the school has this name"), "building_id")
        return self.buildings[name]


def _load_equipment(values: dict[str, Any], known: _Known) -> dict[str, Any]:
    given = {k: v for k, v in values.items() if v is not None and k != "building"}
    given["building_id"] = known.building(values.get("building") or "")
    data = EquipmentSchema(only=EQUIPMENT_FIELDS).load(given)
    if data["number"] in known.retired:
        raise RuleBroken(_("another piece of equipment has this number"), "number")
    if data["number"] not in known.kept:
        equipment.check_fields(data)
    return data


def _write_equipment(rows: list[dict[str, Any]]) -> None:
    for row in rows:
        equipment.create(row)


def _revise_equipment(kept: Equipment, row: dict[str, Any]) -> list[str]:
    return equipment.revise(kept, {k: v for k, v in row.items() if k != "number"})


class _Exported:
    """A piece of equipment as the export reads it, with its building's name looked up once
    for the whole sheet."""

    def __init__(self, piece: Equipment, building: str) -> None:
        self._piece, self.building = piece, building

    def __getattr__(self, name: str) -> Any:
        return getattr(self._piece, name)


def _exported() -> list[_Exported]:
    names = {b.id: b.name for b in buildings()}
    return [_Exported(e, names.get(e.building_id, "")) for e in db.session.scalars(
        select(Equipment).where(Equipment.retired_on.is_(None))
        .order_by(Equipment.kind, Equipment.number))]


EQUIPMENT = Register(
    name="equipment", title=lazy_gettext("Fire equipment"), permission="safety.equipment.manage",
    read_permission="safety.read", list_endpoint="safety_pages.equipment",
    columns=(
        RegisterColumn("number", ("编号", "number"), required=True, value=lambda e: e.number),
        RegisterColumn("kind", ("类别", "kind"), cells.choice(_words(KIND_WORDS)), required=True,
                       value=lambda e: KIND_WORDS[e.kind][0]),
        RegisterColumn("agent", ("灭火剂", "agent"), cells.choice(_words(AGENT_WORDS)),
                       value=lambda e: AGENT_WORDS[e.agent][0] if e.agent else ""),
        RegisterColumn("capacity", ("规格", "capacity"), value=lambda e: e.capacity),
        RegisterColumn("produced_on", ("生产日期", "produced_on"), cells.day,
                       value=lambda e: e.produced_on),
        RegisterColumn("building", ("楼栋", "building"), value=lambda e: e.building),
        RegisterColumn("place", ("位置", "place"), required=True, value=lambda e: e.place),
        RegisterColumn("listed_place", ("半月检查场所", "listed_place"), cells.flag,
                       value=lambda e: YES_NO[e.listed_place]),
        RegisterColumn("serviced_on", ("上次维修日期", "serviced_on"), cells.day,
                       value=lambda e: e.serviced_on),
    ),
    fields={"building_id": "building"},
    key="number", kept=_kept_equipment, revise=_revise_equipment, prepare=_Known,
    load=_load_equipment, write=_write_equipment, rows=_exported)


# --- drills --------------------------------------------------------------------------------

DRILL_WORDS = {"fire": ("火灾疏散", "消防疏散", "消防"), "earthquake": ("地震",), "flood": ("防汛", "洪水"),
               "stampede": ("防踩踏", "踩踏"), "intruder": ("防暴", "反恐防暴", "防范入侵"),
               "other": ("其他",)}
assert set(DRILL_WORDS) == set(DRILL_KINDS)


def _load_drill(values: dict[str, Any], _looked_up: Any) -> tuple[dict, dict]:
    for field in ("scope", "evaluation"):
        if not (values.get(field) or "").strip():
            raise RuleBroken(_("this column is empty"), field)
    planned = DrillSchema(only=("kind", "planned_on", "scope")).load({
        "kind": values.get("kind") or "", "planned_on": values.get("held_on") or "",
        "scope": values.get("scope") or ""})
    held = DrillRecordSchema().load({k: values[k] for k in (
        "held_on", "participants", "evacuation_seconds", "evaluation", "lessons")
        if values.get(k) is not None})
    if held["held_on"] > today():
        raise RuleBroken(_("a day in the future"), "held_on")
    return planned, held


def _write_drills(rows: list[tuple[dict, dict]]) -> None:
    for planned, held in rows:
        drills.record(drills.plan(planned, held=True), held)


DRILLS = Register(
    name="drills", title=lazy_gettext("Drills"), permission="safety.drills.manage",
    read_permission="safety.read", list_endpoint="safety_pages.drills",
    columns=(
        RegisterColumn("kind", ("类别", "kind"), cells.choice(_words(DRILL_WORDS)), required=True,
                       value=lambda d: DRILL_WORDS[d.kind][0]),
        RegisterColumn("held_on", ("演练日期", "held_on"), cells.day, required=True,
                       value=lambda d: d.held_on),
        RegisterColumn("scope", ("参与范围", "scope"), required=True, value=lambda d: d.scope),
        RegisterColumn("participants", ("参与人数", "participants"), cells.whole, required=True,
                       value=lambda d: d.participants),
        RegisterColumn("evacuation_seconds", ("疏散用时(秒)", "evacuation_seconds"), cells.whole,
                       value=lambda d: d.evacuation_seconds),
        RegisterColumn("evaluation", ("效果评估", "evaluation"), required=True,
                       value=lambda d: d.evaluation),
        RegisterColumn("lessons", ("经验教训", "lessons"), value=lambda d: d.lessons),
    ),
    fields={"planned_on": "held_on"},
    load=_load_drill, write=_write_drills,
    # The drills held: a planned one has nothing yet to write in a record of drills.
    rows=lambda: db.session.scalars(select(Drill).where(Drill.held_on.is_not(None))
                                    .order_by(Drill.held_on, Drill.id)))


from .incident_register import INCIDENTS  # noqa: E402

# --- the duty roster -----------------------------------------------------------------------

POST_WORDS = {"leader": ("值班领导", "领导"), "staff": ("值班人员", "值班"),
              "night": ("夜间值守", "夜班", "护校")}
assert set(POST_WORDS) == set(POSTS)


def _staff_by_name() -> dict[str, Any]:
    return {s.name: s.id for s in people.staff(active_only=True)}


def _load_shift(values: dict[str, Any], staff: dict[str, Any]) -> tuple:
    name = (values.get("name") or "").strip()
    if name not in staff:
        raise RuleBroken(_("not on the school's staff"), "name")
    return date.fromisoformat(values["day"]), values["post"], staff[name]


def _write_shifts(rows: list[tuple]) -> None:
    """Each row one person on a post on a day, beside whoever is there already."""
    cells: dict[tuple, list] = {}
    for day, post, staff_id in rows:
        cells.setdefault((day, post), []).append(staff_id)
    if not cells:
        return
    days = [d for d, _p in cells]
    for shift in duty.shifts_between(min(days), max(days)):
        if (shift.day, shift.post) in cells:
            cells[(shift.day, shift.post)].append(shift.staff_id)
    duty.place(cells, "name")


class _Shift:
    """A shift as the export reads it, with its person's name looked up once."""

    def __init__(self, shift: DutyShift, name: str) -> None:
        self.day, self.post, self.name = shift.day, shift.post, name
        self.hours = "" if shift.starts_at is None else "–".join(
            f"{local(m):%H:%M}" for m in (shift.starts_at, shift.ends_at))


def _shifts_between(start: date, end: date) -> list[_Shift]:
    found = duty.shifts_between(start, end)
    names = {s.id: s.name for s in people.staff({s.staff_id for s in found})}
    return [_Shift(s, names.get(s.staff_id, "")) for s in found]


DUTY = Register(
    name="duty", title=lazy_gettext("Duty roster"), permission="safety.duty.manage",
    read_permission="safety.read", list_endpoint="safety_pages.duty_roster",
    columns=(
        RegisterColumn("day", ("日期", "day"), cells.day, required=True, value=lambda s: s.day),
        RegisterColumn("post", ("岗位", "post"), cells.choice(_words(POST_WORDS)), required=True,
                       value=lambda s: POST_WORDS[s.post][0]),
        RegisterColumn("name", ("姓名", "name"), required=True, value=lambda s: s.name),
        RegisterColumn("hours", ("时间", "hours"), value=lambda s: s.hours),
    ),
    prepare=_staff_by_name, load=_load_shift, write=_write_shifts, rows=_shifts_between,
    dated=True, max_days=366)
# --- the gate ------------------------------------------------------------------------------

def _clock(moment: datetime | None) -> str:
    return f"{local(moment):%H:%M}" if moment else ""


VISIT_COLUMNS = (
    SheetColumn(lazy_gettext("Day"), lambda v: v.day),
    SheetColumn(lazy_gettext("Kind"), lambda v: str(VISIT_KIND_TITLES[v.kind])),
    SheetColumn(lazy_gettext("Full name"), lambda v: v.name),
    SheetColumn(lazy_gettext("Phone"), lambda v: v.phone),
    SheetColumn(lazy_gettext("Organisation"), lambda v: v.organisation),
    SheetColumn(lazy_gettext("Reason for the visit"), lambda v: v.reason),
    SheetColumn(lazy_gettext("Visiting"), lambda v: v.host),
    SheetColumn(lazy_gettext("Companions (how many)"), lambda v: v.companions),
    SheetColumn(lazy_gettext("Companions' names"), lambda v: v.companion_names),
    SheetColumn(lazy_gettext("Vehicle plate"), lambda v: v.plate),
    SheetColumn(lazy_gettext("Identity card seen"), lambda v: YES_NO[v.id_checked]),
    SheetColumn(lazy_gettext("Checked in"), lambda v: _clock(v.checked_in_at)),
    SheetColumn(lazy_gettext("Checked in by"), lambda v: v.checked_in_by),
    SheetColumn(lazy_gettext("Checked out"), lambda v: _clock(v.checked_out_at)),
    SheetColumn(lazy_gettext("Checked out by"), lambda v: v.checked_out_by),
    SheetColumn(lazy_gettext("Why they are let in"), lambda v: v.override_note),
)


def _visits_between(start: date, end: date) -> list[Visit]:
    """The visits that came in (announced ones that never came are left out), by day."""
    return list(db.session.scalars(select(Visit).where(
        Visit.day >= start, Visit.day <= end, Visit.checked_in_at.is_not(None))
        .order_by(Visit.day, Visit.checked_in_at, Visit.id)))


def _load_refusal(values: dict[str, Any], _looked_up: Any) -> dict[str, Any]:
    data = GateRefusalSchema().load({k: v for k, v in values.items() if v is not None})
    for field in ("phone",):
        visitors.phone(data.get(field, ""), field)
    if not any((data.get(k) or "").strip() for k in ("name", "phone", "plate")):
        raise RuleBroken(_("a name, a phone or a plate"), "name")
    if data.get("until") is not None and data["until"] < today():
        raise RuleBroken(_("a day in the past"), "until")
    return data


def _write_refusals(rows: list[dict[str, Any]]) -> None:
    for row in rows:
        visitors.refuse(row)


REFUSALS = Register(
    name="gate_refusals", title=lazy_gettext("Refusal list"), permission="safety.gate.refusals",
    read_permission="safety.gate.read", list_endpoint="safety_pages.gate_refusal_list",
    columns=(
        RegisterColumn("name", ("姓名", "name"), value=lambda r: r.name),
        RegisterColumn("phone", ("电话", "phone"), value=lambda r: r.phone),
        RegisterColumn("plate", ("车牌", "plate"), value=lambda r: r.plate),
        RegisterColumn("reason", ("原因", "reason"), required=True, value=lambda r: r.reason),
        RegisterColumn("until", ("截止日期", "until"), cells.day, value=lambda r: r.until),
    ),
    load=_load_refusal, write=_write_refusals,
    # The school's own entries in force; the district's are kept by the schools that hold them.
    rows=lambda: db.session.scalars(select(GateRefusal).where(
        GateRefusal.district_wide.is_(False), GateRefusal.lifted_at.is_(None))
        .order_by(GateRefusal.added_at)))

from .round_registers import CHECKLISTS, ROUNDS  # noqa: E402

REGISTERS = [
    EQUIPMENT,
    CHECKLISTS,
    ROUNDS,
    DRILLS,
    Register(name="hazards", title=lazy_gettext("Hazard register"),
             permission="safety.hazards.manage", read_permission="safety.read",
             columns=LEDGER, rows=_found_between, dated=True, max_days=366,
             prepare=hazard_ledger.LedgerKnown.read, load=hazard_ledger.checked,
             write=hazard_ledger.record, list_endpoint="safety_pages.hazards"),
    INCIDENTS,
    DUTY,
    REFUSALS,
    Register(name="visits", title=lazy_gettext("Visitor log"), permission="safety.gate.read",
             columns=VISIT_COLUMNS, rows=_visits_between, dated=True, max_days=366,
             list_endpoint="safety_pages.gate_log"),
]
