"""Reading an uploaded spreadsheet, after checking that it is one."""

from __future__ import annotations

import csv
import io
import zipfile
from typing import Any

from flask_babel import gettext as _

from core.rules import RuleBroken

MAX_ROWS = 20_000


class UploadRefused(RuleBroken):
    def __init__(self, message: str, status: int = 422) -> None:
        super().__init__(message, "file", status)


def read_table(filename: str, content: bytes, max_bytes: int) -> tuple[list[Any], list[list[Any]]]:
    """The header row and the data rows of an .xlsx (first sheet) or .csv file."""
    if len(content) > max_bytes:
        raise UploadRefused(_("the file is larger than %(mb)s MB", mb=max_bytes // 1_000_000), status=413)
    if not content:
        raise UploadRefused(_("the file is empty"))
    name = filename.lower()
    if content.startswith(b"\xd0\xcf\x11\xe0"):
        raise UploadRefused(_("this is an old .xls file: save it as .xlsx and upload that"))
    if content.startswith(b"PK\x03\x04"):
        rows = _xlsx_rows(content)
    elif name.endswith(".csv"):
        rows = _csv_rows(content)
    else:
        raise UploadRefused(_("upload an .xlsx or a .csv file"))
    if not rows:
        raise UploadRefused(_("the file has no header row"))
    if len(rows) - 1 > MAX_ROWS:
        raise UploadRefused(_("the file has more than %(rows)s rows; split it", rows=MAX_ROWS))
    return list(rows[0]), [list(row) for row in rows[1:]]


def _xlsx_rows(content: bytes) -> list[tuple]:
    from openpyxl import load_workbook

    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            if "xl/workbook.xml" not in archive.namelist():
                raise UploadRefused(_("this is a zip file, not an .xlsx spreadsheet"))
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except UploadRefused:
        raise
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise UploadRefused(_("the .xlsx file is damaged and cannot be read")) from exc
    try:
        return list(workbook.worksheets[0].iter_rows(values_only=True, max_row=MAX_ROWS + 2))
    finally:
        workbook.close()


def _csv_rows(content: bytes) -> list[list[str]]:
    if b"\x00" in content:
        raise UploadRefused(_("this is not a text (.csv) file"))
    # Excel on a Chinese Windows saves CSV in GB18030 (GBK); everything else in UTF-8.
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise UploadRefused(_("the .csv file is neither UTF-8 nor GB18030 text"))
    return list(csv.reader(io.StringIO(text)))
