"""The kitchen's staff and their health certificates, and the day's morning checks (a page
used on a phone at the kitchen door)."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

from flask import abort, redirect, render_template, request, url_for

from core.sdk import current_principal, forms, requires, school_today, send_stored

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
    today = school_today()
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


def _refused(errors: dict[str, str], form: dict, status: int, **view_args):
    return _render_staff(errors, form, status)


@bp.route("/kitchen-staff", methods=["POST"])
@requires("canteen.health.write")
@forms.submitted(_refused, prefix="worker_")
def add_kitchen_worker():
    health.add_worker(KitchenWorkerSchema().load(forms.schema_fields(
        request.form, ("staff_id", "duty", "started_on"), prefix="worker_")))
    return redirect(url_for("canteen_pages.kitchen_staff"))


@bp.route("/kitchen-staff/<uuid:worker_id>/end", methods=["POST"])
@requires("canteen.health.write")
@forms.submitted(_refused, prefix="end_")
def end_kitchen_worker(worker_id: uuid.UUID):
    forms.found(health.get_worker, worker_id)
    health.update_worker(worker_id, KitchenWorkerChangeSchema().load(
        forms.schema_fields(request.form, ("ended_on",), prefix="end_")))
    return redirect(url_for("canteen_pages.kitchen_staff"))


@bp.route("/health-certificates", methods=["POST"])
@requires("canteen.health.write")
@forms.submitted(_refused, prefix="certificate_")
def add_health_certificate():
    scan = request.files.get("certificate_scan")
    certificate = health.add_certificate(HealthCertificateSchema().load(forms.schema_fields(
        request.form, ("worker_id", "number", "issued_on", "valid_until", "issued_by"),
        prefix="certificate_")), school_today())
    if scan and scan.filename:
        health.attach_scan(certificate.id, scan.filename, scan.read())
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
@forms.submitted(lambda errors, form, status, **view_args: _render_staff(errors, {}, status),
                 field="void")
def void_health_certificate(health_certificate_id: uuid.UUID):
    forms.found(health.get_certificate, health_certificate_id)
    data = VoidSchema().load({"reason": request.form.get("reason", ""),
                              "voided_by": current_principal().name})
    health.void_certificate(health_certificate_id, data["reason"], data["voided_by"],
                            datetime.now(UTC))
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
                           checks=health.day_checks(day), today=school_today(),
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
@forms.submitted(lambda errors, form, status: _render_checks(  # by the worker's own form
    forms.prefixed(errors, f"w{form.get('worker_id', '')}_"), form, status))
def record_morning_check():
    """The checker is the person signed in, the time is now."""
    form = request.form.to_dict()
    health.record_check(MorningCheckSchema().load({
        **_findings(form, f"w{form.get('worker_id', '')}_"),
        "day": school_today().isoformat(), "worker_id": form.get("worker_id", ""),
        "checked_by": current_principal().name, "checked_at": datetime.now(UTC).isoformat()}))
    return redirect(url_for("canteen_pages.morning_checks") + f"#w{form['worker_id']}")


@bp.route("/morning-checks/<uuid:check_id>/amend", methods=["POST"])
@requires("canteen.health.write")
@forms.submitted(lambda errors, form, status, check_id: _render_checks(forms.prefixed(
    errors, f"a{forms.found(health.get_check, check_id).worker_id}_"), form, status))
def amend_morning_check(check_id: uuid.UUID):
    check = forms.found(health.get_check, check_id)
    form = request.form.to_dict()
    prefix = f"a{check.worker_id}_"
    health.amend_check(check_id, AmendmentSchema().load({
        **_findings(form, prefix), "reason": form.get(prefix + "reason", ""),
        "amended_by": current_principal().name}), datetime.now(UTC))
    return redirect(url_for("canteen_pages.morning_checks", day=check.day.isoformat())
                    + f"#w{check.worker_id}")
