"""Kindergarten absences: a class's absences in a term with the form to record one, and the
term's absence refunds worked out (a dry run) with the button that applies them."""

from __future__ import annotations

import uuid

from flask import redirect, render_template, request, url_for

from core.sdk import RuleBroken, _, current_principal, db, forms, people, requires
from core.sdk import lazy_gettext as _l

from ..regulations import rules
from ..schemas.absences import FeeAbsenceSchema
from ..services import absences, settings
from . import bp
from .refunds import term_choice, titles

DUE_TITLES = {"new": _l("To apply"), "applied": _l("Applied"),
              "changed": _l("Changed since applied")}


def _chosen_class(classes: list[people.ClassRef]) -> people.ClassRef | None:
    wanted = request.args.get("class_id", "")
    return next((c for c in classes if str(c.id) == wanted), classes[0] if classes else None)


def _allowed() -> set[uuid.UUID] | None:
    principal = current_principal()
    return absences.classes_allowed(principal.permissions, principal.user_id)


def _render_absences(errors: dict[str, str], form: dict, status: int = 200):
    all_terms, term = term_choice()
    allowed = _allowed()
    classes = [c for c in people.classes() if allowed is None or c.id in allowed]
    chosen = _chosen_class(classes)
    found = []
    if chosen and term:
        found = absences.named_absences(list(db.session.scalars(
            absences.listing(term_id=term.id, class_id=chosen.id))))
    return render_template(
        "fees/absences.html", **titles(), on=settings()["absence_refunds"], terms=all_terms,
        term=term, classes=classes, chosen=chosen, absences=found,
        students=people.students(class_id=chosen.id, enrolled_only=True) if chosen else [],
        errors=errors, form=form), status


@bp.route("/absences")
@requires("fees.absences.write")
def absences_page():
    return _render_absences({}, {})


@bp.route("/absences", methods=["POST"])
@requires("fees.absences.write")
@forms.submitted(_render_absences)
def record_absence():
    absences.record(FeeAbsenceSchema().load(forms.schema_fields(
        request.form, ("student_id", "starts_on", "ends_on", "reason"))), allowed=_allowed())
    return redirect(url_for("fees_pages.absences_page", **request.args))


@bp.route("/absences/<uuid:absence_id>/delete", methods=["POST"])
@requires("fees.absences.write")
@forms.submitted(lambda errors, form, status, absence_id: _render_absences(
    {f"absence-{absence_id}": errors["absence"]}, {}, status), field="absence")
def delete_absence(absence_id: uuid.UUID):
    found = forms.found(absences.get_absence, absence_id)
    absences.delete(found.id, allowed=_allowed())
    return redirect(url_for("fees_pages.absences_page", **request.args))


def _render_refunds(outcome: dict | None, errors: dict[str, str], status: int = 200):
    all_terms, term = term_choice()
    in_force = rules()
    return render_template(
        "fees/absence_refunds.html", **titles(), due_titles=DUE_TITLES,
        mode_titles=absences.MODE_TITLES, on=settings()["absence_refunds"],
        terms=all_terms, term=term, outcome=outcome, errors=errors,
        rule=[in_force[key] for key in (absences.AFTER_DAYS, absences.MODE, absences.MEALS)]
    ), status


@bp.route("/absence-refunds")
@requires("fees.refunds.manage")
def absence_refunds():
    _terms, term = term_choice()
    if term is None or not settings()["absence_refunds"]:
        return _render_refunds(None, {})
    return _render_refunds(absences.shown(absences.work_out(term.id)), {})


@bp.route("/absence-refunds", methods=["POST"])
@requires("fees.refunds.manage")
@forms.submitted(lambda errors, form, status: _render_refunds(None, errors, status))
def apply_absence_refunds():
    _terms, term = term_choice()
    if term is None:
        raise RuleBroken(_("the school has no term yet"), "term_id")
    applied = absences.apply(term.id)
    return _render_refunds(absences.shown(applied.outcome, applied), {})
