"""Spreadsheets out: the .xlsx (and CSV) writing every register and report export shares.
Callers decide what goes in and record the export in the audit trail; this module writes the
cells the same way everywhere (times in the school's own zone, amounts exact) and sends the file.

Every text goes out inert: a spreadsheet program runs a cell that begins with ``=``, ``+``,
``-`` or ``@`` (or a tab or carriage return before one) as a formula, so a name stored as
``=HYPERLINK(...)`` would become a live link in the finance clerk's copy. In a CSV such a
text is written with a leading apostrophe (OWASP's advice for CSV injection); in an .xlsx it
is a string cell marked with the quote prefix, its text unchanged. Numbers, decimals and
dates stay typed values (a refund of -12.50 stays a number), and so does a text that is only
a signed number.
Characters a sheet cannot hold, stored before they were refused, are left out rather than
failing the whole export."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from flask import Response, send_file
from openpyxl import Workbook
from openpyxl.cell.cell import ERROR_CODES, WriteOnlyCell
from openpyxl.cell.cell import TYPE_STRING as STRING_CELL

from core.tenancy import current_tenant
from core.text import holdable

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV = "text/csv"
MAX_SHEET_TITLE = 31  # Excel refuses longer sheet names
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_SIGNED_NUMBER = re.compile(r"[+-]?[0-9]+(\.[0-9]+)?\Z")


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


def inert_text(text: str) -> str:
    """A text as an export writes it: without characters a sheet cannot hold, and with an
    apostrophe before a beginning that a spreadsheet program would run as a formula. A text
    that is only a signed number ("-2", a quantity written out exactly) runs nothing and is
    left as it is."""
    text = holdable(text)
    return "'" + text if runs_as_formula(text) else text


def runs_as_formula(text: str) -> bool:
    """Whether a spreadsheet program would run ``text`` as a formula if it were typed in."""
    return text.startswith(FORMULA_STARTS) and not _SIGNED_NUMBER.match(text)


def _xlsx_cell(sheet, value: Any) -> Any:
    if not isinstance(value, str):
        return value
    text = holdable(value)
    runnable = runs_as_formula(text)
    if not runnable and text not in ERROR_CODES:
        return text  # openpyxl writes any other text that does not begin with "=" as a string
    # A string cell is never calculated, so the text goes out exactly as stored (and imports
    # back unchanged); the quote prefix keeps the spreadsheet program from turning it into a
    # formula when someone edits the cell. "#N/A" typed by a person is their text too.
    cell = WriteOnlyCell(sheet, text)
    cell.data_type = STRING_CELL
    if runnable:
        cell.quotePrefix = True
    return cell


def workbook_bytes(sheets: Iterable[tuple[str, Iterable[Sequence[Any]]]]) -> bytes:
    """An .xlsx file with one sheet per (title, rows), written as it streams."""
    workbook = Workbook(write_only=True)
    for title, rows in sheets:
        sheet = workbook.create_sheet(str(title)[:MAX_SHEET_TITLE])
        for row in rows:
            sheet.append([_xlsx_cell(sheet, value) for value in row])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def csv_bytes(rows: Iterable[Sequence[Any]]) -> bytes:
    """A CSV file of the rows (UTF-8 with the byte-order mark Excel needs to read Chinese),
    each text made inert as in the .xlsx."""
    out = io.StringIO()
    writer = csv.writer(out)
    for row in rows:
        writer.writerow([inert_text(value) if isinstance(value, str) else value
                         for value in row])
    return out.getvalue().encode("utf-8-sig")


def xlsx_download(content: bytes, filename: str) -> Response:
    """The file as a download named ``filename``."""
    return send_file(io.BytesIO(content), mimetype=XLSX, as_attachment=True,
                     download_name=filename)


def csv_download(content: bytes, filename: str) -> Response:
    return send_file(io.BytesIO(content), mimetype=CSV, as_attachment=True,
                     download_name=filename)
