"""What modules may read of the school's people registers, as plain read-only records.

Plugins reach this through ``core.sdk.people``: classes with their head teacher's login, how
many students each class has enrolled, the staff record behind a login, and students. Every
function works on the school in context (``enrolled_by_school`` on a district's schools
in a district read); nothing here writes.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import func, or_, select

from core.db.among import among
from core.extensions import db
from core.people.models import RELATION_LABELS, Grade, Guardian, SchoolClass, Staff, Student
from core.tenancy import NoTenantInContext, current_district_scope, require_tenant

ENROLLED = "enrolled"
# A guardian's relation code (GuardianRef.relation) to the words people read.
RELATIONS = RELATION_LABELS


@dataclass(frozen=True)
class GradeRef:
    id: uuid.UUID
    name: str
    level: int


@dataclass(frozen=True)
class ClassRef:
    id: uuid.UUID
    name: str
    grade: str
    level: int
    head_teacher_id: uuid.UUID | None
    head_teacher_user_id: int | None  # the head teacher's login, when an active staff has one
    grade_id: uuid.UUID | None = None  # what items for a grade are matched on

    @property
    def title(self) -> str:
        """How a class is called in lists: its grade and its name (一年级1班)."""
        return f"{self.grade}{self.name}"


@dataclass(frozen=True)
class StudentRef:
    id: uuid.UUID
    student_no: str
    name: str
    class_id: uuid.UUID
    status: str  # enrolled, graduated, transferred, left
    boarding: bool = False  # lives at school (core 0.1.0: for items only boarders pay)


def classes(ids: Iterable[uuid.UUID] | None = None, active: bool = True) -> list[ClassRef]:
    """The school's classes (only those not graduated, unless ``active`` is False), by grade
    level and name."""
    require_tenant()
    # Values, not SchoolClass instances: a school can have hundreds of classes.
    query = (select(SchoolClass.id, SchoolClass.name, Grade.name, Grade.level,
                    SchoolClass.head_teacher_id, Staff.user_id, SchoolClass.grade_id)
             .join(Grade, Grade.id == SchoolClass.grade_id)
             .outerjoin(Staff, (Staff.id == SchoolClass.head_teacher_id) & Staff.active.is_(True))
             .order_by(Grade.level, Grade.name, SchoolClass.name))
    if active:
        query = query.where(SchoolClass.status == "active")
    if ids is not None:
        query = query.where(SchoolClass.id.in_(list(ids)))
    return [ClassRef(*row) for row in db.session.execute(query)]


def grades(ids: Iterable[uuid.UUID] | None = None) -> list[GradeRef]:
    """The school's grades (year groups), by level and name: those with ``ids``, or all."""
    require_tenant()
    query = select(Grade.id, Grade.name, Grade.level).order_by(Grade.level, Grade.name)
    if ids is not None:
        query = query.where(Grade.id.in_(list(ids)))
    return [GradeRef(*row) for row in db.session.execute(query)]


def enrolled_by_class() -> dict[uuid.UUID, int]:
    """How many enrolled students each class has today (classes with none are absent)."""
    require_tenant()
    return dict(db.session.execute(
        select(Student.class_id, func.count()).where(Student.status == ENROLLED)
        .group_by(Student.class_id)).all())


def enrolled_by_school() -> dict[int, int]:
    """In a district read (``district_read``): how many students each school in scope has
    enrolled today, by the school's id (schools with none are absent). One query for all."""
    if current_district_scope() is None:
        raise NoTenantInContext("enrolled_by_school reads a district's schools: use it "
                                "inside district_read")
    return dict(db.session.execute(
        select(Student.tenant_id, func.count()).where(Student.status == ENROLLED)
        .group_by(Student.tenant_id)).all())


def staff_of_user(user_id: int) -> uuid.UUID | None:
    """The active staff record linked to this login in the school, if there is one."""
    require_tenant()
    return db.session.scalar(select(Staff.id).where(Staff.user_id == user_id,
                                                    Staff.active.is_(True)).limit(1))


