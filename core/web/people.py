"""Pages of the registers: classes, students and their guardians, staff. They use the API's
schemas and rules, so a value is judged the same way whichever door it comes through; every
write goes through the services, so the audit trail records it like an API call."""

from __future__ import annotations

import uuid
from typing import Any

from flask import redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError
from sqlalchemy import func, select

from core.api.errors import Forbidden, Invalid
from core.auth import current_principal
from core.extensions import db
from core.identity.services import emails_of
from core.identity.sessions import end_sessions_of, may_end_sessions_of
from core.people import services
from core.people.models import RELATION_LABELS, Grade, SchoolClass, Staff, Student
from core.people.schemas import (
    GENDERS,
    ClassSchema,
    GradeSchema,
    GuardianChangeSchema,
    GuardianSchema,
    MoveSchema,
    StaffChangeSchema,
    StaffSchema,
    StudentChangeSchema,
    StudentQuerySchema,
    StudentSchema,
)
from core.permissions import requires
from core.plugins.types import NavEntry
from core.rules import RuleBroken
from core.tenancy import require_tenant
from core.web.forms import form_errors, found, page_of, schema_fields, submitted
from core.web.nav import core_entries
from core.web.views import bp
from core.wording import lazy_word

core_entries(
    NavEntry(_l("Classes"), "web.classes", "core.people.read", order=10),
    NavEntry(lazy_word("Students"), "web.students", "core.people.read", order=11),
    NavEntry(_l("Staff"), "web.staff", "core.people.read", order=12),
)
STATUS_LABELS = {"enrolled": _l("enrolled"), "graduated": _l("graduated"),
                 "transferred": _l("transferred"), "left": _l("left")}
GUARDIAN_PREFIX = "guardian_"  # the guardian form shares a page with the student's "name"


def classes_with_grades() -> list[tuple[SchoolClass, str]]:
    return list(db.session.execute(
        select(SchoolClass, Grade.name).join(Grade, Grade.id == SchoolClass.grade_id)
        .order_by(Grade.level, SchoolClass.name)).all())


def class_names() -> dict[uuid.UUID, str]:
    return {c.id: f"{grade}{c.name}" for c, grade in classes_with_grades()}


# --- classes -------------------------------------------------------------------------------


def _student_counts() -> dict[uuid.UUID, int]:
    return dict(db.session.execute(
        select(Student.class_id, func.count(Student.id)).group_by(Student.class_id)).all())


def _render_classes(errors: dict[str, str], form: dict, status: int = 200):
    grades = db.session.scalars(select(Grade).order_by(Grade.level)).all()
    return render_template("web/classes.html", classes=classes_with_grades(), grades=grades,
                           counts=_student_counts(), errors=errors, form=form), status


@bp.route("/people/classes")
@requires("core.people.read")
def classes():
    return _render_classes({}, {})


@bp.route("/people/classes", methods=["POST"])
@requires("core.people.manage")
@submitted(_render_classes)
def add_class():
    """Add a class, creating its grade when the grade is new."""
    form = request.form
    grade = db.session.scalar(select(Grade).where(Grade.name == form.get("grade", "")))
    if grade is None:
        try:
            data = GradeSchema().load({"name": form.get("grade", ""),
                                       "level": form.get("level") or 0})
            grade = services.create_grade(data["name"], data["level"])
        except (ValidationError, RuleBroken) as exc:
            # The grade's own "name" is the form's "grade" field.
            raise ValidationError({"grade" if k == "name" else k: v
                                   for k, v in form_errors(exc).items()}) from exc
    data = ClassSchema().load({"grade_id": str(grade.id), "name": form.get("name", "")})
    services.create_class(data["grade_id"], data["name"], None)
    return redirect(url_for("web.classes"))


@bp.route("/people/classes/<uuid:class_id>/graduate", methods=["POST"])
@requires("core.people.manage")
@submitted(lambda errors, form, status, **_: _render_classes(errors, {}, status),
           field="graduate")
def graduate_class(class_id: uuid.UUID):
    """The class leaves the school with its enrolled students."""
    services.graduate_class(class_id)
    return redirect(url_for("web.classes"))


# --- students ------------------------------------------------------------------------------


def _student_filters() -> tuple[dict[str, Any], dict[str, str]]:
    """The list's filters from the address, judged by the API's query schema."""
    wanted = {"q": request.args.get("q", "").strip()[:50],
              "class_id": request.args.get("class_id", "")}
    try:
        return StudentQuerySchema().load({k: v for k, v in wanted.items() if v}), {}
    except ValidationError as exc:
        return {}, {"filter": " ".join(form_errors(exc).values())}


