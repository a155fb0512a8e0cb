"""Registers to .xlsx, with the same Chinese headers the importer reads."""

from __future__ import annotations

from sqlalchemy import select

from core.exports import workbook_bytes
from core.extensions import db
from core.people.models import Building, Grade, Guardian, Room, SchoolClass, Staff, Student
from core.transfer.columns import KINDS

_YES_NO = {True: "是", False: "否"}
_GENDER = {"male": "男", "female": "女"}
_RELATION = {"father": "父亲", "mother": "母亲", "grandfather": "祖父", "grandmother": "祖母",
             "other": "其他"}


def _rows(kind: str):
    if kind == "students":
        query = (select(Student, Grade.name, SchoolClass.name)
                 .join(SchoolClass, SchoolClass.id == Student.class_id)
                 .join(Grade, Grade.id == SchoolClass.grade_id).order_by(Student.student_no))
        for s, grade, name in db.session.execute(query):
            yield [s.student_no, s.name, _GENDER[s.gender], s.birth_date, grade, name,
                   _YES_NO[s.boarding], s.allergies, s.dietary_notes]
    elif kind == "guardians":
        query = (select(Guardian, Student.student_no)
                 .join(Student, Student.id == Guardian.student_id).order_by(Student.student_no))
        for g, number in db.session.execute(query):
            yield [number, g.name, _RELATION[g.relation], g.phone, _YES_NO[g.can_pick_up]]
    elif kind == "staff":
        for s in db.session.scalars(select(Staff).order_by(Staff.name)):
            yield [s.name, s.position, s.phone or ""]
    elif kind == "rooms":
        query = (select(Room, Building.name, Grade.name, SchoolClass.name)
                 .join(Building, Building.id == Room.building_id)
                 .outerjoin(SchoolClass, SchoolClass.id == Room.class_id)
                 .outerjoin(Grade, Grade.id == SchoolClass.grade_id)
                 .order_by(Building.name, Room.name))
        for r, building, grade, name in db.session.execute(query):
            yield [building, r.name, grade or "", name or "", r.office or ""]


def export_xlsx(kind: str) -> bytes:
    """One sheet of the register, for the school in context."""
    header = [column.headers[0] for column in KINDS[kind]]
    return workbook_bytes([(kind, [header, *_rows(kind)])])
