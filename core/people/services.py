"""Rules of the school's registers, for the school in context.

Names and numbers unique in the school are checked first and then written with
``first_writer``: when two people add the same one at once, the second hears 409 naming the
field instead of an error."""

from __future__ import annotations

import uuid
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, or_, select

from core.db.races import first_writer
from core.extensions import db
from core.people.models import Building, Grade, Guardian, Room, SchoolClass, Staff, Student
from core.rules import RuleBroken
from core.tenancy import require_tenant

# What a missing record is called in messages, and how a student's status reads.
THINGS = {"grade": _l("grade"), "class": _l("class"), "staff member": _l("staff member"),
          "student": _l("student"), "guardian": _l("guardian"), "building": _l("building"),
          "room": _l("room")}
STUDENT_STATUSES = {"enrolled": _l("enrolled"), "graduated": _l("graduated"),
                    "transferred": _l("transferred"), "left": _l("left")}


def _get(model, row_id: uuid.UUID | None, field: str, what: str, status: int = 422):
    """A row of this school, or a RuleBroken naming ``field`` (404 when it is the URL's)."""
    row = db.session.scalar(select(model).where(model.id == row_id)) if row_id else None
    if row is None:
        raise RuleBroken(_("no such %(what)s in this school", what=THINGS[what]), field, status)
    return row


def _taken(model, field: str, value: Any, ignore: uuid.UUID | None = None) -> bool:
    query = select(model.id).where(getattr(model, field) == value)
    if ignore is not None:
        query = query.where(model.id != ignore)
    return db.session.scalar(query) is not None


def _escape_like(text: str) -> str:
    # A search for "%" or "_" means those characters, not LIKE's wildcards.
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


# --- grades and classes --------------------------------------------------------------------


def head_teacher_account(class_id: uuid.UUID | None) -> int | None:
    """The account of the class's head teacher, when the class has one with an account."""
    if class_id is None:
        return None
    return db.session.scalar(select(Staff.user_id).join(
        SchoolClass, SchoolClass.head_teacher_id == Staff.id).where(SchoolClass.id == class_id))


def may_invite_guardians(class_id: uuid.UUID | None, user_id: int, office: bool) -> bool:
    """The office invites any student's guardians; a class teacher, their own class's."""
    return office or (user_id is not None and head_teacher_account(class_id) == user_id)


def create_grade(name: str, level: int) -> Grade:
    require_tenant()
    if _taken(Grade, "name", name):
        raise RuleBroken(_("“%(name)s” exists already", name=name), "name")
    return first_writer(Grade(name=name, level=level), field="name")


def create_class(grade_id: uuid.UUID, name: str, head_teacher_id: uuid.UUID | None) -> SchoolClass:
    require_tenant()
    grade = _get(Grade, grade_id, "grade_id", "grade")
    if head_teacher_id is not None and not _get(Staff, head_teacher_id, "head_teacher_id",
                                                "staff member").active:
        raise RuleBroken(_("that staff member has left"), "head_teacher_id")
    taken = select(SchoolClass.id).where(SchoolClass.grade_id == grade.id,
                                         SchoolClass.name == name)
    if db.session.scalar(taken):
        raise RuleBroken(_("%(grade)s already has a class %(name)s", grade=grade.name, name=name), "name")
    return first_writer(SchoolClass(grade_id=grade.id, name=name,
                                    head_teacher_id=head_teacher_id), field="name")


def graduate_class(class_id: uuid.UUID) -> int:
    """The class leaves the school: it and its enrolled students are marked graduated.
    Returns how many students graduated."""
    school_class = _get(SchoolClass, class_id, "class_id", "class", status=404)
    if school_class.status == "graduated":
        raise RuleBroken(_("this class has graduated already"), "class_id", status=409)
    school_class.status = "graduated"
    students = db.session.scalars(select(Student).where(
        Student.class_id == school_class.id, Student.status == "enrolled")).all()
    for student in students:
        student.status = "graduated"
    db.session.flush()
    return len(students)


# --- staff ---------------------------------------------------------------------------------


def _account_in_school(login: str | None) -> int | None:
    """The id of the account signing in with this e-mail address or mobile number, which
    must hold a role in this school."""
    if login is None:
        return None
    from core.identity.models import Membership
    from core.identity.services import normalise_login, user_by_login

    user = user_by_login(*normalise_login(login, "login"))
    if user is None or db.session.scalar(
            select(Membership.id).where(Membership.user_id == user.id)) is None:
        raise RuleBroken(_("no account with this e-mail address or mobile number works in"
                           " this school"), "login")
    return user.id


def create_staff(data: dict[str, Any]) -> Staff:
    require_tenant()
    data = dict(data)
    login = data.pop("login", None)
    staff = Staff(**data, user_id=_account_in_school(login))
    db.session.add(staff)
    db.session.flush()
    return staff


def get_staff(staff_id: uuid.UUID) -> Staff:
    return _get(Staff, staff_id, "staff_id", "staff member", status=404)


