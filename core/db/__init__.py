"""The data layer: declarative base, the tenant mixin, the ORM guard and row-level security."""

from core.db.base import (
    Base,
    BigId,
    TenantScoped,
    UtcDateTime,
    ascending_ids,
    cross_school_index,
    id_block,
    is_tenant_scoped,
    tenant_foreign_key,
    tenant_index,
    tenant_unique,
    utcnow,
    uuid7,
)

__all__ = [
    "Base",
    "BigId",
    "TenantScoped",
    "UtcDateTime",
    "ascending_ids",
    "cross_school_index",
    "id_block",
    "is_tenant_scoped",
    "tenant_foreign_key",
    "tenant_index",
    "tenant_unique",
    "utcnow",
    "uuid7",
]
