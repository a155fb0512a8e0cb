"""The suppliers' register with each one's standing, and a supplier's page with its
certificates, where a scan can be taken with a phone's camera."""

from __future__ import annotations

import uuid

from flask import redirect, render_template, request, url_for
from sqlalchemy import select

from core.sdk import RuleBroken, _, db, forms, requires, send_stored

from ..models.suppliers import CERTIFICATE_KINDS, Supplier
from ..schemas.suppliers import CertificateSchema, SupplierChangeSchema, SupplierSchema
from ..services import suppliers as services
from ..services import today
from . import bp

SUPPLIER_FIELDS = ("name", "credit_code", "contact", "phone", "address", "supplies")
CERTIFICATE_FIELDS = ("kind", "number", "issued_on", "valid_until")


def _render_list(errors: dict[str, str], form: dict, status: int = 200):
    day = today()
    everyone = db.session.scalars(select(Supplier).order_by(Supplier.active.desc(),
                                                             Supplier.name)).all()
    return render_template("canteen/suppliers.html", standings=services.standings(
        list(everyone), day), warnings=services.certificate_warnings(day), day=day,
        kinds=CERTIFICATE_KINDS, errors=errors, form=form), status


@bp.route("/suppliers")
@requires("canteen.read")
def suppliers():
    return _render_list({}, {})


@bp.route("/suppliers", methods=["POST"])
@requires("canteen.suppliers.manage")
@forms.submitted(_render_list)
def add_supplier():
    supplier = services.create_supplier(SupplierSchema().load(
        forms.schema_fields(request.form, SUPPLIER_FIELDS)))
    return redirect(url_for("canteen_pages.supplier", supplier_id=supplier.id))


def _render_supplier(supplier: Supplier, errors: dict[str, str], form: dict, status: int = 200):
    day = today()
    found = services.standing(supplier, services.certificates_of([supplier.id]).get(
        supplier.id, []), day)
    form = {**{name: getattr(supplier, name) for name in SUPPLIER_FIELDS}, **form}
    return render_template("canteen/supplier.html", supplier=supplier, standing=found, day=day,
                           kinds=CERTIFICATE_KINDS, errors=errors, form=form), status


def _refused_supplier(errors: dict[str, str], form: dict, status: int,
                      supplier_id: uuid.UUID):
    return _render_supplier(forms.found(services.get_supplier, supplier_id), errors, form, status)


@bp.route("/suppliers/<uuid:supplier_id>")
@requires("canteen.read")
def supplier(supplier_id: uuid.UUID):
    return _render_supplier(forms.found(services.get_supplier, supplier_id), {}, {})


@bp.route("/suppliers/<uuid:supplier_id>", methods=["POST"])
@requires("canteen.suppliers.manage")
@forms.submitted(_refused_supplier)
def change_supplier(supplier_id: uuid.UUID):
    supplier = forms.found(services.get_supplier, supplier_id)
    changes = SupplierChangeSchema(partial=True).load(
        forms.schema_fields(request.form, SUPPLIER_FIELDS, checkboxes=("active",)))
    services.update_supplier(supplier.id, changes)
    return redirect(url_for("canteen_pages.supplier", supplier_id=supplier.id))


def _scan(name: str) -> tuple[str, bytes] | None:
    """The file of a form's file input, or none when nothing was chosen."""
    upload = request.files.get(name)
    if upload is None or not upload.filename:
        return None
    return upload.filename, upload.read()


@bp.route("/suppliers/<uuid:supplier_id>/certificates", methods=["POST"])
@requires("canteen.suppliers.manage")
@forms.submitted(_refused_supplier, prefix="cert_")
def add_certificate(supplier_id: uuid.UUID):
    supplier = forms.found(services.get_supplier, supplier_id)
    data = CertificateSchema().load(forms.schema_fields(request.form, CERTIFICATE_FIELDS,
                                                        prefix="cert_"))
    services.add_certificate(supplier.id, data, today(), scan=_scan("cert_scan"))
    return redirect(url_for("canteen_pages.supplier", supplier_id=supplier.id))


@bp.route("/certificates/<uuid:certificate_id>/scan", methods=["POST"])
@requires("canteen.suppliers.manage")
@forms.submitted(lambda errors, form, status, certificate_id: _render_supplier(
    services.get_supplier(forms.found(services.get_certificate, certificate_id).supplier_id),
    {f"scan-{certificate_id}": errors["scan"]}, {}, status), field="scan")
def attach_scan(certificate_id: uuid.UUID):
    cert = forms.found(services.get_certificate, certificate_id)
    scan = _scan("scan")
    if scan is None:
        raise RuleBroken(_("choose a file or take a photo"), "scan")
    services.attach_scan(cert.id, *scan)
    return redirect(url_for("canteen_pages.supplier", supplier_id=cert.supplier_id))


@bp.route("/certificates/<uuid:certificate_id>/scan")
@requires("canteen.read")
def certificate_scan(certificate_id: uuid.UUID):
    return send_stored(forms.found(services.scan_of, certificate_id))
