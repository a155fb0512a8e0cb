"""Pages of the registers: classes and students. They use the API's schemas and rules, so a
value is judged the same way whichever door it comes through."""

from __future__ import annotations

from flask import redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError
from sqlalchemy import select

from core.extensions import db
from core.people import services
from core.people.models import Grade, SchoolClass
from core.people.schemas import GENDERS, ClassSchema, GradeSchema, StudentSchema
from core.permissions import requires
from core.plugins.types import NavEntry
from core.rules import RuleBroken, flatten_messages
from core.web.views import bp

NAVIGATION = [
    NavEntry(_l("Classes"), "web.classes", "core.people.read", order=10),
    NavEntry(_l("Students"), "web.students", "core.people.read", order=11),
]
PAGE = 50


def _form_errors(exc: Exception) -> dict[str, str]:
    if isinstance(exc, ValidationError):
        return {field: " ".join(flatten_messages(messages))
                for field, messages in exc.normalized_messages().items()}
    return {exc.field: str(exc)}


def _classes() -> list[tuple[SchoolClass, str]]:
    return list(db.session.execute(
        select(SchoolClass, Grade.name).join(Grade, Grade.id == SchoolClass.grade_id)
        .order_by(Grade.level, SchoolClass.name)).all())


def _render_classes(errors: dict[str, str], form: dict, status: int = 200):
    grades = db.session.scalars(select(Grade).order_by(Grade.level)).all()
    return render_template("web/classes.html", classes=_classes(), grades=grades,
                           errors=errors, form=form), status


@bp.route("/people/classes")
@requires("core.people.read")
def classes():
    return _render_classes({}, {})


@bp.route("/people/classes", methods=["POST"])
@requires("core.people.manage")
def add_class():
    """Add a class, creating its grade when the grade is new."""
    form = request.form.to_dict()
    grade = db.session.scalar(select(Grade).where(Grade.name == form.get("grade", "")))
    if grade is None:
        try:
            data = GradeSchema().load({"name": form.get("grade", ""),
                                       "level": form.get("level") or 0})
            grade = services.create_grade(data["name"], data["level"])
        except (ValidationError, RuleBroken) as exc:
            db.session.rollback()
            # The grade's own "name" is the form's "grade" field.
            errors = {"grade" if k == "name" else k: v for k, v in _form_errors(exc).items()}
            return _render_classes(errors, form, 422)
    try:
        data = ClassSchema().load({"grade_id": str(grade.id), "name": form.get("name", "")})
        services.create_class(data["grade_id"], data["name"], None)
    except (ValidationError, RuleBroken) as exc:
        db.session.rollback()
        return _render_classes(_form_errors(exc), form, 422)
    db.session.commit()
    return redirect(url_for("web.classes"))


def _render_students(errors: dict[str, str], form: dict, status: int = 200):
    query = request.args.get("q", "").strip()[:50] or None
    students = db.session.scalars(services.search_students(q=query).limit(PAGE)).all()
    names = {c.id: f"{grade}{c.name}" for c, grade in _classes()}
    return render_template("web/students.html", students=students, class_names=names,
                           classes=_classes(), genders=GENDERS, errors=errors, form=form,
                           q=query or ""), status


@bp.route("/people/students")
@requires("core.people.read")
def students():
    return _render_students({}, {})


@bp.route("/people/students", methods=["POST"])
@requires("core.people.manage")
def add_student():
    form = request.form.to_dict()
    fields = {k: v for k, v in form.items() if k in StudentSchema().fields and k != "boarding"}
    fields["boarding"] = "boarding" in form
    try:
        services.create_student(StudentSchema().load(fields))
    except (ValidationError, RuleBroken) as exc:
        db.session.rollback()
        return _render_students(_form_errors(exc), form, 422)
    db.session.commit()
    return redirect(url_for("web.students"))
