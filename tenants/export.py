"""A school's data as plain rows: core records plus what each enabled module exports."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from core.extensions import db
from core.identity.models import Membership, User
from core.state import kernel
from core.tenancy import require_tenant
from tenants.models import TenantModule
from tenants.modules import enabled_modules


def export_school() -> dict[str, Any]:
    """Everything the school in context holds, keyed by module; modules that are off are left
    out (their data is kept, and exported again once they are switched back on)."""
    tenant = require_tenant()
    members = db.session.execute(
        select(User.email, User.name, Membership.role)
        .join(User, User.id == Membership.user_id).order_by(User.email, Membership.role)
    ).all()
    export: dict[str, Any] = {
        "school": {"slug": tenant.slug, "name": tenant.name, "type": tenant.type,
                   "timezone": tenant.timezone, "has_boarders": tenant.has_boarders},
        "modules": [{"module": m.module, "enabled": m.enabled, "settings": m.settings}
                    for m in db.session.scalars(select(TenantModule).order_by(TenantModule.module))],
        "members": [{"email": e, "name": n, "role": r} for e, n, r in members],
    }
    hooks = kernel().plugins
    for name in sorted(enabled_modules()):
        for part in hooks.hooks_of(name).houqin_export_tenant_data(tenant=tenant):
            export[name] = part
    return export
