"""Suppliers and their certificates (索证索票)."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import Boolean, Date, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from core.sdk import TenantScoped, UtcDateTime, db, tenant_foreign_key, tenant_index, utcnow
from core.sdk import lazy_gettext as _l

CERTIFICATE_KINDS = {
    "business_licence": _l("Business licence"),
    "food_production_licence": _l("Food production licence"),
    "food_operation_licence": _l("Food operation licence"),
    "inspection_report": _l("Inspection report"),
    "quarantine_certificate": _l("Animal quarantine certificate"),
    "other": _l("Other certificate"),
}
# The licences a supplier trades under: each of them that it holds must be in force, and it
# must hold at least one, before a delivery from it is accepted. Reports and quarantine
# certificates belong to batches: they are warned about but do not stop a supplier.
LICENCE_KINDS = ("business_licence", "food_production_licence", "food_operation_licence")


class Supplier(TenantScoped, db.Model):
    """Someone the school buys food from. Never deleted (deliveries name it): retired by
    ``active = False``."""

    __tablename__ = "canteen_suppliers"
    __table_args__ = (
        tenant_index("ix_canteen_suppliers_name", "name", unique=True),
        tenant_index("ix_canteen_suppliers_credit_code", "credit_code", unique=True),
    )

    name: Mapped[str] = mapped_column(String(80))
    # 统一社会信用代码, or the older registration or licence number of a small trader.
    credit_code: Mapped[str] = mapped_column(String(30))
    contact: Mapped[str] = mapped_column(String(50), default="")
    phone: Mapped[str] = mapped_column(String(20), default="")
    address: Mapped[str] = mapped_column(String(200), default="")
    supplies: Mapped[str] = mapped_column(String(200), default="")  # 蔬菜、肉类…
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class Certificate(TenantScoped, db.Model):
    """A licence, report or certificate a supplier showed, with its scan. A renewed one is a
    new row: per supplier and kind, the one valid longest is the one in force."""

    __tablename__ = "canteen_certificates"
    __table_args__ = (
        tenant_foreign_key("supplier_id", "canteen_suppliers"),
        tenant_foreign_key("scan_file_id", "stored_files"),
        tenant_index("ix_canteen_certificates_supplier", "supplier_id", "kind"),
        tenant_index("ix_canteen_certificates_valid_until", "valid_until"),
    )

    supplier_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    kind: Mapped[str] = mapped_column(String(30))
    number: Mapped[str] = mapped_column(String(60))
    issued_on: Mapped[date] = mapped_column(Date)
    valid_until: Mapped[date | None] = mapped_column(Date)  # the last valid day; none: 长期
    scan_file_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
