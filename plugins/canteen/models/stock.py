"""Food stock: lots received, an append-only ledger of their movements, and stock counts (盘点).

A lot's quantity on hand is never stored: it is the sum of its movements, so every figure on
a page can be traced to the entries that make it up, and a mistake is corrected by a new
entry, never by editing an old one.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import BigInteger, Date, String, Text, TypeDecorator, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from core.sdk import TenantScoped, UtcDateTime, db, tenant_foreign_key, tenant_index, utcnow
from core.sdk import lazy_gettext as _l

# What a movement does to a lot: stock in, out to the kitchen, back from the kitchen (an issue
# cancelled), thrown away (expired, spoiled), or set right by a count.
MOVEMENT_KINDS = ("in", "out", "return", "discard", "adjust")
KIND_TITLES = {"in": _l("In"), "out": _l("Issued"), "return": _l("Taken back"),
               "discard": _l("Discarded"), "adjust": _l("Count difference")}


class Scaled(TypeDecorator):
    """An exact decimal kept as a whole number of its smallest step (10**-places).

    SQLite has no exact decimal type (SQLAlchemy would go through floats), so quantities and
    prices are stored as integers on every database, and sums stay exact.
    """

    impl = BigInteger
    cache_ok = True

    def __init__(self, places: int) -> None:
        super().__init__()
        self.places = places

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        scaled = Decimal(value).scaleb(self.places)
        if scaled != scaled.to_integral_value():
            raise ValueError(f"{value} has more than {self.places} decimal places")
        return int(scaled)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return Decimal(int(value)).scaleb(-self.places)


Quantity = Scaled(3)  # down to a gram of a kilogram, a millilitre of a litre
PriceFen = Scaled(2)  # fen per unit, down to a hundredth of a fen


class StockLot(TenantScoped, db.Model):
    """One batch of one food as it came in: from an accepted delivery item, or entered by hand
    (an opening balance). Lots of the same food and unit are issued first-expiry-first-out."""

    __tablename__ = "canteen_stock_lots"
    __table_args__ = (
        tenant_index("ix_canteen_stock_lots_food", "food", "unit", "expiry_date"),
        tenant_index("ix_canteen_stock_lots_expiry", "expiry_date"),
        # One lot per delivery item, so a retried acceptance cannot stock the same food twice.
        tenant_index("ix_canteen_stock_lots_delivery_item", "delivery_item_id", unique=True),
    )

    food: Mapped[str] = mapped_column(String(60))
    unit: Mapped[str] = mapped_column(String(10))
    batch: Mapped[str] = mapped_column(String(40), default="")
    production_date: Mapped[date | None] = mapped_column(Date)
    expiry_date: Mapped[date] = mapped_column(Date)  # the last day the food may be used
    unit_price_fen: Mapped[Decimal] = mapped_column(PriceFen)
    received_on: Mapped[date] = mapped_column(Date)
    delivery_item_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)  # None: entered by hand
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class StockCount(TenantScoped, db.Model):
    """A stock count (盘点): who counted, on which day, and when it was entered."""

    __tablename__ = "canteen_stock_counts"
    __table_args__ = (tenant_index("ix_canteen_stock_counts_day", "day"),)

    day: Mapped[date] = mapped_column(Date)
    counted_by: Mapped[str] = mapped_column(String(50))
    note: Mapped[str] = mapped_column(Text, default="")
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class StockCountLine(TenantScoped, db.Model):
    """One lot counted: the book quantity at the time and what was found."""

    __tablename__ = "canteen_stock_count_lines"
    __table_args__ = (
        tenant_foreign_key("count_id", "canteen_stock_counts"),
        tenant_foreign_key("lot_id", "canteen_stock_lots"),
        tenant_index("ix_canteen_stock_count_lines_count", "count_id", "lot_id", unique=True),
        tenant_index("ix_canteen_stock_count_lines_lot", "lot_id"),
    )

    count_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    lot_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    book: Mapped[Decimal] = mapped_column(Quantity)
    counted: Mapped[Decimal] = mapped_column(Quantity)


class StockMovement(TenantScoped, db.Model):
    """One entry of the stock ledger. Append-only: on PostgreSQL the app may not update or
    delete a row. ``quantity`` and ``cost_fen`` carry the sign of the movement (in +, out −)."""

    __tablename__ = "canteen_stock_movements"
    __table_args__ = (
        tenant_foreign_key("lot_id", "canteen_stock_lots"),
        tenant_foreign_key("count_id", "canteen_stock_counts"),
        tenant_index("ix_canteen_stock_movements_lot", "lot_id", "day"),
        tenant_index("ix_canteen_stock_movements_day", "day", "kind"),
        tenant_index("ix_canteen_stock_movements_issue", "issue_id"),
        tenant_index("ix_canteen_stock_movements_count", "count_id"),
        {"info": {"append_only": True}},
    )

    lot_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    kind: Mapped[str] = mapped_column(String(10))
    quantity: Mapped[Decimal] = mapped_column(Quantity)
    # quantity × the lot's unit price, rounded half-up to the fen, for this entry alone
    cost_fen: Mapped[int] = mapped_column(BigInteger)
    day: Mapped[date] = mapped_column(Date)  # the school day it counts for
    slot: Mapped[str | None] = mapped_column(String(20))  # the meal an issue is for, if said
    issue_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)  # the lines of one issue
    count_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    reason: Mapped[str] = mapped_column(Text, default="")
    recorded_by: Mapped[str] = mapped_column(String(50))
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
