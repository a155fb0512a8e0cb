"""Suppliers and their certificates (索证索票): who may deliver, and which certificates lapse
soon. A certificate is "in force" on a day when it was issued by then; per supplier and kind,
the one valid longest is current and the older ones are superseded."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, NamedTuple

from sqlalchemy import select

from core.sdk import RuleBroken, _, db, first_writer, require_tenant, store_upload
from core.sdk import lazy_gettext as _l

from .. import exports
from ..models.suppliers import CERTIFICATE_KINDS, LICENCE_KINDS, Certificate, Supplier
from . import settings


def warn_days() -> list[int]:
    """How many days ahead the school is warned of a lapsing certificate (a school setting:
    no regulation names a figure), widest first."""
    return sorted(settings()["certificate_warn_days"], reverse=True)


# --- suppliers -----------------------------------------------------------------------------


def get_supplier(supplier_id: uuid.UUID, field: str = "supplier_id",
                 status: int = 404) -> Supplier:
    supplier = db.session.scalar(select(Supplier).where(Supplier.id == supplier_id))
    if supplier is None:
        raise RuleBroken(_("no such supplier in this school"), field, status)
    return supplier


def _check_unique(values: dict[str, Any], ignore: uuid.UUID | None = None) -> None:
    for name, column in (("name", Supplier.name), ("credit_code", Supplier.credit_code)):
        if name in values:
            found = db.session.scalar(select(Supplier.id).where(column == values[name]))
            if found is not None and found != ignore:
                raise RuleBroken(_("another supplier has “%(value)s” already",
                                   value=values[name]), name)


def create_supplier(data: dict[str, Any]) -> Supplier:
    require_tenant()
    _check_unique(data)
    # Two people registering the same supplier at once: the second hears it is taken.
    return first_writer(Supplier(**data), winner=lambda: _check_unique(data))


def update_supplier(supplier_id: uuid.UUID, changes: dict[str, Any]) -> Supplier:
    supplier = get_supplier(supplier_id)
    _check_unique(changes, ignore=supplier.id)
    return first_writer(supplier, changes=changes,
                        winner=lambda: _check_unique(changes, ignore=supplier.id))


# --- certificates --------------------------------------------------------------------------


def get_certificate(certificate_id: uuid.UUID) -> Certificate:
    found = db.session.scalar(select(Certificate).where(Certificate.id == certificate_id))
    if found is None:
        raise RuleBroken(_("no such certificate in this school"), "certificate_id", 404)
    return found


def add_certificate(supplier_id: uuid.UUID, data: dict[str, Any], today: date,
                    scan: tuple[str, bytes] | None = None) -> Certificate:
    """Keep a certificate the supplier showed, with its scan (an image or a PDF) if given."""
    supplier = get_supplier(supplier_id)
    if data["issued_on"] > today:
        raise RuleBroken(_("lies in the future"), "issued_on")
    certificate = Certificate(supplier_id=supplier.id, **data)
    if scan is not None:
        certificate.scan_file_id = _store_scan(*scan).id
    db.session.add(certificate)
    db.session.flush()
    return certificate


def attach_scan(certificate_id: uuid.UUID, filename: str, content: bytes) -> Certificate:
    """Attach (or replace) a certificate's scan; the old file stays, as uploads are kept."""
    certificate = get_certificate(certificate_id)
    certificate.scan_file_id = _store_scan(filename, content).id
    db.session.flush()
    return certificate


def scan_of(certificate_id: uuid.UUID) -> uuid.UUID:
    """The stored file of a certificate's scan, for ``send_stored``."""
    cert = get_certificate(certificate_id)
    if cert.scan_file_id is None:
        raise RuleBroken(_("this certificate has no scan"), "certificate_id", 404)
    return cert.scan_file_id


def _store_scan(filename: str, content: bytes):
    return store_upload(filename, content, "canteen.certificate", field="scan",
                        kinds=("image", "pdf"))


def certificates_of(supplier_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[Certificate]]:
    rows = db.session.scalars(select(Certificate).where(Certificate.supplier_id.in_(supplier_ids))
                              .order_by(Certificate.kind, Certificate.issued_on.desc())
                              ) if supplier_ids else []
    found: dict[uuid.UUID, list[Certificate]] = {}
    for row in rows:
        found.setdefault(row.supplier_id, []).append(row)
    return found


