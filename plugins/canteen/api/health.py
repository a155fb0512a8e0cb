"""Kitchen workers, their health certificates and the morning checks."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from core.sdk import (
    RuleBroken,
    _,
    current_principal,
    requires,
    school_today,
    send_stored,
    transactional,
)

from ..schemas import DayQuerySchema, VoidSchema
from ..schemas.health import (
    AmendmentSchema,
    CertificateStateSchema,
    DayChecksSchema,
    HealthCertificateScanSchema,
    HealthCertificateSchema,
    HealthExpiringQuerySchema,
    KitchenWorkerChangeSchema,
    KitchenWorkerSchema,
    MorningCheckHistorySchema,
    MorningCheckSchema,
)
from ..services import health
from . import blp


def _worker_out(worker: health.Worker) -> dict:
    record = worker.record
    return {"id": record.id, "staff_id": record.staff_id, "name": worker.name,
            "position": worker.position, "duty": record.duty, "started_on": record.started_on,
            "ended_on": record.ended_on}


@blp.route("/kitchen-workers")
@blp.response(200, KitchenWorkerSchema(many=True))
@requires("canteen.read")
def list_kitchen_workers():
    """Everyone who works or worked in the kitchen, those still there first."""
    return [_worker_out(w) for w in health.all_workers()]


@blp.route("/kitchen-workers", methods=["POST"])
@blp.arguments(KitchenWorkerSchema)
@blp.response(201, KitchenWorkerSchema)
@requires("canteen.health.write")
@transactional
def add_kitchen_worker(data):
    """Put a member of staff (core's staff register) on the kitchen's list."""
    return _worker_out(health.get_worker(health.add_worker(data).id))


@blp.route("/kitchen-workers/<uuid:worker_id>", methods=["PATCH"])
@blp.arguments(KitchenWorkerChangeSchema)
@blp.response(200, KitchenWorkerSchema)
@requires("canteen.health.write")
@transactional
def change_kitchen_worker(changes, worker_id: uuid.UUID):
    """Change a worker's duty, or set ``ended_on``, their last day in the kitchen."""
    health.update_worker(worker_id, changes)
    return _worker_out(health.get_worker(worker_id))


@blp.route("/kitchen-workers/<uuid:worker_id>/health-certificates")
@blp.response(200, HealthCertificateSchema(many=True))
@requires("canteen.read")
@transactional
def certificates_of_worker(worker_id: uuid.UUID):
    """A worker's certificates, voided ones too, the newest first."""
    return health.certificates_of(worker_id)


# --- health certificates -------------------------------------------------------------------


@blp.route("/health-certificates")
@blp.arguments(HealthExpiringQuerySchema, location="query")
@blp.response(200, CertificateStateSchema(many=True))
@requires("canteen.read")
def list_health_certificates(query):
    """Each current kitchen worker's certificate: valid, expiring within ``within_days``,
    expired or missing."""
    return health.certificate_states(school_today(), query["within_days"])


@blp.route("/health-certificates", methods=["POST"])
@blp.arguments(HealthCertificateSchema)
@blp.response(201, HealthCertificateSchema)
@requires("canteen.health.write")
@transactional
def add_health_certificate(data):
    return health.add_certificate(data, school_today())


@blp.route("/health-certificates/<uuid:health_certificate_id>")
@blp.response(200, HealthCertificateSchema)
@requires("canteen.read")
@transactional
def get_health_certificate(health_certificate_id: uuid.UUID):
    return health.get_certificate(health_certificate_id)


@blp.route("/health-certificates/<uuid:health_certificate_id>/scan", methods=["PUT"])
@blp.arguments(HealthCertificateScanSchema, location="files")
@blp.response(200, HealthCertificateSchema)
@requires("canteen.health.write")
@transactional
def upload_certificate_scan(files, health_certificate_id: uuid.UUID):
    """Upload the certificate's scan as multipart form data, field ``scan``."""
    health.get_certificate(health_certificate_id)  # another school's id is a 404 before anything
    upload = files.get("scan")
    if upload is None:
        raise RuleBroken(_("upload the scan as the form field “scan”"), "scan")
    return health.attach_scan(health_certificate_id, upload.filename or "scan", upload.read())


@blp.route("/health-certificates/<uuid:health_certificate_id>/scan")
@blp.response(200, content_type="application/octet-stream")
@requires("canteen.read")
@transactional
def health_certificate_scan(health_certificate_id: uuid.UUID):
    certificate = health.get_certificate(health_certificate_id)
    if certificate.scan_id is None:
        raise RuleBroken(_("no scan was uploaded for this certificate"), "health_certificate_id", 404)
    return send_stored(certificate.scan_id)


@blp.route("/health-certificates/<uuid:health_certificate_id>/void", methods=["POST"])
@blp.arguments(VoidSchema)
@blp.response(200, HealthCertificateSchema)
@requires("canteen.health.write")
@transactional
def void_health_certificate(data, health_certificate_id: uuid.UUID):
    """A wrong certificate is voided with the reason, never deleted."""
    voided_by = data["voided_by"] or current_principal().name
    return health.void_certificate(health_certificate_id, data["reason"], voided_by, datetime.now(UTC))


# --- morning checks ------------------------------------------------------------------------


@blp.route("/morning-checks")
@blp.arguments(DayQuerySchema, location="query")
@blp.response(200, DayChecksSchema)
@requires("canteen.read")
def day_checks(query):
    """The day's morning checks: every worker with their status; the ids of those on duty,
    off work after a failed check, not yet checked, and without a valid certificate."""
    found = health.day_checks(query["day"])
    ids = {name: [w.worker.id for w in getattr(found, name)]
           for name in ("on_duty", "off_work", "missing", "without_certificate")}
    return {"day": found.day, "workers": found.workers, **ids}


@blp.route("/morning-checks", methods=["POST"])
@blp.arguments(MorningCheckSchema)
@blp.response(201, MorningCheckSchema)
@requires("canteen.health.write")
@transactional
def record_morning_check(data):
    """One check a worker a day: a second is a 409; correct the first with an amendment."""
    return health.record_check(data)


@blp.route("/morning-checks/<uuid:check_id>")
@blp.response(200, MorningCheckHistorySchema)
@requires("canteen.read")
@transactional
def get_morning_check(check_id: uuid.UUID):
    """A check with its amendments, each keeping what the check said before."""
    check = health.get_check(check_id)
    check.amendments = health.amendments_of(check_id)
    return check


@blp.route("/morning-checks/<uuid:check_id>/amend", methods=["POST"])
@blp.arguments(AmendmentSchema)
@blp.response(200, MorningCheckHistorySchema)
@requires("canteen.health.write")
@transactional
def amend_morning_check(data, check_id: uuid.UUID):
    """Restate a check's findings (all of them) with the reason; the verdict is recomputed
    and the earlier findings are kept."""
    check = health.amend_check(check_id, data, datetime.now(UTC))
    check.amendments = health.amendments_of(check_id)
    return check
