"""Declarative base and the ``TenantScoped`` mixin every school-owned model inherits."""

from __future__ import annotations

import os
import time
import uuid
from datetime import UTC, datetime

from sqlalchemy import (
    BigInteger,
    DateTime,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    MetaData,
    TypeDecorator,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column

# SQLite only auto-increments a column declared exactly INTEGER PRIMARY KEY.
BigId = BigInteger().with_variant(Integer, "sqlite")

NAMING = {
    "ix": "ix_%(column_0_N_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UtcDateTime(TypeDecorator):
    """A timezone-aware datetime stored as UTC; naive values are refused, not guessed."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime refused: store timezone-aware values")
        return value.astimezone(UTC)

    def result_processor(self, dialect, coltype):
        # PostgreSQL's timestamptz arrives with its offset: nothing to mend, row by row.
        if dialect.name == "postgresql":
            return None
        return super().result_processor(dialect, coltype)

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:  # SQLite drops the offset
            value = value.replace(tzinfo=UTC)
        return value


def utcnow() -> datetime:
    return datetime.now(UTC)


def uuid7() -> uuid.UUID:
    """A time-ordered UUID (RFC 9562 version 7), so new rows land at the end of indexes."""
    millis = time.time_ns() // 1_000_000
    rand = int.from_bytes(os.urandom(10), "big")
    value = (millis & ((1 << 48) - 1)) << 80
    value |= 0x7 << 76
    value |= (rand >> 68 & 0xFFF) << 64
    value |= 0b10 << 62
    value |= rand & ((1 << 62) - 1)
    return uuid.UUID(int=value)


_LOW_48 = (1 << 48) - 1


def ascending_ids(count: int) -> list[uuid.UUID]:
    """``count`` version-7 ids that also keep the order they were made in within the same
    millisecond (RFC 9562 §6.2, method 2: the random part counts up), so that rows written
    together read back in the order they were worked out."""
    prefix, first = id_block(count)
    base = uuid.UUID(prefix + "0" * 12).int
    return [uuid.UUID(int=base | (first + n)) for n in range(count)]


def id_block(count: int) -> tuple[str, int]:
    """``count`` ascending ids for SQL to make: the first 24 characters of a version-7 id
    (dashes included) and the number its last 12 hex digits count up from, which leaves room
    for all of them. Id ``n`` (from 0) is ``prefix || lpad(to_hex(first + n), 12, '0')``."""
    while True:
        made = uuid7()
        if (made.int & _LOW_48) + count <= _LOW_48:
            return str(made)[:24], made.int & _LOW_48


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class TenantScoped:
    """Mixin for rows owned by one school.

    ``tenant_id`` comes first in the primary key (then a time-ordered UUID), so the schema can
    be distributed by school. The ORM guard filters every query by the school in context and
    stamps it on every insert; on PostgreSQL, row-level security enforces the same again.
    """

    __tenant_scoped__ = True

    @declared_attr
    def tenant_id(cls) -> Mapped[int]:
        return mapped_column(
            BigInteger, ForeignKey("tenants.id"), primary_key=True, sort_order=-100
        )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid7, sort_order=-99)


def tenant_index(name: str, *columns: str, unique: bool = False) -> Index:
    """An index that leads with ``tenant_id``, as every index on a school table must."""
    return Index(name, "tenant_id", *columns, unique=unique)


def cross_school_index(name: str, *columns: str) -> Index:
    """An index on a school table that does not lead with ``tenant_id``, for the few lookups
    made before a school is known (a token by its public id, a person's memberships). The
    rows it finds are still filtered by the scope in context and by row-level security."""
    return Index(name, *columns, info={"cross_school": True})


def tenant_unique(*columns: str) -> UniqueConstraint:
    return UniqueConstraint("tenant_id", *columns)


def tenant_foreign_key(
    column: str, target_table: str, ondelete: str | None = None
) -> ForeignKeyConstraint:
    """A foreign key between school tables, carrying ``tenant_id`` so it never crosses schools."""
    return ForeignKeyConstraint(
        ["tenant_id", column],
        [f"{target_table}.tenant_id", f"{target_table}.id"],
        ondelete=ondelete,
    )


def is_tenant_scoped(cls: type) -> bool:
    return bool(getattr(cls, "__tenant_scoped__", False))
