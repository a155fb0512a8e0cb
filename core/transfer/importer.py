"""Importing rows into a register: each row checked by the register's own schema and rules;
good rows kept, bad rows reported with their row number, column and reason."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from flask_babel import gettext as _
from marshmallow import ValidationError
from sqlalchemy import select

from core.db.races import first_writer
from core.extensions import db
from core.people import services
from core.people.models import Building, Grade, SchoolClass, Student
from core.people.schemas import GuardianSchema, RoomSchema, StaffSchema, StudentSchema
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

    def class_id(self, values: dict[str, Any], required: bool) -> Any:
        grade, name = values.pop("grade", ""), values.pop("class", "")
        if not grade and not name and not required:
            return None
        found = self.classes.get((grade, name))
        if found is None:
            raise RuleBroken(_("no class %(grade)s %(name)s in this school", grade=grade, name=name),
                             "class")
        return found


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
                progress: Callable[[int, dict[str, Any]], None] | None = None) -> dict[str, Any]:
    """Import ``rows`` (from index ``start``) of the school in context; returns the report.

    Each row runs in a savepoint, so a bad row leaves nothing behind. ``progress(index, report)``
    is called every 100 rows, so a job can record how far it got and resume there.
    """
    columns = KINDS[kind]
    mapping = mapped_columns(kind, headers)
    report = report or {"kind": kind, "rows": 0, "created": 0, "errors": []}
    lookups = _Lookups()
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
                first_writer(partial(CREATORS[kind], values, lookups))
                report["created"] += 1
            except ValidationError as exc:
                problems = [(_header(field, columns), "; ".join(flatten_messages(msg)))
                            for field, msg in exc.normalized_messages().items()]
            except RuleBroken as exc:
                problems = [(_header(exc.field, columns), str(exc))]
        report["errors"] += [{"row": row_no, "column": c, "reason": r} for c, r in problems]
    return report
