"""Readings from an .xlsx: one row a reading (meter number, read at, reading, rolled over,
note), each checked as if entered by hand, in a savepoint of its own so a refused row leaves
nothing behind and the good rows are kept. A dry run checks every row and keeps none.

Core's import machinery (preview, job, progress bar) is not reachable through the SDK yet:
this small reader stands in until the importer hook of issue 15 lands, and is bounded the
same way (the file's size and its rows)."""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation

from marshmallow import ValidationError
from openpyxl import load_workbook
from sqlalchemy import select

from core.sdk import RuleBroken, _, db

from ..models import Meter
from ..schemas import ReadingSchema
from . import readings

MAX_BYTES = 2_000_000
MAX_ROWS = 2000
TRUE = {"1", "y", "yes", "true", "是", "√", "✓"}


@dataclass
class RefusedRow:
    row: int
    meter: str
    errors: dict[str, str]


@dataclass
class Imported:
    kept: int = 0
    refused: list[RefusedRow] = field(default_factory=list)


def _rows(content: bytes) -> list[tuple]:
    if not content:
        raise RuleBroken(_("the file is empty"), "file")
    if len(content) > MAX_BYTES:
        raise RuleBroken(_("the file is larger than %(mb)s MB", mb=MAX_BYTES // 1_000_000),
                         "file", status=413)
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            # A sheet that inflates far beyond its file is refused before it is read.
            if sum(info.file_size for info in archive.infolist()) > 40 * MAX_BYTES:
                raise RuleBroken(_("the file unpacks to too much"), "file", status=413)
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError):
        raise RuleBroken(_("an .xlsx file"), "file", status=415) from None
    rows = []
    for number, row in enumerate(book.worksheets[0].iter_rows(values_only=True), start=1):
        if number > MAX_ROWS + 1:
            raise RuleBroken(_("at most %(num)s rows", num=MAX_ROWS), "file", status=413)
        rows.append(row)
    book.close()
    return rows


def _moment(value) -> datetime | str:
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return datetime.combine(value, time(8))
    return str(value or "").strip()


def read(content: bytes, keep: bool) -> Imported:
    rows = _rows(content)
    numbers = {number: meter_id for meter_id, number in
               db.session.execute(select(Meter.id, Meter.number))}
    outcome = Imported()
    for line, row in enumerate(rows[1:], start=2):  # the first row is the heading
        cells = [*row, None, None, None, None, None][:5]
        if all(cell in (None, "") for cell in cells):
            continue
        number = str(cells[0] or "").strip()
        try:
            if number not in numbers:
                raise RuleBroken(_("no meter has this number"), "meter")
            value = cells[2]
            if isinstance(value, float):  # a spreadsheet's number, read as it shows
                value = Decimal(str(value))
            data = ReadingSchema().load({
                "read_at": (_moment(cells[1]).isoformat() if isinstance(_moment(cells[1]),
                                                                        datetime)
                            else _moment(cells[1])),
                "value": str(value if value is not None else ""),
                "rolled_over": str(cells[3] or "").strip().lower() in TRUE,
                "note": str(cells[4] or "").strip()})
            with db.session.begin_nested():
                readings.record(numbers[number], data)
            outcome.kept += 1
        except ValidationError as exc:
            outcome.refused.append(RefusedRow(line, number, {
                key: " ".join(str(m) for m in (msgs if isinstance(msgs, list) else [msgs]))
                for key, msgs in exc.normalized_messages().items()}))
        except (RuleBroken, InvalidOperation) as exc:
            outcome.refused.append(RefusedRow(line, number, {
                getattr(exc, "field", "value"): str(exc)}))
    if not keep:
        db.session.rollback()
    return outcome
