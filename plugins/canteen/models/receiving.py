"""Receiving inspection (进货查验): each delivery, its items and the two people who checked it.

Quantities and temperatures are exact decimals kept as scaled integers (thousandths of the
unit, tenths of a degree), so both SQLite and PostgreSQL hold them without floating point;
the columns say their scale in their names.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import BigInteger, Date, Integer, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.sdk import TenantScoped, UtcDateTime, db, tenant_foreign_key, tenant_index, utcnow
from core.sdk import lazy_gettext as _l

STORAGE = {"ambient": _l("Ambient"), "chilled": _l("Chilled"), "frozen": _l("Frozen")}
COLD_CHAIN = ("chilled", "frozen")
RESULTS = {"accepted": _l("Accepted"), "rejected": _l("Rejected")}


class Delivery(TenantScoped, db.Model):
    """Food a supplier brought on a day, as inspected on arrival. Never deleted before
    ``keep_until``; taken out of use only by voiding it with a reason."""

    __tablename__ = "canteen_deliveries"
    __table_args__ = (
        tenant_foreign_key("supplier_id", "canteen_suppliers"),
        tenant_index("ix_canteen_deliveries_day", "day"),
        tenant_index("ix_canteen_deliveries_supplier", "supplier_id", "day"),
    )

    supplier_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    day: Mapped[date] = mapped_column(Date)
    inspector: Mapped[str] = mapped_column(String(50))
    second_inspector: Mapped[str] = mapped_column(String(50))  # 双人验收
    note: Mapped[str] = mapped_column(String(500), default="")
    total_fen: Mapped[int] = mapped_column(BigInteger)  # of the accepted items
    keep_until: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    voided_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    voided_by: Mapped[str | None] = mapped_column(String(50))
    void_reason: Mapped[str | None] = mapped_column(String(500))

    # Items are written with their delivery and never changed: deleting a delivery does not
    # touch them (the retention guard refuses it first, and the foreign key after that).
    items: Mapped[list[DeliveryItem]] = relationship(order_by="DeliveryItem.position",
                                                     lazy="selectin", passive_deletes="all")


class DeliveryItem(TenantScoped, db.Model):
    """One food of a delivery, accepted or rejected with the reason. Rows are written once:
    on PostgreSQL the application may not change or remove them."""

    __tablename__ = "canteen_delivery_items"
    __table_args__ = (
        tenant_foreign_key("delivery_id", "canteen_deliveries"),
        tenant_index("ix_canteen_delivery_items_delivery", "delivery_id", "position"),
        tenant_index("ix_canteen_delivery_items_expiry", "expiry_date"),
        {"info": {"append_only": True}},
    )

    delivery_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    position: Mapped[int] = mapped_column(Integer)
    food: Mapped[str] = mapped_column(String(60))
    quantity_milli: Mapped[int] = mapped_column(BigInteger)  # thousandths of ``unit``
    unit: Mapped[str] = mapped_column(String(10))
    unit_price_fen: Mapped[int] = mapped_column(BigInteger)
    amount_fen: Mapped[int] = mapped_column(BigInteger)  # quantity × unit price, to the fen
    batch: Mapped[str] = mapped_column(String(40), default="")
    production_date: Mapped[date | None] = mapped_column(Date)
    shelf_life_days: Mapped[int | None] = mapped_column(Integer)
    expiry_date: Mapped[date | None] = mapped_column(Date)  # given, or production + shelf life
    storage: Mapped[str] = mapped_column(String(10), default="ambient")
    temperature_deci: Mapped[int | None] = mapped_column(Integer)  # tenths of a degree C
    result: Mapped[str] = mapped_column(String(10))
    reject_reason: Mapped[str] = mapped_column(String(200), default="")

    @property
    def quantity(self) -> Decimal:
        return Decimal(self.quantity_milli).scaleb(-3)

    @property
    def temperature_c(self) -> Decimal | None:
        return None if self.temperature_deci is None else Decimal(self.temperature_deci).scaleb(-1)
