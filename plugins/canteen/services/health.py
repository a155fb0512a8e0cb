"""Kitchen staff health: the kitchen's workers, their health certificates and the morning check.

《餐饮服务食品安全操作规范》（国家市场监督管理总局公告2018年第12号），从业人员健康管理: the
people who handle food need a health certificate (renewed every year) before they start, and
the food-safety manager checks every worker's health before work each day; whoever has fever,
diarrhoea, throat inflammation or a wound or infection of the skin stops handling food until
the cause is found and cured. Here a failed check keeps the worker off work for the day.
"""

from __future__ import annotations

import calendar
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import func, or_, select

from core.sdk import RuleBroken, _, db, first_writer, people, require_tenant, store_upload
from core.sdk import lazy_gettext as _l

from .. import exports
from ..models import HealthCertificate, KitchenWorker, MorningCheck, MorningCheckAmendment
from ..models.health import FAILURE_TITLES, HAND_WOUND_TITLES, SYMPTOM_TITLES
from ..regulations import rules
from . import school_zone, settings

FINDINGS = ("temperature", "symptoms", "other_symptom", "hand_wound", "remarks")

# --- the kitchen's workers -----------------------------------------------------------------


@dataclass(frozen=True)
class Worker:
    """A kitchen worker with their name and position from the staff register."""

    record: KitchenWorker
    staff: people.StaffRef

    @property
    def id(self) -> uuid.UUID:
        return self.record.id

    @property
    def name(self) -> str:
        return self.staff.name

    @property
    def position(self) -> str:
        return self.staff.position


def _workers(*conditions) -> list[Worker]:
    records = db.session.scalars(select(KitchenWorker).where(*conditions)).all()
    found = {s.id: s for s in people.staff([r.staff_id for r in records])} if records else {}
    workers = [Worker(record, found[record.staff_id]) for record in records]
    return sorted(workers, key=lambda w: (w.record.ended_on is not None, w.name, w.id))


def all_workers() -> list[Worker]:
    """Everyone who works or worked in the kitchen, those still there first."""
    require_tenant()
    return _workers()


def workers_on(day: date) -> list[Worker]:
    """The kitchen's workers on ``day`` (staff who left the school are not expected)."""
    require_tenant()
    workers = _workers(KitchenWorker.started_on <= day,
                       or_(KitchenWorker.ended_on.is_(None), KitchenWorker.ended_on >= day))
    return [w for w in workers if w.staff.active]


def staff_to_add() -> list[people.StaffRef]:
    """Staff still at the school and not in the kitchen now: those who may be added."""
    in_kitchen = set(db.session.scalars(select(KitchenWorker.staff_id)
                                        .where(KitchenWorker.ended_on.is_(None))))
    return [s for s in people.staff(active_only=True) if s.id not in in_kitchen]


def get_worker(worker_id: uuid.UUID, field: str = "worker_id", status: int = 404) -> Worker:
    found = _workers(KitchenWorker.id == worker_id)
    if not found:
        raise RuleBroken(_("no such kitchen worker in this school"), field, status)
    return found[0]


def add_worker(data: dict[str, Any]) -> KitchenWorker:
    """Put a member of staff on the kitchen's list; one who left the kitchen comes back."""
    require_tenant()
    [staff] = people.staff([data["staff_id"]]) or [None]
    if staff is None:
        raise RuleBroken(_("no such staff member in this school"), "staff_id")
    if not staff.active:
        raise RuleBroken(_("that staff member has left"), "staff_id")
    worker = _refuse_working(staff)
    fresh = worker is None
    if fresh:
        worker = KitchenWorker(staff_id=staff.id)
    worker.duty, worker.started_on = data.get("duty", ""), data["started_on"]
    worker.ended_on = data.get("ended_on")
    _check_period(worker)
    if fresh:  # the same person added from two screens at once: the first one counts
        return first_writer(worker, winner=lambda: _refuse_working(staff))
    db.session.flush()
    return worker


