"""The registry of districts and schools.

These two tables describe tenants rather than belong to one, so they are global: a request
must read them to find its school before any school is in context.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, String
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
    # Custom host names; few per school, resolved through an in-memory map (tenants.resolution).
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
