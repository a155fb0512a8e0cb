"""Importing rows into a register: each row checked by the register's own schema and rules;
good rows kept, bad rows reported with their row number, column and reason.

A student list usually arrives before anyone has typed the school's classes in: the preview
names the classes (and grades) the rows ask for that the school does not have yet, and, once
the person confirms them, the import creates them before its rows, in the same transaction."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import partial
from typing import Any

from flask_babel import gettext as _
from marshmallow import ValidationError
from sqlalchemy import select

from core.db.races import first_writer
from core.extensions import db
from core.people import services
from core.people.models import Building, Grade, SchoolClass, Student
from core.people.schemas import (
    ClassSchema,
    GradeSchema,
    GuardianSchema,
    RoomSchema,
    StaffSchema,
    StudentSchema,
)
from core.rules import RuleBroken, flatten_messages
from core.transfer.columns import KINDS, CellError, Column, header_map
from core.transfer.reader import UploadRefused

# Fields a schema or a rule names, shown under the column the value came from.
_FIELD_COLUMNS = {"class_id": "class", "building_id": "building", "student_id": "student_no"}


class _Lookups:
    """Names in the sheet to rows of the school, looked up once per import."""

    def __init__(self) -> None:
        self.classes = {
            (grade, name): class_id
            for grade, name, class_id in db.session.execute(
                select(Grade.name, SchoolClass.name, SchoolClass.id)
                .join(Grade, Grade.id == SchoolClass.grade_id)
                .where(SchoolClass.status == "active"))
        }
        self.students = dict(db.session.execute(select(Student.student_no, Student.id)).all())
        self.buildings = dict(db.session.execute(select(Building.name, Building.id)).all())
        self.pair: tuple[str, str] | None = None  # the class the latest row named

    def class_id(self, values: dict[str, Any], required: bool) -> Any:
        grade, name = values.pop("grade", ""), values.pop("class", "")
        self.pair = (grade, name)
        if not grade and not name and not required:
            return None
        found = self.classes.get((grade, name))
        if found is None:
            raise RuleBroken(_("no class %(grade)s %(name)s in this school", grade=grade, name=name),
                             "class")
        return found


class _Held(Exception):
    def __str__(self) -> str:
        grade, name = self.args
        return _("no class %(grade)s %(name)s in this school", grade=grade, name=name)


def _students(values: dict[str, Any], lookups: _Lookups) -> None:
    values["class_id"] = str(lookups.class_id(values, required=True))
    data = StudentSchema().load({k: v for k, v in values.items() if v is not None})
    student = services.create_student(data)
    lookups.students[student.student_no] = student.id


def _guardians(values: dict[str, Any], lookups: _Lookups) -> None:
    student_id = lookups.students.get(values.pop("student_no"))
    if student_id is None:
        raise RuleBroken(_("no student with this number in this school"), "student_no")
    data = GuardianSchema().load({k: v for k, v in values.items() if v is not None})
    services.add_guardian(student_id, data)


def _staff(values: dict[str, Any], lookups: _Lookups) -> None:
    data = StaffSchema().load({k: (v or None) if k == "phone" else v for k, v in values.items()})
    services.create_staff(data)


def _rooms(values: dict[str, Any], lookups: _Lookups) -> None:
    class_id = lookups.class_id(values, required=False)
    name = values.pop("building")
    if name not in lookups.buildings:  # a room names its building; new ones are added
        lookups.buildings[name] = services.create_building(name).id
    data = RoomSchema().load({
        "building_id": str(lookups.buildings[name]), "name": values["name"],
        "class_id": str(class_id) if class_id else None, "office": values.get("office") or None,
    })
    services.create_room(data)


# Grade names a school uses, to the level that orders them (GradeSchema: 小班 0, 一年级 1 ...).
_NUMERALS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9,
             "十": 10, "十一": 11, "十二": 12}
_KINDERGARTEN = {"托班": 0, "小班": 0, "中班": 1, "大班": 2}
_LEVEL_RANGE = GradeSchema().limits("level")


def grade_level(name: str, levels: list[int]) -> int:
    """The level of a new grade from its usual name (三年级 3, 初二 8, 高一 10, 中班 1);
    a name of the school's own comes after its highest grade."""
    name = name.strip()
    if name in _KINDERGARTEN:
        return _KINDERGARTEN[name]
    number = name.removesuffix("年级")
    for prefix, offset in (("初", 6), ("高", 9), ("", 0)):
        if number.startswith(prefix):
            rest = number.removeprefix(prefix)
            found = int(rest) if rest.isdigit() else _NUMERALS.get(rest)
            if found is not None and (prefix or name.endswith("年级")):
                return min(found + offset, _LEVEL_RANGE[1])
    return min(max(levels, default=0) + 1, _LEVEL_RANGE[1])


