"""The first sheet of an .xlsx file, read as a stream with every size bounded.

An .xlsx is a zip of XML parts. This reader inflates only the parts it needs (the workbook,
its relations, the styles, the shared strings and the first sheet) in small chunks through
expat, counting the bytes actually inflated, and never builds a cell it does not need: a
declared dimension is ignored, cells without a value are skipped, and a value beyond the
allowed rows or columns ends the read at once. Memory therefore follows what the file really
holds, within the limits, never what its headers or its dimension claim. (openpyxl, even
read-only, pads every row out to the declared dimension and trusts the zip's sizes.)
"""

from __future__ import annotations

import re
import zipfile
from array import array
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from xml.parsers import expat

from flask_babel import gettext as _
from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format
from openpyxl.utils.datetime import CALENDAR_MAC_1904, CALENDAR_WINDOWS_1900, from_excel

CHUNK = 64 * 1024
# A part that inflates to less than this is never a bomb, whatever its ratio.
RATIO_FLOOR = 1_000_000
# The most XML between two ">" that a sheet needs: a full cell of text, escaped.
MAX_TOKEN = 1_000_000
_CELL = re.compile(r"^([A-Z]{1,3})([0-9]{1,7})$")
_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")


class Refused(Exception):
    """The file is hostile or beyond the limits; the message says why, for a person."""


@dataclass(frozen=True)
class XlsxLimits:
    rows: int
    columns: int
    cell_chars: int
    members: int
    unzipped_bytes: int
    ratio: int


def check_archive(archive: zipfile.ZipFile, limits: XlsxLimits) -> None:
    """What the zip's central directory tells without inflating anything."""
    members = archive.infolist()
    if len(members) > limits.members:
        raise Refused(_("the .xlsx file holds more than %(n)s parts", n=limits.members))
    names = {m.filename for m in members}
    if "xl/workbook.xml" not in names:
        raise Refused(_("this is a zip file, not an .xlsx spreadsheet"))
    if any(n.startswith("xl/externalLinks/") for n in names):
        raise Refused(_("the .xlsx file links to other workbooks; save it without the links"))
    if sum(m.file_size for m in members) > limits.unzipped_bytes:
        raise _too_big(limits)
    for member in members:
        if member.file_size > RATIO_FLOOR and member.file_size > limits.ratio * max(
                member.compress_size, 1):
            raise _bomb()


