"""Suppliers and their certificates; a certificate's scan comes as multipart/form-data."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from core.sdk import MAX_PAGE_SIZE, PAGE_SIZE, page_of, requires, school_today, send_stored, transactional

from ..models.suppliers import Supplier
from ..schemas.suppliers import (
    CertificateSchema,
    CertificateUploadSchema,
    ExpiringCertificateSchema,
    ExpiringQuerySchema,
    OptionalScanSchema,
    ScanSchema,
    SupplierChangeSchema,
    SupplierSchema,
)
from ..services import suppliers as services
from . import blp


def _rated(found: services.Standing) -> Supplier:
    """The supplier with its standing, as ``SupplierSchema`` dumps it."""
    found.supplier.status, found.supplier.problems = found.status, found.problems
    return found.supplier


def _with_standing(supplier: Supplier) -> Supplier:
    return _rated(services.standings([supplier], school_today())[0])


def _certificates(found: services.Standing):
    day = school_today()
    for cert, status in found.certificates:
        cert.status, cert.has_scan = status, cert.scan_file_id is not None
        cert.days_left = (cert.valid_until - day).days if cert.valid_until else None
    return [cert for cert, _status in found.certificates]


@blp.route("/suppliers")
@blp.response(200, SupplierSchema(many=True))
@blp.paginate(page_size=PAGE_SIZE, max_page_size=MAX_PAGE_SIZE)
@requires("canteen.read")
def list_suppliers(pagination_parameters):
    """The suppliers with their standing today: ``expired`` ones may not deliver."""
    page = list(page_of(select(Supplier).order_by(Supplier.name, Supplier.id),
                        pagination_parameters))
    return [_rated(s) for s in services.standings(page, school_today())]


@blp.route("/suppliers", methods=["POST"])
@blp.arguments(SupplierSchema)
@blp.response(201, SupplierSchema)
@requires("canteen.suppliers.manage")
@transactional
def create_supplier(data):
    return _with_standing(services.create_supplier(data))


@blp.route("/suppliers/expired")
@blp.response(200, SupplierSchema(many=True))
@requires("canteen.read")
def expired_suppliers():
    """Active suppliers that may not deliver today, each with the reasons."""
    return [_rated(s) for s in services.expired_suppliers(school_today())]


@blp.route("/suppliers/<uuid:supplier_id>")
@blp.response(200, SupplierSchema)
@requires("canteen.read")
@transactional
def get_supplier(supplier_id: uuid.UUID):
    return _with_standing(services.get_supplier(supplier_id))


@blp.route("/suppliers/<uuid:supplier_id>", methods=["PATCH"])
@blp.arguments(SupplierChangeSchema(partial=True))
@blp.response(200, SupplierSchema)
@requires("canteen.suppliers.manage")
@transactional
def change_supplier(changes, supplier_id: uuid.UUID):
    """Edit a supplier; ``active: false`` retires it (suppliers are never deleted)."""
    return _with_standing(services.update_supplier(supplier_id, changes))


@blp.route("/suppliers/<uuid:supplier_id>/certificates")
@blp.response(200, CertificateSchema(many=True))
@requires("canteen.read")
@transactional
def list_certificates(supplier_id: uuid.UUID):
    supplier = services.get_supplier(supplier_id)
    found = services.certificates_of([supplier.id]).get(supplier.id, [])
    return _certificates(services.standing(supplier, found, school_today()))


@blp.route("/suppliers/<uuid:supplier_id>/certificates", methods=["POST"])
@blp.arguments(OptionalScanSchema, location="files")
# The form's schema names the scan too, so that the documented multipart body holds it all.
@blp.arguments(CertificateUploadSchema, location="form", content_type="multipart/form-data")
@blp.response(201, CertificateSchema)
@requires("canteen.suppliers.manage")
@transactional
def add_certificate(files, data, supplier_id: uuid.UUID):
    """Keep a certificate (multipart/form-data), with its scan in ``scan`` if at hand."""
    data.pop("scan", None)  # a file never arrives among the form's text fields
    scan = files.get("scan")
    cert = services.add_certificate(supplier_id, data, school_today(),
                                    scan=(scan.filename or "scan", scan.read()) if scan else None)
    return _one(cert)


def _one(cert):
    supplier = services.get_supplier(cert.supplier_id)
    found = services.standing(supplier, services.certificates_of([supplier.id])[supplier.id],
                              school_today())
    return next(c for c in _certificates(found) if c.id == cert.id)


@blp.route("/certificates/<uuid:certificate_id>/scan", methods=["PUT"])
@blp.arguments(ScanSchema, location="files")
@blp.response(200, CertificateSchema)
@requires("canteen.suppliers.manage")
@transactional
def attach_scan(files, certificate_id: uuid.UUID):
    """Attach or replace the scan of a certificate (multipart/form-data, in ``scan``)."""
    scan = files["scan"]
    return _one(services.attach_scan(certificate_id, scan.filename or "scan", scan.read()))


@blp.route("/certificates/<uuid:certificate_id>/scan")
@blp.response(200, content_type="application/octet-stream")
@requires("canteen.read")
@transactional
def certificate_scan(certificate_id: uuid.UUID):
    """The scan as it was uploaded (an image or a PDF)."""
    return send_stored(services.scan_of(certificate_id))


@blp.route("/certificates/expiring")
@blp.arguments(ExpiringQuerySchema, location="query")
@blp.response(200, ExpiringCertificateSchema(many=True))
@requires("canteen.read")
def expiring_certificates(query):
    """Current certificates of active suppliers lapsing within ``within`` days, soonest first."""
    within = query["within"] if query["within"] is not None else services.warn_days()[0]
    found = []
    for entry in services.expiring_certificates(school_today(), within):
        cert = entry.certificate
        cert.supplier_name, cert.days_left, cert.status = (entry.supplier.name, entry.days_left,
                                                           "expiring")
        cert.has_scan = cert.scan_file_id is not None
        found.append(cert)
    return found
