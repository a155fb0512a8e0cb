"""The registry of districts and schools.

These two tables describe tenants rather than belong to one, so they are global: a request
must read them to find its school before any school is in context.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, BigInteger, Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from core.db import BigId, TenantScoped, UtcDateTime, tenant_unique, utcnow
from core.db.rls import JOBS_ALL_SCHOOLS
from core.extensions import db
from core.tenancy import DistrictRef, TenantRef


class TenantType(enum.StrEnum):
    KINDERGARTEN = "kindergarten"
    PRIMARY = "primary"
    JUNIOR_HIGH = "junior_high"
    SENIOR_HIGH = "senior_high"
    NINE_YEAR = "nine_year"
    TWELVE_YEAR = "twelve_year"
    SPECIAL = "special"


TENANT_TYPES = {
    "kindergarten": _l("Kindergarten"), "primary": _l("Primary school"),
    "junior_high": _l("Junior high school"), "senior_high": _l("Senior high school"),
    "nine_year": _l("Nine-year school"), "twelve_year": _l("Twelve-year school"),
    "special": _l("Special education school"),
}


class TenantStatus(enum.StrEnum):
    ACTIVE = "active"
    SUSPENDED = "suspended"


class District(db.Model):
    __tablename__ = "districts"
    __audit_deployment__ = True

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    slug: Mapped[str] = mapped_column(String(63), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    timezone: Mapped[str] = mapped_column(String(64), default="Asia/Shanghai")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    def ref(self) -> DistrictRef:
        return DistrictRef(id=self.id, slug=self.slug, name=self.name, timezone=self.timezone)


class Tenant(db.Model):
    __tablename__ = "tenants"
    __audit_deployment__ = True

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    district_id: Mapped[int] = mapped_column(ForeignKey("districts.id"), index=True)
    slug: Mapped[str] = mapped_column(String(63), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    type: Mapped[str] = mapped_column(String(20))
    timezone: Mapped[str] = mapped_column(String(64), default="Asia/Shanghai")
    status: Mapped[str] = mapped_column(String(20), default=TenantStatus.ACTIVE.value)
    has_boarders: Mapped[bool] = mapped_column(Boolean, default=False)
    # Custom host names as declared; requests resolve them through ``tenant_domains``.
    domains: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    def ref(self) -> TenantRef:
        return TenantRef(
            id=self.id,
            slug=self.slug,
            name=self.name,
            type=self.type,
            timezone=self.timezone,
            district_id=self.district_id,
            status=self.status,
            has_boarders=self.has_boarders,
        )


class TenantDomain(db.Model):
    """One custom host name and the school it names, kept in step with ``Tenant.domains``
    (core.schools.registry), so that a request looks up its own host and nothing else.

    Read before any school is chosen, like ``tenants`` itself, so it is a registry table, not a
    school's: its column is ``school_id`` rather than ``tenant_id`` and it carries no row-level
    security. It holds only which school a public host name points at.
    """

    __tablename__ = "tenant_domains"

    host: Mapped[str] = mapped_column(String(253), primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"), index=True)


class RegistryVersion(db.Model):
    """A single counter, raised whenever a school is added, changed or removed: workers compare
    it (at most every ``REGISTRY_CHECK_SECONDS``) to know when to forget what they cached."""

    __tablename__ = "registry_version"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger, default=0)


class TenantModule(TenantScoped, db.Model):
    """A module's state for one school. Rows stay when a module is disabled: data is kept."""

    __tablename__ = "tenant_modules"
    # The scheduler reads which schools have which module on, for all schools at once
    # (core.jobs.scope.cross_school); it never writes here through that scope.
    __table_args__ = (tenant_unique("module"), {"info": {"rls_policies": [
        ("houqin_jobs_all_schools_read", "SELECT", JOBS_ALL_SCHOOLS)]}})

    module: Mapped[str] = mapped_column(String(63))
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    settings: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    changed_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)