def search_staff(q: str | None = None) -> Select:
    """Staff by part of the name or the start of the phone number, by name."""
    require_tenant()
    query = select(Staff).order_by(Staff.name, Staff.id)
    if q:
        escaped = _escape_like(q)
        query = query.where(or_(Staff.name.contains(escaped, escape="\\"),
                                Staff.phone.startswith(escaped, escape="\\")))
    return query


def update_staff(staff_id: uuid.UUID, changes: dict[str, Any]) -> Staff:
    staff = get_staff(staff_id)
    changes = dict(changes)
    if "login" in changes:
        staff.user_id = _account_in_school(changes.pop("login"))
    for key, value in changes.items():
        setattr(staff, key, value)
    db.session.flush()
    return staff


# --- students and guardians ----------------------------------------------------------------


def _active_class(class_id: uuid.UUID) -> SchoolClass:
    school_class = _get(SchoolClass, class_id, "class_id", "class")
    if school_class.status != "active":
        raise RuleBroken(_("that class has graduated"), "class_id")
    return school_class


def create_student(data: dict[str, Any]) -> Student:
    require_tenant()
    _active_class(data["class_id"])
    if _taken(Student, "student_no", data["student_no"]):
        raise RuleBroken(_("student number %(number)s is taken in this school",
                           number=data["student_no"]),
                         "student_no")
    return first_writer(Student(**data), field="student_no")


def get_student(student_id: uuid.UUID) -> Student:
    return _get(Student, student_id, "student_id", "student", status=404)


def update_student(student_id: uuid.UUID, changes: dict[str, Any]) -> Student:
    student = get_student(student_id)
    number = changes.get("student_no")
    if number and _taken(Student, "student_no", number, ignore=student.id):
        raise RuleBroken(_("student number %(number)s is taken in this school", number=number),
                         "student_no")
    for key, value in changes.items():
        setattr(student, key, value)
    db.session.flush()
    return student


def move_student(student_id: uuid.UUID, class_id: uuid.UUID) -> Student:
    student = get_student(student_id)
    if student.status != "enrolled":
        raise RuleBroken(_("only enrolled students move; this one is %(status)s",
                           status=STUDENT_STATUSES.get(student.status, student.status)),
                         "student_id", status=409)
    student.class_id = _active_class(class_id).id
    db.session.flush()
    return student


def search_students(q: str | None = None, class_id: uuid.UUID | None = None,
                    status: str | None = None) -> Select:
    """Students by part of the name or the start of the number, in a class, with a status."""
    require_tenant()
    query = select(Student).order_by(Student.student_no)
    if q:
        escaped = _escape_like(q)
        query = query.where(or_(Student.name.contains(escaped, escape="\\"),
                                Student.student_no.startswith(escaped, escape="\\")))
    if class_id is not None:
        query = query.where(Student.class_id == class_id)
    if status is not None:
        query = query.where(Student.status == status)
    return query


def add_guardian(student_id: uuid.UUID, data: dict[str, Any]) -> Guardian:
    student = get_student(student_id)
    data = dict(data)
    login = data.pop("login", None)
    guardian = Guardian(student_id=student.id, **data, user_id=_account_in_school(login))
    db.session.add(guardian)
    db.session.flush()
    return guardian


def guardians_of(student_id: uuid.UUID) -> list[Guardian]:
    student = get_student(student_id)
    return list(db.session.scalars(
        select(Guardian).where(Guardian.student_id == student.id).order_by(Guardian.name)))


def get_guardian(guardian_id: uuid.UUID) -> Guardian:
    return _get(Guardian, guardian_id, "guardian_id", "guardian", status=404)


def update_guardian(guardian_id: uuid.UUID, changes: dict[str, Any]) -> Guardian:
    guardian = get_guardian(guardian_id)
    changes = dict(changes)
    if "login" in changes:
        guardian.user_id = _account_in_school(changes.pop("login"))
    for key, value in changes.items():
        setattr(guardian, key, value)
    db.session.flush()
    return guardian


def remove_guardian(guardian_id: uuid.UUID) -> None:
    db.session.delete(get_guardian(guardian_id))
    db.session.flush()


# --- buildings and rooms -------------------------------------------------------------------


def create_building(name: str) -> Building:
    require_tenant()
    if _taken(Building, "name", name):
        raise RuleBroken(_("“%(name)s” exists already", name=name), "name")
    return first_writer(Building(name=name), field="name")


def create_room(data: dict[str, Any]) -> Room:
    require_tenant()
    building = _get(Building, data["building_id"], "building_id", "building")
    if data.get("class_id") and data.get("office"):
        raise RuleBroken(_("a room is used by a class or by an office, not both"), "office")
    if data.get("class_id"):
        _active_class(data["class_id"])
    taken = select(Room.id).where(Room.building_id == building.id, Room.name == data["name"])
    if db.session.scalar(taken):
        raise RuleBroken(_("%(building)s already has a room “%(room)s”", building=building.name,
                           room=data["name"]), "name")
    return first_writer(Room(**data), field="name")
