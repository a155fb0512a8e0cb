"""Finding schools: by slug, by host name, by district.

Each worker caches what it found. A change made in this worker is forgotten at once; other
workers notice it through ``registry_version``, a counter raised in the same transaction as
the change, which they read at most every ``REGISTRY_CHECK_SECONDS`` (default 1).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable

from flask import current_app
from sqlalchemy import delete, event, insert, inspect, select, update
from sqlalchemy.engine import Connection

from core.cache import LRUCache, app_cache, declare_cache, invalidate
from core.extensions import db
from core.schools.models import District, RegistryVersion, Tenant, TenantDomain
from core.tenancy import TenantRef

# A district may give each of its 10,000 schools a host or two; the bound keeps a worker's
# memory flat whatever hosts (real or made up) requests arrive with.
HOST_CACHE_SIZE = 50_000
HOST_CACHE_SECONDS = 300.0
_CACHES = ("tenant_by_slug", "tenant_by_id", "tenant_hosts")

declare_cache("tenant_hosts", lambda app: LRUCache(HOST_CACHE_SECONDS, HOST_CACHE_SIZE))


class _RegistryWatch:
    """When this worker last read ``registry_version``, and what it read."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.next_check = 0.0
        self.version: int | None = None


def _notice_changes() -> None:
    """Forget every cached school if another worker changed one since the last look."""
    app = current_app._get_current_object()
    watch = app.extensions.setdefault("houqin_registry_watch", _RegistryWatch())
    now = time.monotonic()
    with watch.lock:
        if now < watch.next_check:
            return
        watch.next_check = now + app.config["REGISTRY_CHECK_SECONDS"]
    version = db.session.scalar(select(RegistryVersion.version).where(RegistryVersion.id == 1))
    if version != watch.version:
        for name in _CACHES:
            app_cache(name).invalidate()
        watch.version = version


def _slug_of_host(host: str) -> str | None:
    _notice_changes()

    def load() -> str | None:
        return db.session.scalar(
            select(Tenant.slug).join(TenantDomain, TenantDomain.school_id == Tenant.id)
            .where(TenantDomain.host == host))

    return app_cache("tenant_hosts").get(host, load)


def host_owner(host: str) -> str | None:
    """The slug of the school a custom host name belongs to, read afresh."""
    return db.session.scalar(
        select(Tenant.slug).join(TenantDomain, TenantDomain.school_id == Tenant.id)
        .where(TenantDomain.host == host.lower()))


def tenant_by_slug(slug: str) -> TenantRef | None:
    def load() -> TenantRef | None:
        tenant = db.session.scalar(select(Tenant).where(Tenant.slug == slug))
        return tenant.ref() if tenant else None

    return app_cache("tenant_by_slug").get(slug, load)


def write_hosts(connection: Connection, hosts: dict[int, Iterable[str]]) -> None:
    """Make ``tenant_domains`` say exactly ``hosts`` (school id → its custom host names) for
    those schools, and tell other workers. Code that writes ``tenants`` without the ORM (a bulk
    provisioning, an import) calls this in the same transaction."""
    if not hosts:
        return
    connection.execute(delete(TenantDomain).where(TenantDomain.school_id.in_(list(hosts))))
    rows = [{"host": host.lower(), "school_id": school_id}
            for school_id, names in hosts.items() for host in dict.fromkeys(names or ())]
    if rows:
        connection.execute(insert(TenantDomain), rows)
    registry_changed(connection)


def registry_changed(connection: Connection) -> None:
    """Raise ``registry_version`` so other workers forget the schools they cached."""
    bumped = connection.execute(update(RegistryVersion).where(RegistryVersion.id == 1)
                                .values(version=RegistryVersion.version + 1))
    if bumped.rowcount == 0:  # a database made from the models rather than the migrations
        connection.execute(insert(RegistryVersion).values(id=1, version=1))


@event.listens_for(Tenant, "after_insert")
def _school_added(mapper, connection, target) -> None:
    write_hosts(connection, {target.id: target.domains or ()})
    _forget_tenants()


@event.listens_for(Tenant, "after_update")
def _school_changed(mapper, connection, target) -> None:
    if inspect(target).attrs.domains.history.has_changes():
        write_hosts(connection, {target.id: target.domains or ()})
    else:
        registry_changed(connection)
    _forget_tenants()


@event.listens_for(Tenant, "before_delete")
def _school_removed(mapper, connection, target) -> None:
    write_hosts(connection, {target.id: ()})
    _forget_tenants()


def _forget_tenants() -> None:
    """Whenever a school is added or changed (renamed, suspended, moved to another domain),
    every lookup of schools starts afresh: in this worker at once, in others at their next
    look at ``registry_version``."""
    for name in _CACHES:
        invalidate(name)


def tenant_by_id(tenant_id: int) -> TenantRef | None:
    def load() -> TenantRef | None:
        tenant = db.session.get(Tenant, tenant_id)
        return tenant.ref() if tenant else None

    return app_cache("tenant_by_id").get(tenant_id, load)


def slug_from_host(host: str, server_name: str | None) -> str | None:
    """A custom domain, or ``<slug>.<server name>`` when a server name is configured."""
    host = host.split(":", 1)[0].lower()
    if slug := _slug_of_host(host):
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
