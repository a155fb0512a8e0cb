"""Which school (or which district's schools) the current code may touch.

Three scopes exist and every query on school data must run inside one of them:

* a **tenant scope**: one school, read and write;
* a **district scope**: the schools of one district, read only, opened for a stated purpose;
* an **identity lookup**: the narrow reads authentication needs before a school is known
  (a person's own memberships, one API token by its public id).

Each scope lives in a context variable, so a request, a job or a CLI command carries its own.
The ORM guard (``core.db.guard``) and the PostgreSQL session settings (``core.db.rls``) read
them; neither ever falls back to "everything".
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo


class NoTenantInContext(RuntimeError):
    """Raised when school data is queried with no school in context."""


class ReadOnlyScope(RuntimeError):
    """Raised when something tries to write while only a district read scope is open."""


class CrossTenantWrite(RuntimeError):
    """Raised when a row of one school is written while another school is in context."""


@dataclass(frozen=True)
class TenantRef:
    """A detached snapshot of a school, safe to carry across sessions, threads and jobs."""

    id: int
    slug: str
    name: str
    type: str
    timezone: str
    district_id: int
    status: str
    has_boarders: bool = False


@dataclass(frozen=True)
class DistrictRef:
    """A detached snapshot of a district, for hooks called outside any school."""

    id: int
    slug: str
    name: str
    timezone: str


@dataclass(frozen=True)
class DistrictScope:
    district_id: int
    tenant_ids: tuple[int, ...]
    purpose: str


@dataclass(frozen=True)
class IdentityLookup:
    user_id: int | None = None
    token_public_id: str | None = None


_tenant: ContextVar[TenantRef | None] = ContextVar("houqin_tenant", default=None)
_district: ContextVar[DistrictScope | None] = ContextVar("houqin_district", default=None)
_identity: ContextVar[IdentityLookup | None] = ContextVar("houqin_identity", default=None)


def current_tenant() -> TenantRef | None:
    return _tenant.get()


def require_tenant() -> TenantRef:
    tenant = _tenant.get()
    if tenant is None:
        raise NoTenantInContext("this needs a school in context; none is set")
    return tenant


def school_zone() -> ZoneInfo:
    """The time zone of the school in context."""
    return ZoneInfo(require_tenant().timezone)


def school_today() -> date:
    """The date at the school in context, in its own time zone: at 07:00 in Beijing a UTC
    clock is still on yesterday. (Inside ``demo_day``, the demo's day.)"""
    lived = _demo_day.get()
    return lived if lived is not None else datetime.now(school_zone()).date()


_demo_day: ContextVar[date | None] = ContextVar("houqin_demo_day", default=None)


@contextmanager
def demo_day(day: date) -> Iterator[None]:
    """Inside the block the school's date is ``day``, a day already past: a demo school lives
    its past weeks day by day through the modules' own rules (a fee notice published before
    the term is billed, money received after the bill). Only a demo deployment
    (``HOUQIN_DEMO=1``) may; the times rows record stay the real ones."""
    from flask import current_app

    if not current_app.config.get("DEMO"):
        raise RuntimeError("only a demo deployment (HOUQIN_DEMO=1) lives a day other than today")
    if day > datetime.now(school_zone()).date():
        raise ValueError(f"a demo lives days up to today, not {day.isoformat()}")
    token = _demo_day.set(day)
    try:
        yield
    finally:
        _demo_day.reset(token)


def current_district_scope() -> DistrictScope | None:
    return _district.get()


def current_identity_lookup() -> IdentityLookup | None:
    return _identity.get()


def _resync() -> None:
    # Imported late: the data layer imports this module.
    from core.db.rls import scope_changed

    scope_changed()


@contextmanager
def _scope(
    tenant: TenantRef | None, district: DistrictScope | None, identity: IdentityLookup | None
) -> Iterator[None]:
    tokens = (_tenant.set(tenant), _district.set(district), _identity.set(identity))
    try:
        _resync()
        yield
    finally:
        _identity.reset(tokens[2])
        _district.reset(tokens[1])
        _tenant.reset(tokens[0])
        _resync()


@contextmanager
def tenant_context(tenant: TenantRef) -> Iterator[TenantRef]:
    """Run the block as ``tenant``; district and identity scopes are closed meanwhile."""
    with _scope(tenant, None, None):
        yield tenant


@contextmanager
def district_scope(scope: DistrictScope) -> Iterator[DistrictScope]:
    """Read (never write) the data of a district's schools; the caller audits the purpose."""
    with _scope(None, scope, None):
        yield scope


@contextmanager
def identity_lookup(
    *, user_id: int | None = None, token_public_id: str | None = None
) -> Iterator[IdentityLookup]:
    """The reads authentication needs before a school is chosen; nothing else is visible."""
    lookup = IdentityLookup(user_id=user_id, token_public_id=token_public_id)
    with _scope(None, None, lookup):
        yield lookup


def bind_request_tenant(tenant: TenantRef | None):
    """Set the tenant for the rest of a request; returns the token for ``unbind``."""
    token = _tenant.set(tenant)
    try:
        _resync()
    except BaseException:
        _tenant.reset(token)
        raise
    return token


def unbind_request_tenant(token) -> None:
    _tenant.reset(token)
    _resync()