def _refuse_working(staff: people.StaffRef) -> KitchenWorker | None:
    """The staff member's kitchen record if they left the kitchen; refused if they work in
    it now."""
    worker = db.session.scalar(select(KitchenWorker).where(KitchenWorker.staff_id == staff.id))
    if worker is not None and worker.ended_on is None:
        raise RuleBroken(_("%(name)s works in the kitchen already", name=staff.name),
                         "staff_id", status=409)
    return worker


def update_worker(worker_id: uuid.UUID, changes: dict[str, Any]) -> KitchenWorker:
    worker = get_worker(worker_id).record
    for key, value in changes.items():
        setattr(worker, key, value)
    _check_period(worker)
    db.session.flush()
    return worker


def _check_period(worker: KitchenWorker) -> None:
    if worker.ended_on is not None and worker.ended_on < worker.started_on:
        raise RuleBroken(_("the last day lies before the first"), "ended_on")


# --- health certificates -------------------------------------------------------------------


def _months_after(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return day.replace(year=year, month=month,
                       day=min(day.day, calendar.monthrange(year, month)[1]))


def add_certificate(data: dict[str, Any], today: date) -> HealthCertificate:
    """Record a worker's health certificate. Refused: one issued in the future, one that ends
    before it starts, one valid for longer than the yearly health check allows."""
    require_tenant()
    get_worker(data["worker_id"], status=422)
    if data["issued_on"] > today:
        raise RuleBroken(_("lies in the future"), "issued_on")
    if data["valid_until"] < data["issued_on"]:
        raise RuleBroken(_("a certificate ends after it is issued"), "valid_until")
    months = rules()["health_certificate_valid_months"].value
    if data["valid_until"] > _months_after(data["issued_on"], months):
        raise RuleBroken(_("a health certificate is valid for %(months)s months at most",
                           months=months), "valid_until")
    certificate = HealthCertificate(**data)
    db.session.add(certificate)
    db.session.flush()
    return certificate


def get_certificate(certificate_id: uuid.UUID) -> HealthCertificate:
    found = db.session.scalar(select(HealthCertificate)
                              .where(HealthCertificate.id == certificate_id))
    if found is None:
        raise RuleBroken(_("no such health certificate in this school"), "certificate_id", 404)
    return found


def attach_scan(certificate_id: uuid.UUID, filename: str, content: bytes) -> HealthCertificate:
    """Keep the certificate's scan (an image or a PDF); a new scan replaces the one shown."""
    certificate = get_certificate(certificate_id)
    stored = store_upload(filename, content, "health_certificate", field="scan",
                          kinds=("image", "pdf"))
    certificate.scan_id = stored.id
    db.session.flush()
    return certificate


def void_certificate(certificate_id: uuid.UUID, reason: str, voided_by: str,
                     now: datetime) -> HealthCertificate:
    certificate = get_certificate(certificate_id)
    if certificate.voided_at is not None:
        raise RuleBroken(_("this record was voided already"), "certificate_id", status=409)
    certificate.voided_at, certificate.voided_by, certificate.void_reason = now, voided_by, reason
    db.session.flush()
    return certificate


def certificates_of(worker_id: uuid.UUID) -> list[HealthCertificate]:
    """A worker's certificates, voided ones too, the newest first."""
    get_worker(worker_id)
    return list(db.session.scalars(select(HealthCertificate).where(
        HealthCertificate.worker_id == worker_id).order_by(HealthCertificate.valid_until.desc())))


def valid_certificates(day: date) -> dict[uuid.UUID, HealthCertificate]:
    """Each worker's certificate valid on ``day`` (the one that runs longest)."""
    found: dict[uuid.UUID, HealthCertificate] = {}
    for certificate in db.session.scalars(select(HealthCertificate).where(
            HealthCertificate.voided_at.is_(None), HealthCertificate.issued_on <= day,
            HealthCertificate.valid_until >= day).order_by(HealthCertificate.valid_until)):
        found[certificate.worker_id] = certificate
    return found


@dataclass(frozen=True)
class CertificateState:
    worker: Worker
    certificate: HealthCertificate | None  # valid today, else the last one that was
    state: str  # valid, expiring, expired, missing
    days_left: int | None


def last_certificates(worker_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, HealthCertificate]:
    """Each of these workers' last certificate not voided (the one valid longest), if any."""
    worker_ids = list(worker_ids)
    if not worker_ids:
        return {}
    # The last one of each worker is picked by the database, not from their whole history.
    longest = (select(HealthCertificate.worker_id,
                      func.max(HealthCertificate.valid_until).label("valid_until"))
               .where(HealthCertificate.voided_at.is_(None),
                      HealthCertificate.worker_id.in_(worker_ids))
               .group_by(HealthCertificate.worker_id).subquery())
    return {certificate.worker_id: certificate for certificate in db.session.scalars(
        select(HealthCertificate).join(longest, (
            longest.c.worker_id == HealthCertificate.worker_id) & (
            longest.c.valid_until == HealthCertificate.valid_until))
        .where(HealthCertificate.voided_at.is_(None)))}


def _state(worker: Worker, valid: HealthCertificate | None, today: date, within_days: int,
           last: HealthCertificate | None = None) -> CertificateState:
    """``valid``: the worker's certificate valid ``today``; ``last``: without one, their last."""
    if valid is None:
        return CertificateState(worker, last, "expired" if last else "missing", None)
    left = (valid.valid_until - today).days
    return CertificateState(worker, valid, "expiring" if left <= within_days else "valid", left)


def _expiring(held: Iterable[tuple[Worker, HealthCertificate | None]], today: date,
              within_days: int) -> list[CertificateState]:
    """Of these workers with their certificate valid ``today``, those expiring, soonest first."""
    states = (_state(worker, valid, today, within_days) for worker, valid in held
              if valid is not None)
    return sorted((s for s in states if s.state == "expiring"), key=lambda s: s.days_left)


def certificate_states(today: date, within_days: int) -> list[CertificateState]:
    """Every current kitchen worker's certificate: valid, expiring within ``within_days``,
    expired or missing (the last two may not work with food)."""
    workers = workers_on(today)
    valid = valid_certificates(today)
    last = last_certificates(w.id for w in workers if w.id not in valid)
    return [_state(w, valid.get(w.id), today, within_days, last.get(w.id)) for w in workers]


def expiring_health_certificates(today: date, within_days: int) -> list[CertificateState]:
    """Certificates of current kitchen workers that expire within ``within_days`` of
    ``today`` and have no successor yet, soonest first (for the reminder job)."""
    valid = valid_certificates(today)
    return _expiring(((w, valid.get(w.id)) for w in workers_on(today)), today, within_days)


def workers_without_certificate(day: date) -> list[Worker]:
    """Current kitchen workers with no certificate valid on ``day``: they are flagged."""
    valid = valid_certificates(day)
    return [worker for worker in workers_on(day) if worker.id not in valid]


def warning_days() -> list[int]:
    """The school's warning horizons for certificates, farthest first (a setting: no
    regulation gives them; 30 and 7 days by default)."""
    return sorted(settings()["health_certificate_warn_days"], reverse=True)


# --- morning checks ------------------------------------------------------------------------


def failures(findings: dict[str, Any], fever_from: Decimal) -> list[str]:
    """Why a check fails, empty when it passes: a temperature at or above ``fever_from``, any
    symptom, an open wound on the hands."""
    reasons = ["temperature"] if findings["temperature"] >= fever_from else []
    reasons += [s for s in SYMPTOM_TITLES if s in findings.get("symptoms", ())]
    if findings.get("hand_wound") == "open":
        reasons.append("open_hand_wound")
    return reasons


def _judge(check: MorningCheck, findings: dict[str, Any]) -> None:
    if "other" in findings.get("symptoms", ()) and not findings.get("other_symptom", "").strip():
        raise RuleBroken(_("say which other symptom"), "other_symptom")
    for key in FINDINGS:
        if key in findings:
            setattr(check, key, findings[key])
    check.fever_from = Decimal(settings()["fever_from"])
    check.failed_because = failures(findings, check.fever_from)
    check.passed = not check.failed_because


def record_check(data: dict[str, Any]) -> MorningCheck:
    """Record a worker's morning check; the first of the day is the only one (correct it with
    an amendment). Refused: someone not in the kitchen that day, a time on another day or in
    the future."""
    require_tenant()
    worker = get_worker(data["worker_id"], status=422)
    if all(w.id != worker.id for w in workers_on(data["day"])):
        raise RuleBroken(_("%(name)s does not work in the kitchen on that day", name=worker.name),
                         "worker_id")
    checked_at: datetime = data["checked_at"]
    if checked_at.astimezone(school_zone()).date() != data["day"]:
        raise RuleBroken(_("a morning check is made on its day"), "checked_at")
    if checked_at > datetime.now(checked_at.tzinfo) + timedelta(minutes=5):
        raise RuleBroken(_("is later than now"), "checked_at")
    _refuse_second_check(worker, data["day"])
    check = MorningCheck(day=data["day"], worker_id=worker.id, checked_by=data["checked_by"],
                         checked_at=checked_at)
    _judge(check, data)
    # Two people checking the same worker at once: the first to save keeps the check.
    return first_writer(check, field="worker_id",
                        winner=lambda: _refuse_second_check(worker, data["day"]))


def _refuse_second_check(worker: Worker, day: date) -> None:
    earlier = db.session.scalar(select(MorningCheck).where(
        MorningCheck.day == day, MorningCheck.worker_id == worker.id))
    if earlier is not None:
        raise RuleBroken(_("%(name)s was checked already at %(time)s; amend that check instead",
                           name=worker.name, time=earlier.checked_at.astimezone(school_zone())
                           .strftime("%H:%M")), "worker_id", status=409)


def get_check(check_id: uuid.UUID) -> MorningCheck:
    found = db.session.scalar(select(MorningCheck).where(MorningCheck.id == check_id))
    if found is None:
        raise RuleBroken(_("no such morning check in this school"), "check_id", status=404)
    return found


def amend_check(check_id: uuid.UUID, data: dict[str, Any], now: datetime) -> MorningCheck:
    """Correct a check's findings; what it said before is kept with the reason and who."""
    check = get_check(check_id)
    data = dict(data)
    reason, amended_by = data.pop("reason"), data.pop("amended_by")
    before = {key: getattr(check, key) for key in FINDINGS}
    before |= {"temperature": str(check.temperature), "passed": check.passed,
               "failed_because": list(check.failed_because), "fever_from": str(check.fever_from)}
    _judge(check, data)
    db.session.add(MorningCheckAmendment(check_id=check.id, before=before, reason=reason,
                                         amended_by=amended_by, amended_at=now))
    db.session.flush()
    return check


def amendments_of(check_id: uuid.UUID) -> list[MorningCheckAmendment]:
    return list(db.session.scalars(select(MorningCheckAmendment).where(
        MorningCheckAmendment.check_id == check_id).order_by(MorningCheckAmendment.amended_at)))


@dataclass(frozen=True)
class WorkerDay:
    worker: Worker
    check: MorningCheck | None
    certificate: HealthCertificate | None  # valid that day
    expected: bool = True  # on the kitchen's list that day (False: not, yet checked)

    @property
    def status(self) -> str:
        """on_duty (passed), off_work (failed: off work for the day) or unchecked."""
        if self.check is None:
            return "unchecked"
        return "on_duty" if self.check.passed else "off_work"


@dataclass(frozen=True)
class DayChecks:
    day: date
    workers: list[WorkerDay]

    def _with(self, status: str) -> list[WorkerDay]:
        return [w for w in self.workers if w.status == status]

    @property
    def checked(self) -> list[WorkerDay]:
        return [w for w in self.workers if w.check is not None]

    @property
    def on_duty(self) -> list[WorkerDay]:
        return self._with("on_duty")

    @property
    def off_work(self) -> list[WorkerDay]:
        return self._with("off_work")

    @property
    def missing(self) -> list[WorkerDay]:
        return self._with("unchecked")

    @property
    def without_certificate(self) -> list[WorkerDay]:
        return [w for w in self.workers if w.certificate is None]

    def expiring_certificates(self, within_days: int) -> list[CertificateState]:
        """``expiring_health_certificates(day, within_days)``, from what this read holds."""
        return _expiring(((w.worker, w.certificate) for w in self.workers if w.expected),
                         self.day, within_days)


def day_checks(day: date) -> DayChecks:
    """The day's morning checks: every worker expected that day (and anyone checked), with
    their check and the certificate valid that day. ``on_duty`` passed and worked,
    ``off_work`` failed and were off work, ``missing`` have no check,
    ``without_certificate`` are flagged."""
    require_tenant()
    checks = {c.worker_id: c for c in db.session.scalars(
        select(MorningCheck).where(MorningCheck.day == day))}
    workers = workers_on(day)
    expected = {w.id for w in workers}
    # Only those checked though not expected (gone from the kitchen or the school) are read
    # apart, not every worker the kitchen ever had.
    others = set(checks) - expected
    workers += _workers(KitchenWorker.id.in_(others)) if others else []
    valid = valid_certificates(day)
    return DayChecks(day, [WorkerDay(w, checks.get(w.id), valid.get(w.id), w.id in expected)
                           for w in workers])


def off_work(day: date) -> list[Worker]:
    """Who was off work on ``day`` after a failed morning check."""
    return [w.worker for w in day_checks(day).off_work]


# --- registers -----------------------------------------------------------------------------


def certificates_between(start: date, end: date):
    """Certificates in force at any time from ``start`` to ``end``, with the worker's name,
    by worker and newest first."""
    names = {w.id: w.name for w in all_workers()}
    rows = db.session.scalars(select(HealthCertificate).where(
        HealthCertificate.issued_on <= end, HealthCertificate.valid_until >= start)
        .order_by(HealthCertificate.valid_until.desc()))
    return sorted(((c, names.get(c.worker_id, "")) for c in rows), key=lambda r: r[1])


def _checks_between(start: date, end: date):
    names = {w.id: w.name for w in all_workers()}
    rows = db.session.scalars(select(MorningCheck).where(
        MorningCheck.day >= start, MorningCheck.day <= end)
        .order_by(MorningCheck.day, MorningCheck.checked_at))
    return [(c, names.get(c.worker_id, "")) for c in rows]


def _titles(keys, titles) -> list[str]:
    return [str(titles[k]) for k in keys]


exports.register(exports.Register(
    "health_certificates", _l("Health certificates"),
    (exports.Column(_l("Full name"), lambda r: r[1]),
     exports.Column(_l("Certificate number"), lambda r: r[0].number),
     exports.Column(_l("Issued on"), lambda r: r[0].issued_on),
     exports.Column(_l("Valid until"), lambda r: r[0].valid_until),
     exports.Column(_l("Issued by"), lambda r: r[0].issued_by),
     exports.Column(_l("Scan"), lambda r: _("yes") if r[0].scan_id else ""),
     exports.Column(_l("Voided"), lambda r: r[0].void_reason)),
    certificates_between))

exports.register(exports.Register(
    "morning_checks", _l("Morning checks"),
    (exports.Column(_l("Day"), lambda r: r[0].day),
     exports.Column(_l("Full name"), lambda r: r[1]),
     exports.Column(_l("Temperature (°C)"), lambda r: r[0].temperature),
     exports.Column(_l("Symptoms"), lambda r: _titles(r[0].symptoms, SYMPTOM_TITLES)),
     exports.Column(_l("Other symptom"), lambda r: r[0].other_symptom),
     exports.Column(_l("Hands"), lambda r: HAND_WOUND_TITLES[r[0].hand_wound]),
     exports.Column(_l("Result"), lambda r: _("passed") if r[0].passed else _("off work")),
     exports.Column(_l("Why"), lambda r: _titles(r[0].failed_because, FAILURE_TITLES)),
     exports.Column(_l("Checked by"), lambda r: r[0].checked_by),
     exports.Column(_l("Checked at"), lambda r: r[0].checked_at),
     exports.Column(_l("Remarks"), lambda r: r[0].remarks)),
    _checks_between))
