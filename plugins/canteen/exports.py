"""Every canteen record type is exportable: each area registers its register here (a title, its
columns and the rows of a period), and one route turns any of them into .xlsx."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from flask import Response, send_file
from flask_babel import gettext as _
from openpyxl import Workbook

from core.sdk import RuleBroken, audit

from . import services

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class Column:
    title: Any  # a lazy string, translated when the sheet is written
    value: Callable[[Any], Any]


@dataclass(frozen=True)
class Register:
    name: str
    title: Any
    columns: tuple[Column, ...]
    rows: Callable[[date, date], Iterable[Any]]  # the records of the days start..end
    # A register of a part the school can switch off (the tuck shop) is refused while it is off.
    available: Callable[[], bool] = lambda: True
    # A register compiled from other records (the daily reports) is built day by day: it is
    # left out of the school's data export and asked for a bounded period.
    derived: bool = False


REGISTERS: dict[str, Register] = {}
MAX_DERIVED_DAYS = 366


def register(found: Register) -> Register:
    REGISTERS[found.name] = found
    return found


def _cell(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(services.school_zone()).replace(tzinfo=None)
    if isinstance(value, (list, tuple)):
        return "、".join(str(v) for v in value)
    if value is None or isinstance(value, (int, float, Decimal, date, str)):  # Decimal: exact
        return value
    return str(value)


def sheet_rows(name: str, start: date, end: date) -> Iterable[list[Any]]:
    """The header and the rows of one register, in the school's time."""
    found = REGISTERS[name]
    yield [str(column.title) for column in found.columns]
    if not found.available():
        return
    for row in found.rows(start, end):
        yield [_cell(column.value(row)) for column in found.columns]


def to_xlsx(name: str, start: date, end: date) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(name[:31])
    for row in sheet_rows(name, start, end):
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def xlsx_response(name: str, start: date, end: date) -> Response:
    """The register as a download, the export audited (the API and the pages both use it)."""
    if name not in REGISTERS or not REGISTERS[name].available():
        raise RuleBroken(_("no register %(name)s (one of %(names)s)", name=name,
                           names=", ".join(sorted(n for n, r in REGISTERS.items()
                                                  if r.available()))), "name", status=404)
    if end < start:
        raise RuleBroken(_("the end lies before the start"), "end")
    if REGISTERS[name].derived and (end - start).days >= MAX_DERIVED_DAYS:
        raise RuleBroken(_("ask for at most %(days)s days", days=MAX_DERIVED_DAYS), "end")
    audit.record("export", f"canteen.{name}", after={"start": start.isoformat(),
                                                      "end": end.isoformat()})
    return send_file(io.BytesIO(to_xlsx(name, start, end)), mimetype=XLSX, as_attachment=True,
                     download_name=f"canteen-{name}-{start.isoformat()}-{end.isoformat()}.xlsx")