def user_of_staff(staff_id: uuid.UUID) -> int | None:
    """The login of this member of staff, if they have one and are still at the school: whom
    a notice for them reaches."""
    require_tenant()
    return db.session.scalar(select(Staff.user_id).where(Staff.id == staff_id,
                                                        Staff.active.is_(True)))


def students(ids: Iterable[uuid.UUID] | None = None, class_id: uuid.UUID | None = None,
             enrolled_only: bool = False) -> list[StudentRef]:
    """Students of the school, by number: those with ``ids``, in ``class_id``, or both."""
    require_tenant()
    query = select(Student.id, Student.student_no, Student.name, Student.class_id,
                   Student.status, Student.boarding).order_by(Student.student_no)
    if ids is not None:
        query = query.where(among(Student.id, ids))
    if class_id is not None:
        query = query.where(Student.class_id == class_id)
    if enrolled_only:
        query = query.where(Student.status == ENROLLED)
    return [StudentRef(*row) for row in db.session.execute(query)]


def student_ids_matching(text: str):
    """The ids of the school's students whose name holds ``text`` or whose number starts
    with it, as a subquery a module filters its own rows by in one statement, e.g.
    ``select(Bill).where(Bill.student_id.in_(people.student_ids_matching("王")))``
    (``%`` and ``_`` are the characters typed). Added in core 0.1 (issue 14)."""
    require_tenant()
    return select(Student.id).where(_matching(text.strip()))


def students_matching(text: str, limit: int) -> list[StudentRef]:
    """At most ``limit`` students whose name holds ``text`` or whose number starts with it,
    by name: what a search box finds (``%`` and ``_`` in ``text`` are the characters typed).
    Added in core 0.1 with the navigation's search (issue 14)."""
    require_tenant()
    query = (select(Student.id, Student.student_no, Student.name, Student.class_id,
                    Student.status)
             .where(_matching(text))
             .order_by(Student.name, Student.student_no).limit(limit))
    return [StudentRef(*row) for row in db.session.execute(query)]


def _matching(text: str):
    # What a search means: the name holds the text, or the number starts with it.
    return or_(Student.name.icontains(text, autoescape=True),
               Student.student_no.istartswith(text, autoescape=True))


def children_of_user(user_id: int) -> list[StudentRef]:
    """The students this login is a linked guardian of, in the school in context."""
    require_tenant()
    linked = select(Guardian.student_id).where(Guardian.user_id == user_id)
    return students(ids=db.session.scalars(linked).all())


@dataclass(frozen=True)
class GuardianRef:
    student_id: uuid.UUID
    name: str
    relation: str  # father, mother, grandfather, grandmother, other
    phone: str
    id: uuid.UUID | None = None
    can_pick_up: bool = False  # the school lets this guardian take the child home


def guardians_of(student_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, list[GuardianRef]]:
    """The guardians of these students (whom to call about a child), by student, in the order
    they were added; students with none are absent."""
    require_tenant()
    found: dict[uuid.UUID, list[GuardianRef]] = {}
    rows = db.session.execute(
        select(Guardian.student_id, Guardian.name, Guardian.relation, Guardian.phone,
               Guardian.id, Guardian.can_pick_up)
        .where(among(Guardian.student_id, student_ids)).order_by(Guardian.id))
    for row in rows:
        found.setdefault(row[0], []).append(GuardianRef(*row))
    return found


@dataclass(frozen=True)
class StaffRef:
    id: uuid.UUID
    name: str
    position: str
    active: bool  # False once the person has left the school


def staff(ids: Iterable[uuid.UUID] | None = None, active_only: bool = False) -> list[StaffRef]:
    """Staff of the school by name: those with ``ids`` (or everyone), without those who left
    when ``active_only``."""
    require_tenant()
    query = select(Staff.id, Staff.name, Staff.position, Staff.active).order_by(Staff.name,
                                                                                Staff.id)
    if ids is not None:
        query = query.where(Staff.id.in_(list(ids)))
    if active_only:
        query = query.where(Staff.active.is_(True))
    return [StaffRef(*row) for row in db.session.execute(query)]
