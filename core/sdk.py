"""The public API for plugin authors: import from here, and only from here.

Everything named in ``__all__`` is kept stable across minor versions of core; a change
comes with a deprecation period.
"""

from __future__ import annotations

from core.api.errors import Conflict, Forbidden, Invalid, NotFound, Problem
from core.api.pagination import MAX_PAGE_SIZE, PAGE_SIZE, page_of
from core.api.schema import Schema
from core.auth import Principal, current_principal
from core.db import (
    TenantScoped,
    UtcDateTime,
    tenant_foreign_key,
    tenant_index,
    tenant_unique,
    utcnow,
    uuid7,
)
from core.extensions import db
from core.hookspecs import hookimpl, hookspec
from core.jobs import JobContext, Schedule, enqueue
from core.permissions import Permission, Role, public, requires
from core.plugins.manifest import PluginManifest
from core.plugins.types import NavEntry, Widget
from core.state import kernel
from core.tenancy import DistrictRef, TenantRef, current_tenant, require_tenant


def hooks():
    """Hook callers that reach only the modules the school in context has switched on."""
    from tenants.modules import enabled_modules

    require_tenant()
    return kernel().plugins.hooks_for(enabled_modules())


def module_settings(name: str) -> dict:
    """The validated settings of module ``name`` for the school in context."""
    from tenants.models import TenantModule

    require_tenant()
    row = db.session.scalar(db.select(TenantModule).where(TenantModule.module == name))
    return dict(row.settings) if row else {}


__all__ = [
    "MAX_PAGE_SIZE",
    "PAGE_SIZE",
    "Conflict",
    "DistrictRef",
    "Forbidden",
    "Invalid",
    "JobContext",
    "NavEntry",
    "NotFound",
    "Permission",
    "PluginManifest",
    "Principal",
    "Problem",
    "Role",
    "Schedule",
    "Schema",
    "TenantRef",
    "TenantScoped",
    "UtcDateTime",
    "Widget",
    "current_principal",
    "current_tenant",
    "db",
    "enqueue",
    "hookimpl",
    "hooks",
    "hookspec",
    "module_settings",
    "page_of",
    "public",
    "require_tenant",
    "requires",
    "tenant_foreign_key",
    "tenant_index",
    "tenant_unique",
    "utcnow",
    "uuid7",
]