def _too_big(limits: XlsxLimits) -> Refused:
    return Refused(_("the .xlsx file unpacks to more than %(mb)s MB",
                     mb=limits.unzipped_bytes // 1_000_000))


def _bomb() -> Refused:
    return Refused(_("the .xlsx file is compressed suspiciously well (a zip bomb?)"))


class _Inflater:
    """Inflates parts of the archive, counting every byte against the limits."""

    def __init__(self, archive: zipfile.ZipFile, limits: XlsxLimits) -> None:
        self.archive, self.limits, self.total = archive, limits, 0

    def chunks(self, name: str) -> Iterator[bytes]:
        info = self.archive.getinfo(name)
        inflated = 0
        with self.archive.open(info) as part:
            while chunk := part.read(CHUNK):
                inflated += len(chunk)
                self.total += len(chunk)
                if self.total > self.limits.unzipped_bytes:
                    raise _too_big(self.limits)
                if inflated > RATIO_FLOOR and inflated > self.limits.ratio * max(
                        info.compress_size, 1):
                    raise _bomb()
                yield chunk


def _local(name: str) -> str:
    return name.rsplit(" ", 1)[-1]


def _no_dtd(*_args: Any) -> None:
    # A DTD is how entity expansion ("billion laughs") gets in; spreadsheets never need one.
    raise Refused(_("the .xlsx file declares a DTD, which a spreadsheet never needs"))


class _Parser:
    """An expat parser fed chunk by chunk, that refuses any DTD."""

    def __init__(self, start: Callable, end: Callable | None = None,
                 text: Callable | None = None) -> None:
        parser = expat.ParserCreate(namespace_separator=" ")
        parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
        parser.StartDoctypeDeclHandler = _no_dtd
        parser.EntityDeclHandler = _no_dtd
        parser.ExternalEntityRefHandler = _no_dtd
        parser.StartElementHandler = start
        if end is not None:
            parser.EndElementHandler = end
        if text is not None:
            parser.CharacterDataHandler = text
        parser.buffer_text = True
        self.parser = parser
        self.open_bytes = 0

    def feed(self, chunk: bytes, final: bool = False) -> None:
        # expat holds a whole tag before it hands it over: a tag of megabytes (a giant
        # attribute) would be held whole, so a long stretch without any ">" ends the read.
        end = chunk.rfind(b">")
        self.open_bytes = self.open_bytes + len(chunk) if end == -1 else len(chunk) - end - 1
        if self.open_bytes > MAX_TOKEN:
            raise Refused(_("the .xlsx file is damaged and cannot be read"))
        try:
            self.parser.Parse(chunk, final)
        except expat.ExpatError as exc:
            raise Refused(_("the .xlsx file is damaged and cannot be read")) from exc


def _parse(inflater: _Inflater, name: str, start: Callable, end: Callable | None = None,
           text: Callable | None = None) -> None:
    parser = _Parser(start, end, text)
    for chunk in inflater.chunks(name):
        parser.feed(chunk)
    parser.feed(b"", final=True)


def _relations(inflater: _Inflater, name: str) -> dict[str, tuple[str, str]]:
    """A part's relations: id to (type, target part)."""
    found: dict[str, tuple[str, str]] = {}

    def start(tag: str, attrs: dict[str, str]) -> None:
        if _local(tag) == "Relationship" and "Id" in attrs:
            target = attrs.get("Target", "")
            target = target.lstrip("/") if target.startswith("/") else "xl/" + target
            found[attrs["Id"]] = (attrs.get("Type", "").rsplit("/", 1)[-1], target)

    if name in inflater.archive.NameToInfo:
        _parse(inflater, name, start)
    return found


class Workbook:
    """Where the first sheet and the shared strings are, and how dates are counted."""

    def __init__(self, inflater: _Inflater) -> None:
        self.sheet_rel: str | None = None
        self.epoch = CALENDAR_WINDOWS_1900

        def start(tag: str, attrs: dict[str, str]) -> None:
            name = _local(tag)
            if name == "sheet" and self.sheet_rel is None:
                # The relation id, in the transitional or the strict namespace.
                self.sheet_rel = next((v for k, v in attrs.items() if k.endswith(" id")), None)
            elif name == "workbookPr" and attrs.get("date1904") in ("1", "true"):
                self.epoch = CALENDAR_MAC_1904

        _parse(inflater, "xl/workbook.xml", start)
        relations = _relations(inflater, "xl/_rels/workbook.xml.rels")
        names = inflater.archive.NameToInfo
        sheet = relations.get(self.sheet_rel or "", ("", "xl/worksheets/sheet1.xml"))[1]
        if sheet not in names:
            raise Refused(_("the .xlsx file has no sheet"))
        self.sheet = sheet
        by_type = {kind: target for kind, target in relations.values()}
        self.strings = by_type.get("sharedStrings", "xl/sharedStrings.xml")
        self.styles = by_type.get("styles", "xl/styles.xml")


def _date_styles(inflater: _Inflater, name: str) -> set[int]:
    """The indexes of the cell styles that show a number as a date."""
    custom: dict[int, str] = {}
    styles: list[int] = []
    depth = {"cellXfs": False}

    def start(tag: str, attrs: dict[str, str]) -> None:
        local = _local(tag)
        if local == "numFmt":
            custom[int(attrs.get("numFmtId", "0") or 0)] = attrs.get("formatCode", "")
        elif local == "cellXfs":
            depth["cellXfs"] = True
        elif local == "xf" and depth["cellXfs"]:
            styles.append(int(attrs.get("numFmtId", "0") or 0))

    def end(tag: str) -> None:
        if _local(tag) == "cellXfs":
            depth["cellXfs"] = False

    if name in inflater.archive.NameToInfo:
        _parse(inflater, name, start, end)
    formats = {**BUILTIN_FORMATS, **custom}
    return {index for index, fmt_id in enumerate(styles)
            if fmt_id in formats and is_date_format(formats[fmt_id])}


def _unescape(text: str) -> str:
    # Excel writes characters XML cannot hold (control characters) as _xHHHH_.
    return _ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text) if "_x" in text else text


class _Text:
    """Collects the text of one string item, refusing one longer than the limit."""

    def __init__(self, limit: int, too_long: Callable[[], Refused]) -> None:
        self.limit, self.too_long = limit, too_long
        self.parts: list[str] = []
        self.size = 0
        self.on = False

    def add(self, data: str) -> None:
        if self.on:
            self.size += len(data)
            if self.size > self.limit * 2:  # escapes may shrink it; refuse only what cannot fit
                raise self.too_long()
            self.parts.append(data)

    def take(self) -> str:
        text = _unescape("".join(self.parts))
        self.parts, self.size, self.on = [], 0, False
        if len(text) > self.limit:
            raise self.too_long()
        return text


class _Strings:
    """The shared strings, packed as UTF-8 in one buffer: a Python string each would cost
    some fifty bytes of overhead, and a file may list millions of short ones."""

    def __init__(self) -> None:
        self.packed = bytearray()
        self.ends = array("I")  # the limits keep the buffer far below 4 GB

    def append(self, text: str) -> None:
        self.packed += text.encode("utf-8", "surrogatepass")
        self.ends.append(len(self.packed))

    def __getitem__(self, index: int) -> str:
        if index < 0:
            raise IndexError(index)
        start = self.ends[index - 1] if index else 0
        return self.packed[start:self.ends[index]].decode("utf-8", "surrogatepass")


def _shared_strings(inflater: _Inflater, name: str, limits: XlsxLimits) -> _Strings:
    strings = _Strings()
    text = _Text(limits.cell_chars, lambda: Refused(
        _("the file holds a text longer than %(n)s characters", n=limits.cell_chars)))
    phonetic = [0]

    def start(tag: str, attrs: dict[str, str]) -> None:
        local = _local(tag)
        if local == "rPh":  # the pronunciation guide over a text is not part of it
            phonetic[0] += 1
        elif local == "t" and not phonetic[0]:
            text.on = True

    def end(tag: str) -> None:
        local = _local(tag)
        if local == "rPh":
            phonetic[0] -= 1
        elif local == "t":
            text.on = False
        elif local == "si":
            strings.append(text.take())

    if name in inflater.archive.NameToInfo:
        _parse(inflater, name, start, end, text.add)
    return strings


def _cell_ref(ref: str | None, row: int, column: int) -> tuple[int, int]:
    if not ref:
        return row, column + 1
    found = _CELL.match(ref)
    if found is None:
        raise Refused(_("the .xlsx file is damaged and cannot be read"))
    letters, digits = found.groups()
    index = 0
    for letter in letters:
        index = index * 26 + ord(letter) - 64
    return int(digits), index


def _cell_name(row: int, column: int) -> str:
    letters = ""
    while column:
        column, rest = divmod(column - 1, 26)
        letters = chr(65 + rest) + letters
    return f"{letters}{row}"


class _Sheet:
    """The handlers that turn a sheet's XML into rows, one finished row at a time."""

    def __init__(self, limits: XlsxLimits, strings: _Strings, dates: set[int],
                 epoch: Any) -> None:
        self.limits, self.strings, self.dates, self.epoch = limits, strings, dates, epoch
        self.done: list[tuple[int, list[Any]]] = []
        self.row_no, self.cells, self.column = 0, {}, 0
        self.cell: dict[str, str] | None = None
        self.value = _Text(limits.cell_chars, self._too_long)
        self.where = (0, 0)

    def _too_long(self) -> Refused:
        return Refused(_("cell %(cell)s holds more than %(n)s characters",
                         cell=_cell_name(*self.where), n=self.limits.cell_chars))

    def start(self, tag: str, attrs: dict[str, str]) -> None:
        local = _local(tag)
        if local == "row":
            self.row_no = int(attrs["r"]) if attrs.get("r", "").isdigit() else self.row_no + 1
            self.cells, self.column = {}, 0
        elif local == "c":
            self.where = _cell_ref(attrs.get("r"), self.row_no, self.column)
            self.column = self.where[1]
            self.cell = attrs
        elif local == "f":
            raise Refused(_("cell %(cell)s holds a formula; an import takes values only: "
                            "copy the cells and paste them as values", cell=_cell_name(*self.where)))
        elif local in ("v", "t") and self.cell is not None:
            self.value.on = True

    def end(self, tag: str) -> None:
        local = _local(tag)
        if local in ("v", "t"):
            self.value.on = False
        elif local == "c" and self.cell is not None:
            held = bool(self.value.parts)
            raw = self.value.take()
            if held:
                self._keep(self._convert(self.cell, raw))
            self.cell = None
        elif local == "row" and self.cells:
            width = max(self.cells)
            self.done.append((self.row_no, [self.cells.get(i) for i in range(1, width + 1)]))
            self.cells = {}

    def _keep(self, value: Any) -> None:
        if value is None or value == "":
            return  # an empty or only styled cell, however far out, is nothing
        row, column = self.where
        if row > self.limits.rows + 1:
            raise Refused(_("the file has more than %(rows)s rows; split it", rows=self.limits.rows))
        if column > self.limits.columns:
            raise Refused(_("cell %(cell)s is beyond the last column read (%(n)s columns)",
                            cell=_cell_name(row, column), n=self.limits.columns))
        self.cells[column] = value

    def _convert(self, cell: dict[str, str], raw: str) -> Any:
        kind = cell.get("t", "n")
        if kind == "s":
            try:
                return self.strings[int(raw)]
            except (ValueError, IndexError):
                raise Refused(_("the .xlsx file is damaged and cannot be read")) from None
        if kind in ("inlineStr", "str"):
            return raw
        if kind == "b":
            return raw.strip() == "1"
        if kind == "e":
            return raw  # #N/A and its kind stay text, for the row's check to refuse
        if kind == "d":  # a date written as ISO 8601 text (some writers, never Excel itself)
            try:
                return datetime.fromisoformat(raw)
            except ValueError:
                return raw
        try:
            number = float(raw) if any(c in raw for c in ".eE") else int(raw)
        except ValueError:
            raise Refused(_("the .xlsx file is damaged and cannot be read")) from None
        style = cell.get("s", "0")
        if style.isdigit() and int(style) in self.dates:
            try:
                return from_excel(number, self.epoch)
            except (ValueError, OverflowError):
                return number
        return number


def read_rows(archive: zipfile.ZipFile, limits: XlsxLimits) -> Iterator[tuple[int, list[Any]]]:
    """``(row number, values)`` of each row of the first sheet that holds a value."""
    check_archive(archive, limits)
    inflater = _Inflater(archive, limits)
    book = Workbook(inflater)
    strings = _shared_strings(inflater, book.strings, limits)
    sheet = _Sheet(limits, strings, _date_styles(inflater, book.styles), book.epoch)
    parser = _Parser(sheet.start, sheet.end, sheet.value.add)
    for chunk in inflater.chunks(book.sheet):
        parser.feed(chunk)
        yield from sheet.done
        sheet.done.clear()
    parser.feed(b"", final=True)
    yield from sheet.done