def missing_classes(kind: str, headers: list[Any], rows: list[list[Any]]) -> list[list[Any]]:
    """The classes the rows of a student list name that the school has no active class for,
    as ``[grade, class, rows naming it]``, in the order the sheet first names them."""
    if kind != "students":
        return []
    mapping = mapped_columns(kind, headers)
    where = {column.field: position for position, column in mapping.items()}
    known, found = _Lookups().classes, {}
    for row in rows:
        try:
            pair = tuple(mapping[where[f]].convert(row[where[f]]) if where[f] < len(row)
                         else None for f in ("grade", "class"))
        except CellError:
            continue
        if all(pair) and pair not in known:
            found[pair] = found.get(pair, 0) + 1
    return [[grade, name, count] for (grade, name), count in found.items()]


def create_classes(classes: list[list[Any]]) -> list[list[str]]:
    """Create those of these (grade, class) pairs the school lacks, and their grades; returns
    the pairs created. A name the registers refuse refuses them all (``RuleBroken`` naming
    the class), so nothing is half-written; an import creates them in its transaction."""
    grades = {g.name: g for g in db.session.scalars(select(Grade))}
    known = _Lookups().classes
    created = []
    for grade_name, class_name, *_count in classes:
        if (grade_name, class_name) in known:
            continue  # another person created it since the preview
        try:
            GradeSchema(only=("name",)).load({"name": grade_name})
            ClassSchema(only=("name",)).load({"name": class_name})
            grade = grades.get(grade_name)
            if grade is None:
                level = grade_level(grade_name, [g.level for g in grades.values()])
                grade = grades[grade_name] = services.create_grade(grade_name, level)
            known[(grade_name, class_name)] = services.create_class(grade.id, class_name,
                                                                    None).id
        except (ValidationError, RuleBroken) as exc:
            reason = (str(exc) if isinstance(exc, RuleBroken)
                      else "; ".join(flatten_messages(exc.normalized_messages())))
            raise RuleBroken(_("class %(grade)s %(name)s cannot be created: %(reason)s",
                               grade=grade_name, name=class_name, reason=reason),
                             "create_classes") from exc
        created.append([grade_name, class_name])
    return created


CREATORS: dict[str, Callable[[dict[str, Any], _Lookups], None]] = {
    "students": _students, "guardians": _guardians, "staff": _staff, "rooms": _rooms,
}


def _header(field: str, columns: tuple[Column, ...]) -> str:
    field = _FIELD_COLUMNS.get(field, field)
    return next((c.headers[0] for c in columns if c.field == field), field)


def mapped_columns(kind: str, headers: list[Any]) -> dict[int, Column]:
    """Which column index feeds which field; refused when a required column is missing."""
    mapping, missing = header_map(kind, headers)
    if missing:
        raise UploadRefused(_("the header row lacks the column(s) %(columns)s",
                              columns="、".join(missing)))
    return mapping


def import_rows(kind: str, headers: list[Any], rows: list[list[Any]], start: int = 0,
                report: dict[str, Any] | None = None,
                progress: Callable[[int, dict[str, Any]], None] | None = None,
                held: Iterable[tuple[str, str]] = ()) -> dict[str, Any]:
    """Import ``rows`` (from index ``start``) of the school in context; returns the report.

    Each row runs in a savepoint, so a bad row leaves nothing behind. ``progress(index, report)``
    is called every 100 rows, so a job can record how far it got and resume there.
    ``held``: classes a preview created only to check their rows: a row of one that passes is
    counted in ``report["held"]`` and reported as naming no class, as it would import unless
    the person confirms the class.
    """
    held = set(held)
    columns = KINDS[kind]
    mapping = mapped_columns(kind, headers)
    report = report or {"kind": kind, "rows": 0, "created": 0, "errors": []}
    lookups = _Lookups()
    if held:
        report.setdefault("held", 0)
    for index in range(start, len(rows)):
        row = rows[index]
        if progress is not None and index > start and index % 100 == 0:
            progress(index, report)
        if all(cell in (None, "") for cell in row):
            continue
        report["rows"] += 1
        row_no = index + 2  # the header is row 1
        values: dict[str, Any] = {}
        problems: list[tuple[str, str]] = []
        for position, column in mapping.items():
            cell = row[position] if position < len(row) else None
            try:
                values[column.field] = column.convert(cell)
            except CellError as exc:
                problems.append((column.headers[0], str(exc)))
                continue
            if column.required and values[column.field] in (None, ""):
                problems.append((column.headers[0], _("is required")))
        if not problems:
            try:
                # A row another writer added meanwhile is that row's error, not the job's.
                lookups.pair = None
                first_writer(partial(CREATORS[kind], values, lookups))
                if lookups.pair in held:
                    raise _Held(*lookups.pair)
                report["created"] += 1
            except _Held as exc:
                report["held"] += 1
                problems = [(_header("class", columns), str(exc))]
            except ValidationError as exc:
                problems = [(_header(field, columns), "; ".join(flatten_messages(msg)))
                            for field, msg in exc.normalized_messages().items()]
            except RuleBroken as exc:
                problems = [(_header(exc.field, columns), str(exc))]
        report["errors"] += [{"row": row_no, "column": c, "reason": r} for c, r in problems]
    return report
