"""The school's shared registers."""

from __future__ import annotations

import uuid
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import Boolean, Date, Integer, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from core.db import TenantScoped, tenant_foreign_key, tenant_index, tenant_unique
from core.extensions import db

# What the codes the registers store are called, for pages and the audit log.
GENDER_TITLES = {"male": _l("male"), "female": _l("female")}
CLASS_STATUS_TITLES = {"active": _l("Active"), "graduated": _l("graduated")}
RELATION_LABELS = {"father": _l("father"), "mother": _l("mother"),
                   "grandfather": _l("grandfather"), "grandmother": _l("grandmother"),
                   "other": _l("other")}

class Grade(TenantScoped, db.Model):
    """A year group (一年级, 小班): ``level`` orders them."""

    __tablename__ = "grades"
    __table_args__ = (tenant_unique("name"),)

    name: Mapped[str] = mapped_column(String(40))
    level: Mapped[int] = mapped_column(Integer)


class SchoolClass(TenantScoped, db.Model):
    __tablename__ = "classes"
    __table_args__ = (
        tenant_foreign_key("grade_id", "grades"),
        tenant_foreign_key("head_teacher_id", "staff"),
        tenant_unique("grade_id", "name"),
    )

    grade_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    name: Mapped[str] = mapped_column(String(40))
    head_teacher_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    status: Mapped[str] = mapped_column(String(12), default="active")  # active, graduated


class Staff(TenantScoped, db.Model):
    __tablename__ = "staff"
    __table_args__ = (tenant_index("ix_staff_name", "name"),)

    name: Mapped[str] = mapped_column(String(50))
    position: Mapped[str] = mapped_column(String(50))
    phone: Mapped[str | None] = mapped_column(String(20))
    user_id: Mapped[int | None] = mapped_column(Integer)  # the login, when the person has one
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Student(TenantScoped, db.Model):
    __tablename__ = "students"
    __table_args__ = (
        tenant_unique("student_no"),
        tenant_foreign_key("class_id", "classes"),
        tenant_index("ix_students_class", "class_id"),
        tenant_index("ix_students_name", "name"),
    )

    student_no: Mapped[str] = mapped_column(String(30))
    name: Mapped[str] = mapped_column(String(50))
    gender: Mapped[str] = mapped_column(String(6))  # male, female
    birth_date: Mapped[date] = mapped_column(Date)
    class_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    boarding: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(12), default="enrolled")
    allergies: Mapped[str] = mapped_column(Text, default="")
    dietary_notes: Mapped[str] = mapped_column(Text, default="")


class Guardian(TenantScoped, db.Model):
    __tablename__ = "guardians"
    __table_args__ = (
        tenant_foreign_key("student_id", "students", ondelete="CASCADE"),
        tenant_index("ix_guardians_student", "student_id"),
        tenant_index("ix_guardians_user", "user_id"),  # a guardian's own children
    )

    student_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    name: Mapped[str] = mapped_column(String(50))
    relation: Mapped[str] = mapped_column(String(20))
    phone: Mapped[str] = mapped_column(String(20))
    can_pick_up: Mapped[bool] = mapped_column(Boolean, default=True)
    user_id: Mapped[int | None] = mapped_column(Integer)  # the guardian's login, if linked


class Building(TenantScoped, db.Model):
    __tablename__ = "buildings"
    __table_args__ = (tenant_unique("name"),)

    name: Mapped[str] = mapped_column(String(60))


class Room(TenantScoped, db.Model):
    __tablename__ = "rooms"
    __table_args__ = (
        tenant_foreign_key("building_id", "buildings"),
        tenant_foreign_key("class_id", "classes"),
        tenant_unique("building_id", "name"),
    )

    building_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    name: Mapped[str] = mapped_column(String(60))
    class_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)  # the class that uses it
    office: Mapped[str | None] = mapped_column(String(60))  # or the office that uses it
