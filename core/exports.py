"""Spreadsheets out: the .xlsx writing every register and report export shares. Callers
decide what goes in and record the export in the audit trail; this module writes the cells
the same way everywhere (times in the school's own zone, amounts exact) and sends the file."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from flask import Response, send_file
from openpyxl import Workbook

from core.tenancy import current_tenant

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_SHEET_TITLE = 31  # Excel refuses longer sheet names


@dataclass(frozen=True)
class SheetColumn:
    """One column of an exported sheet: its header and how a row gives its value."""

    title: Any  # a lazy string, translated when the sheet is written
    value: Callable[[Any], Any]


def sheet_cell(value: Any) -> Any:
    """A value as a spreadsheet cell: a stored UTC moment in the school's wall-clock time
    (spreadsheets know no zones), a list joined with 、, numbers kept exact (a Decimal
    stays a Decimal), anything else as text."""
    if isinstance(value, datetime):
        tenant = current_tenant()
        zone = ZoneInfo(tenant.timezone if tenant else "Asia/Shanghai")
        return value.astimezone(zone).replace(tzinfo=None)
    if isinstance(value, (list, tuple)):
        return "、".join(str(v) for v in value)
    if value is None or isinstance(value, (int, float, Decimal, date, str)):
        return value
    return str(value)


def sheet_rows(columns: Sequence[SheetColumn], rows: Iterable[Any]) -> Iterator[list[Any]]:
    """The header, then one list of cells per row."""
    yield [str(column.title) for column in columns]
    for row in rows:
        yield [sheet_cell(column.value(row)) for column in columns]


def workbook_bytes(sheets: Iterable[tuple[str, Iterable[Sequence[Any]]]]) -> bytes:
    """An .xlsx file with one sheet per (title, rows), written as it streams."""
    workbook = Workbook(write_only=True)
    for title, rows in sheets:
        sheet = workbook.create_sheet(str(title)[:MAX_SHEET_TITLE])
        for row in rows:
            sheet.append(list(row))
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def xlsx_download(content: bytes, filename: str) -> Response:
    """The file as a download named ``filename``."""
    return send_file(io.BytesIO(content), mimetype=XLSX, as_attachment=True,
                     download_name=filename)
