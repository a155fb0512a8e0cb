"""A month's readings as .xlsx, written through the readings register's columns (so the
sheet imports back), and the list of the energy module's tables for the school file. The
meters' .xlsx is the register's own export (``/m/energy/registers/meters.xlsx``); core's
register export has no filter, so the readings, which grow every day, go out by month here.
Each export is audited and every cell is inert (a note beginning with ``=`` is text)."""

from __future__ import annotations

from datetime import date

from flask import Response

from core.sdk import _, audit, sheet_cell, workbook_bytes, xlsx_download

from .models import Meter, Reading
from .registers import READINGS, reading_rows
from .services import day_start, usage


def readings_download(first: date) -> Response:
    end = usage.month_end(first)
    rows = reading_rows(day_start(first), day_start(usage.day_after(end)))
    month = first.strftime("%Y-%m")
    audit.record("export", "energy.readings", after={"month": month})
    sheet = [[c.headers[0] for c in READINGS.columns],
             *([sheet_cell(c.value(row)) for c in READINGS.columns] for row in rows)]
    return xlsx_download(workbook_bytes([(_("Readings %(month)s", month=month), sheet)]),
                         f"energy-readings-{month}.xlsx")


TABLES = {"energy_meters": Meter, "energy_readings": Reading}
