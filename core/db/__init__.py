"""The data layer: declarative base, the tenant mixin, the ORM guard and row-level security."""

from core.db.base import (
    is_tenant_scoped,
    Base,
    BigId,
    TenantScoped,
    UtcDateTime,
    tenant_foreign_key,
    tenant_index,
    tenant_unique,
    utcnow,
    uuid7,
)

__all__ = [
    "is_tenant_scoped",
    "Base",
    "BigId",
    "TenantScoped",
    "UtcDateTime",
    "tenant_foreign_key",
    "tenant_index",
    "tenant_unique",
    "utcnow",
    "uuid7",
]