def _render_students(errors: dict[str, str], form: dict, status: int = 200):
    filters, filter_errors = _student_filters()
    rows, page, more = page_of(services.search_students(**filters))
    kept = {k: v for k, v in request.args.items() if k in ("q", "class_id") and v}
    return render_template(
        "web/students.html", students=rows, class_names=class_names(),
        classes=classes_with_grades(), genders=GENDERS, errors={**errors, **filter_errors},
        form=form, q=filters.get("q", ""), class_filter=str(filters.get("class_id", "")),
        page=page, more=more, kept=kept,
    ), 422 if filter_errors else status


@bp.route("/people/students")
@requires("core.people.read")
def students():
    return _render_students({}, {})


@bp.route("/people/students", methods=["POST"])
@requires("core.people.manage")
@submitted(_render_students)
def add_student():
    fields = schema_fields(request.form, StudentSchema().load_fields, checkboxes=("boarding",))
    services.create_student(StudentSchema().load(fields))
    return redirect(url_for("web.students"))


def _student_values(student: Student) -> dict[str, str]:
    """What the edit form starts with: the student as stored."""
    return {"student_no": student.student_no, "name": student.name, "gender": student.gender,
            "birth_date": student.birth_date.isoformat(),
            "boarding": "on" if student.boarding else "", "allergies": student.allergies or "",
            "dietary_notes": student.dietary_notes or ""}


def _render_student(student_id: uuid.UUID, errors: dict[str, str], posted: dict,
                    status: int = 200, **shown):
    student = found(services.get_student, student_id)
    guardians = services.guardians_of(student.id)
    principal = current_principal()
    invites = "core.guardians.invite" in principal.permissions and services.may_invite_guardians(
        student.class_id, principal.user_id, "core.people.manage" in principal.permissions)
    return render_template(
        "web/student.html", student=student, guardians=guardians,
        logins=emails_of(gd.user_id for gd in guardians), class_names=class_names(),
        classes=classes_with_grades(), genders=GENDERS, relations=RELATION_LABELS,
        statuses=STATUS_LABELS, errors=errors,
        form={**_student_values(student), **posted}, invites=invites, **shown,
    ), status


@bp.route("/people/students/<uuid:student_id>")
@requires("core.people.read")
def student(student_id: uuid.UUID):
    return _render_student(student_id, {}, {})


@bp.route("/people/students/<uuid:student_id>", methods=["POST"])
@requires("core.people.manage")
@submitted(lambda errors, form, status, student_id: _render_student(
    student_id, errors, {**form, "boarding": "on" if "boarding" in form else ""}, status))
def change_student(student_id: uuid.UUID):
    """Edit the student's own fields; the class changes only by a move. An unticked box
    stays unticked on refusal."""
    found(services.get_student, student_id)
    schema = StudentChangeSchema()
    fields = schema_fields(request.form, schema.load_fields, checkboxes=("boarding",))
    services.update_student(student_id, schema.load(fields))
    return redirect(url_for("web.student", student_id=student_id))


@bp.route("/people/students/<uuid:student_id>/move", methods=["POST"])
@requires("core.people.manage")
@submitted(lambda errors, form, status, student_id: _render_student(student_id, errors, {},
                                                                     status),
           field="class_id")  # shown by the move form
def move_student(student_id: uuid.UUID):
    found(services.get_student, student_id)
    data = MoveSchema().load({"class_id": request.form.get("class_id", "")})
    services.move_student(student_id, data["class_id"])
    return redirect(url_for("web.student", student_id=student_id))


# --- guardians -----------------------------------------------------------------------------


@bp.route("/people/students/<uuid:student_id>/guardians", methods=["POST"])
@requires("core.people.manage")
@submitted(lambda errors, form, status, student_id: _render_student(student_id, errors, form,
                                                                     status),
           prefix=GUARDIAN_PREFIX)
def add_guardian(student_id: uuid.UUID):
    found(services.get_student, student_id)
    schema = GuardianSchema()
    fields = schema_fields(request.form.to_dict(), schema.load_fields, prefix=GUARDIAN_PREFIX,
                           optional=("login",), checkboxes=("can_pick_up",))
    services.add_guardian(student_id, schema.load(fields))
    return redirect(url_for("web.student", student_id=student_id))


@bp.route("/people/guardians/<uuid:guardian_id>", methods=["POST"])
@requires("core.people.manage")
@submitted(lambda errors, form, status, guardian_id: _render_guardians(guardian_id, errors,
                                                                       status),
           field="guardians")