def _current(certificates: list[Certificate], day: date) -> dict[str, Certificate]:
    """Per kind, the certificate in force on ``day`` that is valid longest."""
    current: dict[str, Certificate] = {}
    for cert in certificates:
        if cert.issued_on > day:
            continue
        key = (cert.valid_until or date.max, cert.issued_on, cert.created_at)
        held = current.get(cert.kind)
        if held is None or key > (held.valid_until or date.max, held.issued_on, held.created_at):
            current[cert.kind] = cert
    return current


def certificate_status(cert: Certificate, current: bool, day: date, horizon: int) -> str:
    if not current:
        return "superseded"
    if cert.valid_until is None or cert.valid_until > day + timedelta(days=horizon):
        return "valid"
    return "expiring" if cert.valid_until >= day else "expired"


@dataclass
class Standing:
    """A supplier as it stands on a day: ``valid``, ``expiring``, ``expired`` (a licence
    lapsed) or ``unlicensed`` (no licence on file yet, or none in force yet: a new supplier
    is not an expired one) — in the last two it may not deliver —, why, and each
    certificate's own status."""

    supplier: Supplier
    status: str
    problems: list[str] = field(default_factory=list)
    certificates: list[tuple[Certificate, str]] = field(default_factory=list)

    @property
    def may_deliver(self) -> bool:
        return self.status not in BARRED


BARRED = ("expired", "unlicensed")  # the standings in which a supplier may not deliver


def standing(supplier: Supplier, certificates: list[Certificate], day: date,
             horizon: int | None = None) -> Standing:
    """``horizon``: how many days ahead a certificate counts as expiring (default: the
    school's widest warning)."""
    horizon = warn_days()[0] if horizon is None else horizon
    current = _current(certificates, day)
    rated = [(c, certificate_status(c, current.get(c.kind) is c, day, horizon))
             for c in certificates]
    problems = [_("%(kind)s %(number)s lapsed on %(day)s", kind=CERTIFICATE_KINDS[c.kind],
                  number=c.number, day=c.valid_until.isoformat())
                for c in current.values() if c.kind in LICENCE_KINDS
                and c.valid_until is not None and c.valid_until < day]
    lapsed = bool(problems)
    if not any(kind in current for kind in LICENCE_KINDS):
        problems.append(_("holds no business licence or food licence in force"))
    statuses = {status for cert, status in rated if cert.kind in LICENCE_KINDS}
    status = ("expired" if lapsed else "unlicensed" if problems
              else "expiring" if "expiring" in statuses else "valid")
    return Standing(supplier, status, problems, rated)


def standings(suppliers: list[Supplier], day: date) -> list[Standing]:
    found, horizon = certificates_of([s.id for s in suppliers]), warn_days()[0]
    return [standing(s, found.get(s.id, []), day, horizon) for s in suppliers]


def check_can_deliver(supplier_id: uuid.UUID, day: date) -> Supplier:
    """The supplier of a new delivery on ``day``: one of this school's, active, with its
    licences in force on that day; anything else is refused naming ``supplier_id``."""
    supplier = get_supplier(supplier_id, status=422)
    if not supplier.active:
        raise RuleBroken(_("%(name)s is no longer a supplier of the school",
                           name=supplier.name), "supplier_id")
    found = standing(supplier, certificates_of([supplier.id]).get(supplier.id, []), day)
    if not found.may_deliver:
        raise RuleBroken(_("%(name)s may not deliver: %(why)s", name=supplier.name,
                           why="; ".join(found.problems)), "supplier_id")
    return supplier


# --- what needs attention ------------------------------------------------------------------


class Expiring(NamedTuple):
    certificate: Certificate
    supplier: Supplier
    days_left: int


def _active_with_certificates() -> list[tuple[Supplier, list[Certificate]]]:
    """The active suppliers by name, each with every certificate it has (in the order of
    ``certificates_of``), in one query."""
    held: dict[uuid.UUID, tuple[Supplier, list[Certificate]]] = {}
    for supplier, certificate in db.session.execute(
            select(Supplier, Certificate)
            .outerjoin(Certificate, Certificate.supplier_id == Supplier.id)
            .where(Supplier.active.is_(True))
            .order_by(Supplier.name, Supplier.id, Certificate.kind,
                      Certificate.issued_on.desc())):
        certificates = held.setdefault(supplier.id, (supplier, []))[1]
        if certificate is not None:
            certificates.append(certificate)
    return list(held.values())


