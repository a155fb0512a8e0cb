"""Finding schools: by slug, by host name, by district."""

from __future__ import annotations

from sqlalchemy import event, select

from core.cache import app_cache, invalidate
from core.extensions import db
from core.tenancy import TenantRef
from tenants.models import District, Tenant


def _custom_domains() -> dict[str, str]:
    """Every school's custom host names: few per school, so the whole map is cached."""
    def load() -> dict[str, str]:
        rows = db.session.execute(select(Tenant.slug, Tenant.domains)).all()
        return {d.lower(): slug for slug, domains in rows for d in domains or []}

    return app_cache("custom_domains").get("all", load)


def tenant_by_slug(slug: str) -> TenantRef | None:
    def load() -> TenantRef | None:
        tenant = db.session.scalar(select(Tenant).where(Tenant.slug == slug))
        return tenant.ref() if tenant else None

    return app_cache("tenant_by_slug").get(slug, load)


@event.listens_for(Tenant, "after_insert")
@event.listens_for(Tenant, "after_update")
@event.listens_for(Tenant, "after_delete")
def _forget_tenants(mapper, connection, target) -> None:
    """Whenever a school is added or changed (renamed, suspended, moved to another domain),
    every lookup of schools starts afresh, in this worker at once and in others within
    AUTH_CACHE_SECONDS."""
    invalidate("tenant_by_slug")
    invalidate("tenant_by_id")
    invalidate("custom_domains")


def tenant_by_id(tenant_id: int) -> TenantRef | None:
    def load() -> TenantRef | None:
        tenant = db.session.get(Tenant, tenant_id)
        return tenant.ref() if tenant else None

    return app_cache("tenant_by_id").get(tenant_id, load)


def slug_from_host(host: str, server_name: str | None) -> str | None:
    """A custom domain, or ``<slug>.<server name>`` when a server name is configured."""
    host = host.split(":", 1)[0].lower()
    if slug := _custom_domains().get(host):
        return slug
    if server_name:
        suffix = "." + server_name.lower()
        if host.endswith(suffix) and host.count(".") == server_name.count(".") + 1:
            return host[: -len(suffix)]
    return None


def district_tenants(district_id: int) -> list[TenantRef]:
    rows = db.session.scalars(
        select(Tenant).where(Tenant.district_id == district_id).order_by(Tenant.slug)
    )
    return [t.ref() for t in rows]


def district_by_slug(slug: str) -> District | None:
    return db.session.scalar(select(District).where(District.slug == slug))