def change_guardian(guardian_id: uuid.UUID):
    """Allow or withdraw picking the child up, or link the guardian's account (an empty
    e-mail unlinks it): each form on the page posts the one field it changes."""
    guardian = found(services.get_guardian, guardian_id)
    posted = {name: request.form[name] for name in ("can_pick_up", "login")
              if name in request.form}
    changes = GuardianChangeSchema(partial=True).load(
        schema_fields(posted, posted, optional=("login",) if "login" in posted else ()))
    services.update_guardian(guardian_id, changes)
    return redirect(url_for("web.student", student_id=guardian.student_id))


def _render_guardians(guardian_id: uuid.UUID, errors: dict[str, str], status: int):
    """The student's page, with the refusal by the guardians."""
    return _render_student(found(services.get_guardian, guardian_id).student_id, errors, {},
                           status)


@bp.route("/people/guardians/<uuid:guardian_id>/delete", methods=["POST"])
@requires("core.people.manage")
@submitted(lambda errors, form, status, guardian_id: _render_guardians(guardian_id, errors,
                                                                       status),
           field="guardians")
def remove_guardian(guardian_id: uuid.UUID):
    student_id = found(services.get_guardian, guardian_id).student_id
    services.remove_guardian(guardian_id)
    return redirect(url_for("web.student", student_id=student_id))


# --- staff ---------------------------------------------------------------------------------


def _staff_fields(form: dict[str, str], schema: StaffSchema) -> dict[str, Any]:
    return schema_fields(form, schema.load_fields, optional=("phone", "login"),
                         checkboxes=("active",))



def _render_staff(errors: dict[str, str], form: dict, status: int = 200):
    query = request.args.get("q", "").strip()[:50]
    rows, page, more = page_of(services.search_staff(query or None))
    return render_template("web/staff.html", staff=rows, logins=emails_of(m.user_id for m in rows), q=query,
                           page=page, more=more,
                           kept={"q": query} if query else {}, errors=errors,
                           form=form), status


@bp.route("/people/staff")
@requires("core.people.read")
def staff():
    return _render_staff({}, {"active": "on"})


@bp.route("/people/staff", methods=["POST"])
@requires("core.people.manage")
@submitted(_render_staff)
def add_staff():
    services.create_staff(StaffSchema().load(_staff_fields(request.form.to_dict(),
                                                           StaffSchema())))
    return redirect(url_for("web.staff"))


def _staff_values(member: Staff) -> dict[str, str]:
    return {"name": member.name, "position": member.position, "phone": member.phone or "",
            "active": "on" if member.active else "",
            "login": emails_of([member.user_id]).get(member.user_id, "")}


def _render_staff_member(staff_id: uuid.UUID, errors: dict[str, str], posted: dict,
                         status: int = 200):
    member = found(services.get_staff, staff_id)
    return render_template("web/staff_edit.html", member=member, errors=errors,
                           form={**_staff_values(member), **posted},
                           sign_out=_sign_out_offer(member)), status


def _sign_out_offer(member: Staff) -> str | None:
    """Whether this page offers to sign the person out everywhere: "offered", "beyond" (the
    administrator may end sessions, but not this person's: they also work elsewhere), or None.
    The same rule as the action itself (``may_end_sessions_of``)."""
    principal = current_principal()
    if member.user_id is None or "core.sessions.end" not in principal.permissions:
        return None
    reachable = may_end_sessions_of(member.user_id, require_tenant(), principal.school_roles,
                                    principal.district_roles)
    return "offered" if reachable else "beyond"


@bp.route("/people/staff/<uuid:staff_id>")
@requires("core.people.read")
def staff_member(staff_id: uuid.UUID):
    return _render_staff_member(staff_id, {}, {})


@bp.route("/people/staff/<uuid:staff_id>", methods=["POST"])
@requires("core.people.manage")
@submitted(lambda errors, form, status, staff_id: _render_staff_member(
    staff_id, errors, {**form, "active": "on" if "active" in form else ""}, status))
def change_staff(staff_id: uuid.UUID):
    found(services.get_staff, staff_id)
    schema = StaffChangeSchema()
    services.update_staff(staff_id, schema.load(_staff_fields(request.form.to_dict(), schema)))
    return redirect(url_for("web.staff_member", staff_id=staff_id))


@bp.route("/people/staff/<uuid:staff_id>/sessions/end", methods=["POST"])
@requires("core.sessions.end")
def end_staff_sessions(staff_id: uuid.UUID):
    """Sign a member of staff out everywhere (a lost phone, a shared PC, someone who left)."""
    member = found(services.get_staff, staff_id)
    principal = current_principal()
    try:
        ended = end_sessions_of(member.user_id, require_tenant(), principal.school_roles,
                                principal.district_roles)
    except RuleBroken as exc:
        raise (Forbidden if exc.status == 403 else Invalid)(str(exc)) from exc
    db.session.commit()
    return redirect(url_for("web.staff_member", staff_id=staff_id, ended=ended))
