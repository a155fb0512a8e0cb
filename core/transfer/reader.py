"""Checking that an upload is a spreadsheet, and reading one, within the import limits.

Two steps, at two places. The web request only checks what is cheap (size, the kind of file
by its first bytes, the zip's directory) and stores the file; the import job reads it, as a
stream, refusing anything beyond the limits as soon as it shows. Neither step holds more
than the limits allow, whatever the file claims about itself.
"""

from __future__ import annotations

import codecs
import csv
import io
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from flask import current_app
from flask_babel import gettext as _

from core.rules import RuleBroken
from core.transfer.xlsx import Refused, XlsxLimits, check_archive, read_rows

OLD_XLS = b"\xd0\xcf\x11\xe0"
ZIP = b"PK\x03\x04"
# How much of a .csv the web request decodes to tell text from anything else.
SNIFF_BYTES = 64 * 1024
# Excel on a Chinese Windows saves CSV in GB18030 (GBK); everything else in UTF-8.
CSV_ENCODINGS = ("utf-8-sig", "gb18030")


class UploadRefused(RuleBroken):
    def __init__(self, message: str, status: int = 422) -> None:
        super().__init__(message, "file", status)


def import_limits() -> XlsxLimits:
    config = current_app.config
    return XlsxLimits(rows=config["IMPORT_MAX_ROWS"], columns=config["IMPORT_MAX_COLUMNS"],
                      cell_chars=config["IMPORT_MAX_CELL_CHARS"],
                      members=config["IMPORT_MAX_ZIP_MEMBERS"],
                      unzipped_bytes=config["IMPORT_MAX_UNZIPPED_BYTES"],
                      ratio=config["IMPORT_MAX_ZIP_RATIO"])


def check_upload(filename: str, content: bytes, max_bytes: int, limits: XlsxLimits) -> str:
    """``xlsx`` or ``csv`` after the cheap checks, or refused naming the field ``file``."""
    if len(content) > max_bytes:
        raise UploadRefused(_("the file is larger than %(mb)s MB", mb=max_bytes // 1_000_000),
                            status=413)
    if not content:
        raise UploadRefused(_("the file is empty"))
    if content.startswith(OLD_XLS):
        raise UploadRefused(_("this is an old .xls file: save it as .xlsx and upload that"))
    if content.startswith(ZIP):
        with _archive(content) as archive:
            try:
                check_archive(archive, limits)
            except Refused as exc:
                raise UploadRefused(str(exc)) from exc
        return "xlsx"
    if filename.lower().endswith(".csv"):
        _csv_encoding(content[:SNIFF_BYTES], final=len(content) <= SNIFF_BYTES)
        return "csv"
    raise UploadRefused(_("upload an .xlsx or a .csv file"))


def read_table(filename: str, content: bytes, max_bytes: int, limits: XlsxLimits,
               columns: Callable[[list[Any]], Iterable[int]] | None = None,
               ) -> tuple[list[Any], list[Any]]:
    """The header row and the data rows (the sheet's rows 2, 3, ...; empty ones as ()).

    ``columns(header row)`` picks the positions the caller reads; every row then keeps only
    those, in that order, so what is held follows what is imported, not the file's width.
    """
    kind = check_upload(filename, content, max_bytes, limits)
    rows: list[Any] = []
    chosen: list[int] | None = None

    def place(number: int, values: list[Any]) -> None:
        nonlocal chosen
        if number == 1:
            chosen = None if columns is None else list(columns(values))
        elif not rows:  # the first row that holds anything is not the first row
            raise Refused(_("the file has no header row"))
        if chosen is not None:
            values = [values[i] if i < len(values) else None for i in chosen]
        _place(rows, number, values)

    try:
        if kind == "xlsx":
            with _archive(content) as archive:
                for number, values in read_rows(archive, limits):
                    place(number, values)
        else:
            for number, values in _csv_rows(content, limits):
                place(number, values)
    except Refused as exc:
        raise UploadRefused(str(exc)) from exc
    except (zipfile.BadZipFile, zlib.error, EOFError, KeyError, NotImplementedError,
            RuntimeError) as exc:  # a part that does not inflate as its directory says
        raise UploadRefused(_("the .xlsx file is damaged and cannot be read")) from exc
    if not rows:
        raise UploadRefused(_("the file has no header row"))
    return list(rows[0]), rows[1:]


def _place(rows: list[Any], number: int, values: list[Any]) -> None:
    """Put sheet row ``number`` at index ``number - 1``, so row numbers stay the sheet's."""
    if number <= len(rows):  # a row given twice (a damaged file): its cells are not trusted
        raise Refused(_("the .xlsx file is damaged and cannot be read"))
    rows.extend([()] * (number - 1 - len(rows)))
    rows.append(values)


def _archive(content: bytes) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(io.BytesIO(content))
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise UploadRefused(_("the .xlsx file is damaged and cannot be read")) from exc


def _csv_encoding(content: bytes, final: bool = True) -> str:
    if content.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        # What Excel saves as "Unicode text": the person can save it again as CSV.
        raise UploadRefused(_("the .csv file is UTF-16 text; in Excel, save it as "
                              "\"CSV UTF-8 (comma delimited)\" and upload that"))
    if b"\x00" in content:
        raise UploadRefused(_("this is not a text (.csv) file"))
    for encoding in CSV_ENCODINGS:
        decoder = codecs.getincrementaldecoder(encoding)()
        try:  # in slices: telling the encoding never holds the whole file as text
            for start in range(0, len(content), SNIFF_BYTES):
                decoder.decode(content[start:start + SNIFF_BYTES])
            decoder.decode(b"", final)
            return encoding
        except UnicodeDecodeError:
            continue
    raise UploadRefused(_("the .csv file is neither UTF-8 nor GB18030 text"))


def _csv_rows(content: bytes, limits: XlsxLimits) -> Iterator[tuple[int, list[str]]]:
    encoding = _csv_encoding(content)
    text = io.TextIOWrapper(io.BytesIO(content), encoding=encoding, newline="")
    reader = csv.reader(_bounded_lines(text, limits))
    try:
        for number, row in enumerate(reader, start=1):
            while row and not row[-1]:
                row.pop()
            if not row:
                continue
            if number > limits.rows + 1:
                raise Refused(_("the file has more than %(rows)s rows; split it",
                                rows=limits.rows))
            if len(row) > limits.columns:
                raise Refused(_("row %(row)s has more than %(n)s columns", row=number,
                                n=limits.columns))
            for column, cell in enumerate(row, start=1):
                if len(cell) > limits.cell_chars:
                    raise Refused(_("row %(row)s, column %(column)s holds more than %(n)s "
                                    "characters", row=number, column=column,
                                    n=limits.cell_chars))
            yield number, row
    except csv.Error as exc:
        raise Refused(_("the .csv file cannot be read from line %(line)s on (a quote that "
                        "does not close, or a cell too long)", line=reader.line_num)) from exc


def _bounded_lines(text: Iterable[str], limits: XlsxLimits) -> Iterator[str]:
    """The file's lines, refused before the csv reader splits one into more cells than any
    row may have: a line of millions of commas would become millions of cells in memory.
    A comma inside a quoted cell counts too, so the bound leaves room for one cell of them."""
    most = limits.columns + limits.cell_chars
    for number, line in enumerate(text, start=1):
        if line.count(",") > most:
            raise Refused(_("row %(row)s has more than %(n)s columns", row=number,
                            n=limits.columns))
        yield line
