"""Which spreadsheet columns feed which fields, under their Chinese and English headers, and
how cell values become field values."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from flask_babel import gettext as _

from core.exports import FORMULA_STARTS
from core.text import unholdable


class CellError(ValueError):
    pass


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # Excel stores 2026001 and 13800138000 as numbers
    text = str(value).strip()
    if text.startswith("'") and text[1:].startswith(FORMULA_STARTS):
        text = text[1:]  # the apostrophe our own CSV export put before a formula-like text
    # A spreadsheet can carry what no register holds; line breaks are for the field to judge.
    if why := unholdable(text, multiline=True):
        raise CellError(why)
    return text


def _date(value: Any) -> str | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    # A date written with its time ("2019-05-01 00:00:00", as a sheet saved by hand may
    # hold it) is the date.
    text = _text(value).split(" ")[0].split("T")[0].replace("/", "-").replace(".", "-")
    try:
        year, month, day = (int(part) for part in text.split("-"))
        return date(year, month, day).isoformat()
    except ValueError:
        raise CellError(_("“%(value)s” is not a date such as 2019-05-01", value=_text(value))) from None


def _choice(mapping: dict[str, str]):
    def convert(value: Any) -> str | None:
        text = _text(value)
        if not text:
            return None
        found = mapping.get(text) or mapping.get(text.lower())
        if found is None:
            raise CellError(_("“%(value)s” is not one of %(choices)s", value=text,
                              choices="、".join(sorted(set(mapping)))))
        return found

    return convert


_yes_no = _choice({"是": "true", "否": "false", "yes": "true", "no": "false", "y": "true",
                   "n": "false", "true": "true", "false": "false", "1": "true", "0": "false"})


def _flag(value: Any) -> bool | None:
    answer = _yes_no(value)
    return None if answer is None else answer == "true"


@dataclass(frozen=True)
class Column:
    """One column of a register's sheet: the field it feeds, its headers (Chinese first: it
    is what exports write; any of them is read), how a cell becomes the field's value, and,
    for a module's register, how a record gives the cell its export writes."""

    field: str
    headers: tuple[str, ...]
    convert: Any = _text
    required: bool = False
    value: Any = None  # record -> cell; None: the column is left empty in an export


GENDER = _choice({"男": "male", "女": "female", "male": "male", "female": "female",
                  "m": "male", "f": "female"})
RELATION = _choice({"父亲": "father", "母亲": "mother", "爸爸": "father", "妈妈": "mother",
                    "祖父": "grandfather", "爷爷": "grandfather", "外祖父": "grandfather",
                    "外公": "grandfather", "祖母": "grandmother", "奶奶": "grandmother",
                    "外祖母": "grandmother", "外婆": "grandmother", "其他": "other",
                    "father": "father", "mother": "mother", "grandfather": "grandfather",
                    "grandmother": "grandmother", "other": "other"})

KINDS: dict[str, tuple[Column, ...]] = {
    "students": (
        Column("student_no", ("学号", "student_no"), required=True),
        Column("name", ("姓名", "name"), required=True),
        Column("gender", ("性别", "gender"), GENDER, required=True),
        Column("birth_date", ("出生日期", "birth_date"), _date, required=True),
        Column("grade", ("年级", "grade"), required=True),
        Column("class", ("班级", "class"), required=True),
        Column("boarding", ("住校", "boarding"), _flag),
        Column("allergies", ("过敏", "allergies")),
        Column("dietary_notes", ("饮食备注", "dietary_notes")),
    ),
    "guardians": (
        Column("student_no", ("学号", "student_no"), required=True),
        Column("name", ("姓名", "name"), required=True),
        Column("relation", ("关系", "relation"), RELATION, required=True),
        Column("phone", ("电话", "phone"), required=True),
        Column("can_pick_up", ("可接送", "can_pick_up"), _flag),
    ),
    "staff": (
        Column("name", ("姓名", "name"), required=True),
        Column("position", ("岗位", "position"), required=True),
        Column("phone", ("电话", "phone")),
    ),
    "rooms": (
        Column("building", ("楼宇", "building"), required=True),
        Column("name", ("房间", "name"), required=True),
        Column("grade", ("年级", "grade")),
        Column("class", ("班级", "class")),
        Column("office", ("使用部门", "office")),
    ),
}


def header_map(kind: str | tuple[Column, ...], headers: list[Any]
               ) -> tuple[dict[int, Column], list[str]]:
    """Which column index feeds which field; and the required headers that are missing.
    ``kind``: one of core's registers, or a module register's columns."""
    columns = KINDS[kind] if isinstance(kind, str) else kind
    by_header = {h.lower(): column for column in columns for h in column.headers}
    found: dict[int, Column] = {}
    for index, header in enumerate(headers):
        column = by_header.get(str(header if header is not None else "").strip().lower())
        if column is not None and column not in found.values():
            found[index] = column
    missing = [c.headers[0] for c in columns if c.required and c not in found.values()]
    return found, missing