def _lapsing(held: list[tuple[Supplier, list[Certificate]]], today: date,
             within_days: int) -> list[Expiring]:
    """Of these suppliers' current certificates, those that lapse from ``today`` to
    ``within_days`` days later, soonest first."""
    last = today + timedelta(days=within_days)
    found = [Expiring(cert, supplier, (cert.valid_until - today).days)
             for supplier, certificates in held for cert in _current(certificates, today).values()
             if cert.valid_until is not None and today <= cert.valid_until <= last]
    return sorted(found, key=lambda e: (e.days_left, e.supplier.name, e.certificate.kind))


def expiring_certificates(today: date, within_days: int) -> list[Expiring]:
    """The current certificates of active suppliers that lapse from ``today`` to
    ``within_days`` days later, soonest first (for the daily reminder and report)."""
    require_tenant()
    return _lapsing(_active_with_certificates(), today, within_days)


@dataclass
class SupplierWatch:
    """What needs attention among the active suppliers on a day."""

    warnings: list[tuple[Expiring, int]]  # each lapsing certificate, with its horizon
    expired: list[Standing]  # the suppliers that may not deliver, with the reasons


def supplier_watch(today: date) -> SupplierWatch:
    """From one read of the active suppliers and their certificates: each certificate that
    lapses soon, once, with the narrowest warning horizon it has entered (with the default
    setting: 30, or 7 days), and the suppliers that may not deliver today."""
    require_tenant()
    held, horizons = _active_with_certificates(), warn_days()
    warnings = [(e, min(h for h in horizons if e.days_left <= h))
                for e in _lapsing(held, today, horizons[0])]
    standings_now = [standing(supplier, certificates, today, horizons[0])
                     for supplier, certificates in held]
    return SupplierWatch(warnings, [s for s in standings_now if not s.may_deliver])


def certificate_warnings(today: date) -> list[tuple[Expiring, int]]:
    """Each lapsing certificate once, with the narrowest warning horizon it has entered."""
    return supplier_watch(today).warnings


def expired_suppliers(today: date) -> list[Standing]:
    """Active suppliers that may not deliver today, each with the reasons."""
    return supplier_watch(today).expired


# --- registers -----------------------------------------------------------------------------


def _all_suppliers(_start: date, _end: date) -> list[Supplier]:
    """The register of suppliers is the current list, whatever the period."""
    return list(db.session.scalars(select(Supplier).order_by(Supplier.name)))


def _certificates_between(start: date, end: date):
    """The certificates in force at any time from ``start`` to ``end``."""
    return db.session.execute(
        select(Certificate, Supplier.name).join(Supplier, Supplier.id == Certificate.supplier_id)
        .where(Certificate.issued_on <= end,
               (Certificate.valid_until.is_(None)) | (Certificate.valid_until >= start))
        .order_by(Supplier.name, Certificate.kind, Certificate.issued_on)).all()


exports.register(exports.Register(
    "suppliers", _l("Suppliers"),
    (exports.Column(_l("Supplier"), lambda s: s.name),
     exports.Column(_l("Credit code or licence number"), lambda s: s.credit_code),
     exports.Column(_l("Contact"), lambda s: s.contact),
     exports.Column(_l("Phone"), lambda s: s.phone),
     exports.Column(_l("Address"), lambda s: s.address),
     exports.Column(_l("Supplies"), lambda s: s.supplies),
     exports.Column(_l("Active"), lambda s: _("yes") if s.active else _("no"))),
    _all_suppliers))

exports.register(exports.Register(
    "certificates", _l("Supplier certificates"),
    (exports.Column(_l("Supplier"), lambda r: r[1]),
     exports.Column(_l("Certificate"), lambda r: CERTIFICATE_KINDS[r[0].kind]),
     exports.Column(_l("Number"), lambda r: r[0].number),
     exports.Column(_l("Issued on"), lambda r: r[0].issued_on),
     exports.Column(_l("Valid until"), lambda r: r[0].valid_until or _("long-term")),
     exports.Column(_l("Scan kept"), lambda r: _("yes") if r[0].scan_file_id else _("no"))),
    _certificates_between))
