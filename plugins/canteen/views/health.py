"""The kitchen's staff and their health certificates, and the day's morning checks (a page
used on a phone at the kitchen door)."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

from flask import abort, redirect, render_template, request, url_for
from marshmallow import ValidationError

from core.sdk import RuleBroken, current_principal, db, forms, requires, send_stored

from .. import services
from ..models.health import FAILURE_TITLES, HAND_WOUND_TITLES, HAND_WOUNDS, SYMPTOM_TITLES
from ..schemas import VoidSchema
from ..schemas.health import (
    AmendmentSchema,
    CheckFindingsSchema,
    HealthCertificateSchema,
    KitchenWorkerChangeSchema,
    KitchenWorkerSchema,
    MorningCheckSchema,
)
from ..services import health
from . import bp, common, day_arg

# --- kitchen staff and certificates ----------------------------------------------------------


def _render_staff(errors: dict[str, str], form: dict, status: int = 200):
    today = services.today()
    horizons = health.warning_days()
    states = health.certificate_states(today, horizons[0])
    # the certificates in force within the last year, and any newer
    certificates = health.certificates_between(today - timedelta(days=365), date.max)
    return render_template("canteen/kitchen_staff.html", **common(), today=today, states=states,
                           state_of={s.worker.id: s for s in states}, horizons=horizons,
                           workers=health.all_workers(), staff=health.staff_to_add(),
                           certificates=certificates, errors=errors, form=form), status


@bp.route("/kitchen-staff")
@requires("canteen.read")
def kitchen_staff():
    return _render_staff({}, {})


def _refused(exc: Exception, form: dict, prefix: str):
    return _render_staff(forms.form_errors(exc, prefix), form, forms.refusal_status(exc))


@bp.route("/kitchen-staff", methods=["POST"])
@requires("canteen.health.write")
def add_kitchen_worker():
    form = request.form.to_dict()
    try:
        health.add_worker(KitchenWorkerSchema().load(forms.schema_fields(
            form, ("staff_id", "duty", "started_on"), prefix="worker_")))
    except (ValidationError, RuleBroken) as exc:
        return _refused(exc, form, "worker_")
    db.session.commit()
    return redirect(url_for("canteen_pages.kitchen_staff"))


@bp.route("/kitchen-staff/<uuid:worker_id>/end", methods=["POST"])
@requires("canteen.health.write")
def end_kitchen_worker(worker_id: uuid.UUID):
    forms.found(health.get_worker, worker_id)
    form = request.form.to_dict()
    try:
        health.update_worker(worker_id, KitchenWorkerChangeSchema().load(
            forms.schema_fields(form, ("ended_on",), prefix="end_")))
    except (ValidationError, RuleBroken) as exc:
        return _refused(exc, form, "end_")
    db.session.commit()
    return redirect(url_for("canteen_pages.kitchen_staff"))


@bp.route("/health-certificates", methods=["POST"])
@requires("canteen.health.write")
def add_health_certificate():
    form = request.form.to_dict()
    scan = request.files.get("certificate_scan")
    try:
        certificate = health.add_certificate(HealthCertificateSchema().load(forms.schema_fields(
            form, ("worker_id", "number", "issued_on", "valid_until", "issued_by"),
            prefix="certificate_")), services.today())
        if scan and scan.filename:
            health.attach_scan(certificate.id, scan.filename, scan.read())
    except (ValidationError, RuleBroken) as exc:
        return _refused(exc, form, "certificate_")
    db.session.commit()
    return redirect(url_for("canteen_pages.kitchen_staff"))


@bp.route("/health-certificates/<uuid:health_certificate_id>/scan")
@requires("canteen.read")
def health_certificate_scan(health_certificate_id: uuid.UUID):
    certificate = forms.found(health.get_certificate, health_certificate_id)
    if certificate.scan_id is None:
        abort(404)
    return send_stored(certificate.scan_id)


@bp.route("/health-certificates/<uuid:health_certificate_id>/void", methods=["POST"])
@requires("canteen.health.write")
def void_health_certificate(health_certificate_id: uuid.UUID):
    forms.found(health.get_certificate, health_certificate_id)
    form = request.form.to_dict()
    try:
        data = VoidSchema().load({"reason": form.get("reason", ""),
                                  "voided_by": current_principal().name})
        health.void_certificate(health_certificate_id, data["reason"], data["voided_by"],
                                datetime.now(UTC))
    except (ValidationError, RuleBroken) as exc:
        return _render_staff({"void": " ".join(forms.form_errors(exc).values())}, {},
                             forms.refusal_status(exc))
    db.session.commit()
    return redirect(url_for("canteen_pages.kitchen_staff"))


# --- the morning check ---------------------------------------------------------------------


def _posted(prefix: str) -> dict:
    """The findings a refused form posted, to show them again."""
    return {"symptoms": request.form.getlist(prefix + "symptoms"),
            "other_symptom": request.form.get(prefix + "other_symptom", ""),
            "hand_wound": request.form.get(prefix + "hand_wound", "none"),
            "remarks": request.form.get(prefix + "remarks", "")}


def _render_checks(errors: dict[str, str], form: dict, status: int = 200):
    day = day_arg("day")
    # A refused form shows again with its errors: a worker's form is known by its prefix.
    split = [key.split("_", 1) for key in errors if "_" in key]
    return render_template("canteen/morning_checks.html", **common(), day=day, posted=_posted,
                           opened={prefix + "_" for prefix, _field in split},
                           opened_details={prefix + "_" for prefix, field in split
                                           if field not in ("temperature", "worker_id")},
                           checks=health.day_checks(day), today=services.today(),
                           symptoms=SYMPTOM_TITLES, wounds=HAND_WOUNDS,
                           wound_titles=HAND_WOUND_TITLES, failure_titles=FAILURE_TITLES,
                           fever_from=services.settings()["fever_from"],
                           temperature=CheckFindingsSchema().limits("temperature"),
                           errors=errors, form=form), status


@bp.route("/morning-checks")
@requires("canteen.read")
def morning_checks():
    return _render_checks({}, {})


def _findings(form: dict, prefix: str) -> dict:
    """The check's findings from a worker's quick-entry form (its inputs carry a prefix)."""
    return {**forms.schema_fields(form, ("temperature", "other_symptom", "hand_wound",
                                         "remarks"), prefix=prefix),
            "symptoms": request.form.getlist(prefix + "symptoms")}


@bp.route("/morning-checks", methods=["POST"])
@requires("canteen.health.write")
def record_morning_check():
    """The checker is the person signed in, the time is now."""
    form = request.form.to_dict()
    prefix = f"w{form.get('worker_id', '')}_"
    try:
        health.record_check(MorningCheckSchema().load({
            **_findings(form, prefix), "day": services.today().isoformat(),
            "worker_id": form.get("worker_id", ""), "checked_by": current_principal().name,
            "checked_at": datetime.now(UTC).isoformat()}))
    except (ValidationError, RuleBroken) as exc:
        return _render_checks(forms.form_errors(exc, prefix), form, forms.refusal_status(exc))
    db.session.commit()
    return redirect(url_for("canteen_pages.morning_checks") + f"#w{form['worker_id']}")


@bp.route("/morning-checks/<uuid:check_id>/amend", methods=["POST"])
@requires("canteen.health.write")
def amend_morning_check(check_id: uuid.UUID):
    check = forms.found(health.get_check, check_id)
    form = request.form.to_dict()
    prefix = f"a{check.worker_id}_"
    try:
        health.amend_check(check_id, AmendmentSchema().load({
            **_findings(form, prefix), "reason": form.get(prefix + "reason", ""),
            "amended_by": current_principal().name}), datetime.now(UTC))
    except (ValidationError, RuleBroken) as exc:
        return _render_checks(forms.form_errors(exc, prefix), form, forms.refusal_status(exc))
    db.session.commit()
    return redirect(url_for("canteen_pages.morning_checks", day=check.day.isoformat())
                    + f"#w{check.worker_id}")
