"""The meters and a month's readings as .xlsx (every cell inert: no formulas), and the list
of the energy module's tables for the school file. Each export is audited."""

from __future__ import annotations

from datetime import date

from flask import Response
from sqlalchemy import select

from core.sdk import SheetColumn, _, audit, db, sheet_rows, workbook_bytes, xlsx_download
from core.sdk import lazy_gettext as _l

from .models import KIND_TITLES, READING_KIND_TITLES, Meter, Reading
from .services import day_start, local, usage

METERS = (
    SheetColumn(_l("Meter number"), lambda m: m.number),
    SheetColumn(_l("Kind"), lambda m: str(KIND_TITLES[m.kind])),
    SheetColumn(_l("Unit"), lambda m: m.unit),
    SheetColumn(_l("Building"), lambda m: m.building),
    SheetColumn(_l("Location"), lambda m: m.location),
    SheetColumn(_l("Parent meter"), lambda m: m.parent_number),
    SheetColumn(_l("Dial digits"), lambda m: m.digits),
    SheetColumn(_l("Multiplier"), lambda m: m.multiplier),
    SheetColumn(_l("Installed on"), lambda m: m.installed_on),
    SheetColumn(_l("Retired on"), lambda m: m.retired_on),
)

READINGS = (
    SheetColumn(_l("Meter number"), lambda r: r[1]),
    SheetColumn(_l("Read at"), lambda r: local(r[0].read_at).replace(tzinfo=None)),
    SheetColumn(_l("Reading"), lambda r: r[0].value),
    SheetColumn(_l("Rolled over"), lambda r: _("yes") if r[0].rolled_over else ""),
    SheetColumn(_l("Kind of reading"), lambda r: str(READING_KIND_TITLES[r[0].kind])),
    SheetColumn(_l("Use since the reading before"), lambda r: r[0].used),
    SheetColumn(_l("Note"), lambda r: r[0].note),
    SheetColumn(_l("Recorded by"), lambda r: r[0].recorded_by),
)


def meters_download() -> Response:
    found = db.session.scalars(select(Meter).order_by(Meter.kind, Meter.number)).all()
    numbers = {m.id: m.number for m in found}
    for meter in found:
        meter.parent_number = numbers.get(meter.parent_id, "")
    audit.record("export", "energy.meters", after={"meters": str(len(found))})
    return xlsx_download(workbook_bytes([(_("Meters"), sheet_rows(METERS, found))]),
                         "energy-meters.xlsx")


def readings_download(first: date) -> Response:
    end = usage.month_end(first)
    rows = db.session.execute(
        select(Reading, Meter.number).join(Meter, Meter.id == Reading.meter_id)
        .where(Reading.read_at >= day_start(first),
               Reading.read_at < day_start(usage.day_after(end)))
        .order_by(Meter.number, Reading.read_at)).all()
    month = first.strftime("%Y-%m")
    audit.record("export", "energy.readings", after={"month": month})
    return xlsx_download(workbook_bytes([(_("Readings %(month)s", month=month),
                                          sheet_rows(READINGS, rows))]),
                         f"energy-readings-{month}.xlsx")


TABLES = {"energy_meters": Meter, "energy_readings": Reading}
