"""The meters and their readings as registers (``houqin_registers``): core's import checks
each row of an .xlsx or CSV (preview, per-row errors by column, a job with its progress bar)
and the same columns give the .xlsx export, so an exported sheet imports back.

A reading depends on the meter's reading before it, which may be the row above in the same
file, so each row is recorded as it is checked, in a savepoint of its own: a refused row
leaves nothing behind and names its field (``value`` lower without "rolled over", ``read_at``
in the future or out of order, ``rolled_over`` on a figure that did not roll over), and a
preview's writes are rolled back by core with the rest. Meters are set up the same way, so a
sub-meter may name a parent set up a few rows above it."""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from core.sdk import Register, RegisterColumn, RuleBroken, _, cells, db, lazy_gettext

from .models import READING_KIND_TITLES, Meter, Reading
from .places import building_named
from .schemas import MeterSchema, ReadingSchema
from .services import meters, readings

# The words a kind is written as, to its code (the export writes the first).
KIND_WORDS = {"water": ("水", "water", "自来水"), "electricity": ("电", "electricity", "用电"),
              "gas": ("燃气", "gas", "天然气")}
YES = "是"


def _moment(value: Any) -> str | None:
    """A time of reading: a date-and-time cell, a date cell (08:00 that day), or text."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.replace(microsecond=0).isoformat()
    if isinstance(value, date):
        return datetime.combine(value, time(8)).isoformat()
    return cells.text(value).replace("/", "-")


def _figure(value: Any) -> str | None:
    """A dial's figure as shown: a number cell read as its text (112.25, never 112.2499…)."""
    if value is None or value == "":
        return None
    if isinstance(value, float):
        return str(Decimal(str(value)))
    return cells.text(value)


def _as_is(value: Any) -> Any:
    return value


def _numbers() -> dict[str, Any]:
    return {number: meter_id for number, meter_id in
            db.session.execute(select(Meter.number, Meter.id))}


# --- readings -------------------------------------------------------------------------------

def _load_reading(values: dict[str, Any], numbers: dict[str, Any]) -> Reading:
    number = values.get("meter") or ""
    if number not in numbers:
        raise RuleBroken(_("no meter has this number"), "meter")
    data = ReadingSchema(only=("read_at", "value", "rolled_over", "note")).load({
        "read_at": values.get("read_at") or "", "value": values.get("value") or "",
        "rolled_over": bool(values.get("rolled_over")), "note": values.get("note") or ""})
    with db.session.begin_nested():
        return readings.record(numbers[number], data)


def _write_readings(rows: list[Reading]) -> None:
    db.session.flush()  # each reading was recorded as its row was checked


def reading_rows(start: datetime, end: datetime) -> list[tuple[Reading, str]]:
    """The readings taken from ``start`` up to ``end``, each with its meter's number: what
    the month's export writes through the register's columns."""
    return db.session.execute(
        select(Reading, Meter.number).join(Meter, Meter.id == Reading.meter_id)
        .where(Reading.read_at >= start, Reading.read_at < end)
        .order_by(Meter.number, Reading.read_at)).all()


READINGS = Register(
    name="readings", title=lazy_gettext("Meter readings"), permission="energy.readings.write",
    read_permission="energy.read", list_endpoint="energy_pages.meters",
    fields={"meter_id": "meter"},
    columns=(
        RegisterColumn("meter", ("表号", "meter number"), required=True,
                       value=lambda r: r[1]),
        RegisterColumn("read_at", ("抄表时间", "read at"), _moment, required=True,
                       value=lambda r: r[0].read_at),  # on the school's clock
        RegisterColumn("value", ("读数", "reading"), _figure, required=True,
                       value=lambda r: r[0].value),
        RegisterColumn("rolled_over", ("翻转", "rolled over"), cells.flag,
                       value=lambda r: YES if r[0].rolled_over else ""),
        RegisterColumn("note", ("备注", "note"), value=lambda r: r[0].note),
        # What the export shows and an import of it passes over.
        RegisterColumn("reading_kind", ("读数类型", "kind of reading"), _as_is,
                       value=lambda r: str(READING_KIND_TITLES[r[0].kind])),
        RegisterColumn("used", ("用量", "use since the reading before"), _as_is,
                       value=lambda r: r[0].used),
        RegisterColumn("recorded_by", ("抄表人", "recorded by"), _as_is,
                       value=lambda r: r[0].recorded_by),
    ),
    prepare=_numbers, load=_load_reading, write=_write_readings,
    # Every reading ever taken is too long a sheet to offer as one link: the export is by
    # month (exports.readings_download), with these columns.
    rows=None)


# --- meters ---------------------------------------------------------------------------------

def _load_meter(values: dict[str, Any], numbers: dict[str, Any]) -> Meter:
    parent = values.get("parent") or ""
    if parent and parent not in numbers:
        raise RuleBroken(_("no meter has this number"), "parent")
    building_id = building_named(cells.text(values.get("building") or ""))
    data = MeterSchema(only=("number", "kind", "building_id", "location", "parent_id",
                             "digits", "multiplier", "installed_on")).load({
        key: value for key, value in {
            "number": values.get("number") or "", "kind": values.get("kind") or "",
            "building_id": str(building_id) if building_id else None,
            "location": values.get("location") or "",
            "parent_id": str(numbers[parent]) if parent else None,
            "digits": values.get("digits"), "multiplier": values.get("multiplier"),
            "installed_on": values.get("installed_on") or ""}.items() if value is not None})
    with db.session.begin_nested():
        meter = meters.create(data)
    numbers[meter.number] = meter.id
    return meter


def _meter_rows():
    found = db.session.scalars(select(Meter).order_by(Meter.kind, Meter.number)).all()
    numbers = {m.id: m.number for m in found}
    return [(meter, numbers.get(meter.parent_id, "")) for meter in found]


METERS = Register(
    name="meters", title=lazy_gettext("Meters"), permission="energy.meters.manage",
    read_permission="energy.read", list_endpoint="energy_pages.meters",
    fields={"parent_id": "parent"},
    columns=(
        RegisterColumn("number", ("表号", "meter number"), required=True,
                       value=lambda m: m[0].number),
        RegisterColumn("kind", ("类型", "kind"), cells.choice(
            {word: code for code, words in KIND_WORDS.items() for word in words}),
            required=True, value=lambda m: KIND_WORDS[m[0].kind][0]),
        # The building by the name core keeps for it: an import names one of the school's.
        RegisterColumn("building", ("楼栋", "building"), value=lambda m: m[0].building),
        RegisterColumn("location", ("位置", "location"), value=lambda m: m[0].location),
        RegisterColumn("parent", ("上级表号", "parent meter"), value=lambda m: m[1]),
        RegisterColumn("digits", ("表盘位数", "dial digits"), cells.whole, required=True,
                       value=lambda m: m[0].digits),
        RegisterColumn("multiplier", ("倍率", "multiplier"), cells.whole,
                       value=lambda m: m[0].multiplier),
        RegisterColumn("installed_on", ("安装日期", "installed on"), cells.day, required=True,
                       value=lambda m: m[0].installed_on),
        RegisterColumn("retired_on", ("停用日期", "retired on"), _as_is,
                       value=lambda m: m[0].retired_on),
    ),
    prepare=_numbers, load=_load_meter, write=lambda rows: db.session.flush(),
    rows=_meter_rows)

REGISTERS = [METERS, READINGS]
