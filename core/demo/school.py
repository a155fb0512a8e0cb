"""What core gives a demo school: a term, classes, students with guardians, and staff with an
account for every role (class teachers, a cook, guardians too), the kindergarten with
kindergarten classes and ages. Generated from a seeded generator, so one seed gives one
school; a school that has students already is left as it is."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, select

from core.calendar import services as calendar
from core.calendar.models import Term
from core.extensions import db
from core.identity import services as identity
from core.identity.models import Membership
from core.identity.passwords import hash_password
from core.people import services as people
from core.people.models import Guardian, Student
from core.permissions import Role
from core.tenancy import TenantRef

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾萧田董潘袁蔡蒋余于杜叶程"
GIVEN = "子涵浩然一诺梓萱欣怡宇轩雨桐思远佳琪俊杰晨曦嘉懿若汐沐阳明轩诗琪博文依诺天佑紫涵铭泽安琪语桐"


@dataclass(frozen=True)
class Shape:
    """How a kind of school is laid out: its year groups, classes per year, children per class,
    the age of the youngest year group and how its numbers start."""

    grades: tuple[str, ...]
    classes_per_grade: int
    per_class: int
    first_age: int
    class_names: tuple[str, ...]


SHAPES = {
    "kindergarten": Shape(("小班", "中班", "大班"), 1, 10, 3, ("一班", "二班")),
    "junior_high": Shape(("七年级", "八年级", "九年级"), 2, 9, 12, ("1班", "2班", "3班")),
    "primary": Shape(("一年级", "二年级", "三年级", "四年级", "五年级", "六年级"), 1, 10, 6,
                     ("1班", "2班", "3班")),
}

# The school's people with an account, one for each staff role (the manifest may name some
# of them already): e-mail local part, name, position.
STAFF_ACCOUNTS = (
    (Role.LOGISTICS_DIRECTOR, "director", "总务主任"),
    (Role.CANTEEN_MANAGER, "canteen", "食堂管理员"),
    (Role.NURSE, "nurse", "保健医"),
    (Role.SAFETY_OFFICER, "safety", "安全干事"),
    (Role.GUARD, "guard", "门卫"),
    (Role.ASSET_KEEPER, "assets", "资产管理员"),
    (Role.FINANCE_CLERK, "finance", "报账员"),
)
KITCHEN = ("厨师", "厨师", "帮厨", "面点师", "洗消员")
# The school's buildings (its places): the energy module's meters name the ones they are in.
BUILDINGS = ("教学楼", "食堂", "办公楼")
GUARDIAN_ACCOUNTS = 2


def shape_of(tenant: TenantRef) -> Shape:
    return SHAPES.get(tenant.type, SHAPES["primary"])


def _name(rng: random.Random, surname: str | None = None) -> str:
    given = "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))
    return (surname or rng.choice(SURNAMES)) + given


def _phone(rng: random.Random) -> str:
    return "13" + "".join(str(rng.randrange(10)) for _ in range(9))


def has_life() -> bool:
    return bool(db.session.scalar(select(func.count()).select_from(Student)))


def populate(tenant: TenantRef, seed: int, days: int, today: date, password: str) -> bool:
    """Generate the school's core records; False when it has students already."""
    if has_life():
        return False
    rng = random.Random(f"{seed}:{tenant.slug}:core")
    # One hash for the school's generated accounts: the demo password is the same for all,
    # and hashing it once keeps ``make run`` quick.
    hashed = hash_password(password)
    domain = f"{tenant.slug.split('-')[0]}.houqin.test"
    _term(tenant, today, days)
    for building in BUILDINGS:
        people.create_building(building)
    _staff_accounts(rng, domain, hashed)
    for duty in KITCHEN:
        people.create_staff({"name": _name(rng), "position": duty, "phone": _phone(rng)})
    classes = _classes(tenant, rng, domain, hashed)
    _students(tenant, rng, today, classes, domain, hashed)
    db.session.flush()
    return True


def _term(tenant: TenantRef, today: date, days: int) -> None:
    from core.demo import term_dates

    start, end = term_dates(today, days)
    if db.session.scalar(select(Term.id).where(Term.start_date <= end, Term.end_date >= start)):
        return
    year = calendar.create_year(f"{start.year}学年", start, start + timedelta(days=364))
    weekdays = [0, 1, 2, 3, 4, 5] if tenant.has_boarders else None
    calendar.create_term(year.id, "第一学期", start, end, weekdays)


def _account(email: str, name: str, role: str, hashed: str) -> int:
    """The account (made when missing) holding ``role`` here."""
    user = identity.user_by_email(email)
    if user is None:
        user = identity.create_user(email, name)
        user.password_hash = hashed
    identity.grant_school_role(user, role)
    return user.id


def _staff_accounts(rng: random.Random, domain: str, hashed: str) -> None:
    """An account for each staff role no one holds here yet, and a staff record for each."""
    from core.identity.models import User

    held = dict(db.session.execute(select(Membership.role, Membership.user_id)).all())
    for role, local, position in STAFF_ACCOUNTS:
        if role in held:
            user_id = held[role]
            name = db.session.scalar(select(User.name).where(User.id == user_id))
        else:
            name = _name(rng)
            user_id = _account(f"{local}@{domain}", name, role, hashed)
        people.create_staff({"name": name[:50], "position": position,
                             "phone": _phone(rng), "login": None}).user_id = user_id


def _classes(tenant: TenantRef, rng: random.Random, domain: str, hashed: str) -> list:
    shape = shape_of(tenant)
    made = []
    number = 0
    for level, grade_name in enumerate(shape.grades, 1):
        grade = people.create_grade(grade_name, level)
        for index in range(shape.classes_per_grade):
            number += 1
            name = _name(rng)
            teacher = people.create_staff({"name": name, "position": "班主任",
                                           "phone": _phone(rng)})
            teacher.user_id = _account(f"teacher{number}@{domain}", name, Role.CLASS_TEACHER,
                                       hashed)
            made.append((level, people.create_class(grade.id, shape.class_names[index],
                                                    teacher.id)))
    return made


def _students(tenant: TenantRef, rng: random.Random, today: date, classes: list,
              domain: str, hashed: str) -> None:
    """The children of every class with a guardian each, written at once (the numbers are
    made unique here, the classes are new and active: the rules of ``create_student``)."""
    shape = shape_of(tenant)
    students, guardians = [], []
    for level, school_class in classes:
        for _seat in range(shape.per_class):
            surname = rng.choice(SURNAMES)
            age = shape.first_age + level - 1
            born = date(today.year - age - 1, 9, 1) + timedelta(days=rng.randrange(365))
            student = Student(
                student_no=f"{today.year - level + 1}{len(students) + 1:04d}",
                name=_name(rng, surname), gender=rng.choice(("male", "female")),
                birth_date=born, class_id=school_class.id,
                boarding=tenant.has_boarders and rng.random() < 0.5,
                allergies="花生" if rng.random() < 0.05 else "")
            students.append(student)
            relation = rng.choice(("mother", "father", "mother", "grandmother"))
            guardians.append((student, Guardian(name=_name(rng, surname if relation == "father"
                                                           else None),
                                                relation=relation, phone=_phone(rng))))
    db.session.add_all(students)
    db.session.flush()
    for number, (student, guardian) in enumerate(guardians):
        guardian.student_id = student.id
        if number < GUARDIAN_ACCOUNTS:  # the first families use the guardians' pages
            guardian.user_id = _account(f"parent{number + 1}@{domain}", guardian.name,
                                        Role.GUARDIAN, hashed)
    db.session.add_all(g for _s, g in guardians)
