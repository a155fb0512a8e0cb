"""The tuck shop (小卖部): products, the batches they arrive in with their expiry dates, sales
and removals. Money is integer fen (分)."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import Boolean, Date, Integer, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from core.sdk import TenantScoped, UtcDateTime, db, tenant_foreign_key, tenant_index, utcnow

# On PostgreSQL the application may add and read these rows, never change or remove them.
APPEND_ONLY = {"info": {"append_only": True}}


class TuckProduct(TenantScoped, db.Model):
    """Something the shop sells, at its current price; each sale keeps the price it was sold at."""

    __tablename__ = "canteen_tuck_products"
    __table_args__ = (
        tenant_index("ix_canteen_tuck_products_name", "name", unique=True),
        tenant_index("ix_canteen_tuck_products_barcode", "barcode", unique=True),
    )

    name: Mapped[str] = mapped_column(String(60))
    barcode: Mapped[str | None] = mapped_column(String(32))
    unit: Mapped[str] = mapped_column(String(10))
    price_fen: Mapped[int] = mapped_column(Integer)
    # Used to work out a batch's expiry date from its production date when none is given.
    shelf_life_days: Mapped[int | None] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class TuckBatch(TenantScoped, db.Model):
    """One delivery of a product, all with the same expiry date; ``on_hand`` is what is left
    (received, less what was sold and not voided, less what was removed)."""

    __tablename__ = "canteen_tuck_batches"
    __table_args__ = (
        tenant_foreign_key("product_id", "canteen_tuck_products"),
        tenant_index("ix_canteen_tuck_batches_product", "product_id", "expires_on"),
        tenant_index("ix_canteen_tuck_batches_expiry", "expires_on"),
        tenant_index("ix_canteen_tuck_batches_received", "received_on"),
    )

    product_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    quantity: Mapped[int] = mapped_column(Integer)
    on_hand: Mapped[int] = mapped_column(Integer)
    cost_fen: Mapped[int] = mapped_column(Integer)  # per unit
    produced_on: Mapped[date | None] = mapped_column(Date)
    expires_on: Mapped[date] = mapped_column(Date)  # the last day it may be sold
    received_on: Mapped[date] = mapped_column(Date)  # the school's day
    received_by: Mapped[str] = mapped_column(String(50))
    received_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class TuckSale(TenantScoped, db.Model):
    """A sale of one product. A mistake is voided with a reason (the goods go back to their
    batches); the row stays."""

    __tablename__ = "canteen_tuck_sales"
    __table_args__ = (
        tenant_foreign_key("product_id", "canteen_tuck_products"),
        tenant_index("ix_canteen_tuck_sales_day", "day"),
        tenant_index("ix_canteen_tuck_sales_request", "request_key", unique=True),
    )

    product_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    quantity: Mapped[int] = mapped_column(Integer)
    unit_price_fen: Mapped[int] = mapped_column(Integer)
    total_fen: Mapped[int] = mapped_column(Integer)
    day: Mapped[date] = mapped_column(Date)  # the school's day
    sold_at: Mapped[datetime] = mapped_column(UtcDateTime)
    sold_by: Mapped[str] = mapped_column(String(50))
    # The client's Idempotency-Key: a retried request finds its sale instead of selling twice.
    request_key: Mapped[str | None] = mapped_column(String(64))
    voided_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    voided_by: Mapped[str | None] = mapped_column(String(50))
    void_reason: Mapped[str | None] = mapped_column(String(200))


class TuckSaleDraw(TenantScoped, db.Model):
    """How many of a sale's goods came out of which batch (first expiry, first out)."""

    __tablename__ = "canteen_tuck_sale_draws"
    __table_args__ = (
        tenant_foreign_key("sale_id", "canteen_tuck_sales"),
        tenant_foreign_key("batch_id", "canteen_tuck_batches"),
        tenant_index("ix_canteen_tuck_sale_draws_sale", "sale_id"),
        tenant_index("ix_canteen_tuck_sale_draws_batch", "batch_id"),
        APPEND_ONLY,
    )

    sale_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    batch_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    quantity: Mapped[int] = mapped_column(Integer)


class TuckRemoval(TenantScoped, db.Model):
    """Goods taken off the shelf for good (expired, damaged, recalled), with the reason."""

    __tablename__ = "canteen_tuck_removals"
    __table_args__ = (
        tenant_foreign_key("batch_id", "canteen_tuck_batches"),
        tenant_index("ix_canteen_tuck_removals_batch", "batch_id"),
        tenant_index("ix_canteen_tuck_removals_day", "day"),
        APPEND_ONLY,
    )

    batch_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    quantity: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(String(200))
    removed_by: Mapped[str] = mapped_column(String(50))
    day: Mapped[date] = mapped_column(Date)  # the school's day
    removed_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
