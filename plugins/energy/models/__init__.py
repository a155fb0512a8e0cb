"""The energy module's tables: meters (water, electricity, gas) and their readings."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Boolean, Date, Integer, Numeric, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from core.sdk import TenantScoped, UtcDateTime, db, lazy_gettext, tenant_foreign_key, tenant_index, utcnow

KINDS = ("water", "electricity", "gas")
KIND_TITLES = {"water": lazy_gettext("Water"), "electricity": lazy_gettext("Electricity"),
               "gas": lazy_gettext("Gas")}
# What each kind is measured in; a meter's unit follows its kind.
UNITS = {"water": "m³", "electricity": "kWh", "gas": "m³"}
# A dial's figure: up to 9 whole digits and 3 after the point.
DIAL = Numeric(12, 3)


class Meter(TenantScoped, db.Model):
    """One meter on the school's grounds. A sub-meter names its parent: what the parent
    measured beyond its sub-meters is "unmetered". A meter replaced or taken out has
    ``retired_on``; its successor names it in ``replaces_id``."""

    __tablename__ = "energy_meters"
    __table_args__ = (
        tenant_index("ix_energy_meters_number", "number", unique=True),
        tenant_foreign_key("parent_id", "energy_meters"),
        tenant_foreign_key("replaces_id", "energy_meters"),
        tenant_foreign_key("building_id", "buildings"),  # core's buildings of the school
    )

    number: Mapped[str] = mapped_column(String(40))
    kind: Mapped[str] = mapped_column(String(12))  # KINDS
    unit: Mapped[str] = mapped_column(String(8))  # UNITS[kind]
    # One of the school's buildings (core keeps them; ``core.sdk.buildings`` reads them).
    building_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    # A building name typed before meters named core's buildings that matched none of the
    # school's: kept as written so nothing is lost, and shown until someone picks the
    # building. Empty once the meter names a building.
    unmatched_building: Mapped[str] = mapped_column(String(80), default="")
    location: Mapped[str] = mapped_column(String(120), default="")
    parent_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    digits: Mapped[int] = mapped_column(Integer)  # whole digits on the dial: it wraps after
    multiplier: Mapped[int] = mapped_column(Integer, default=1)  # CT ratio (倍率)
    installed_on: Mapped[date] = mapped_column(Date)
    retired_on: Mapped[date | None] = mapped_column(Date)
    replaces_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    created_by: Mapped[str] = mapped_column(String(50))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}

    @property
    def building(self) -> str:
        """The building's name as core keeps it, else the name as written (or empty)."""
        from ..places import building_name

        return building_name(self.building_id, self.unmatched_building)

    @property
    def wraps_at(self) -> int:
        """The figure after the dial's highest (99999 + 1 on five digits)."""
        return 10 ** self.digits


class Reading(TenantScoped, db.Model):
    """What a meter's dial showed at a moment, with the units used since the meter's reading
    before (dial difference × multiplier; none on a meter's first reading). ``kind`` says
    whether it is an ordinary reading, a new meter's first or a replaced meter's final one."""

    __tablename__ = "energy_readings"
    __table_args__ = (
        tenant_foreign_key("meter_id", "energy_meters"),
        tenant_index("ix_energy_readings_meter_at", "meter_id", "read_at", unique=True),
        tenant_index("ix_energy_readings_at", "read_at"),
    )

    meter_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    read_at: Mapped[datetime] = mapped_column(UtcDateTime)
    value: Mapped[Decimal] = mapped_column(DIAL)
    rolled_over: Mapped[bool] = mapped_column(Boolean, default=False)
    kind: Mapped[str] = mapped_column(String(8), default="regular")  # READING_KINDS
    used: Mapped[Decimal | None] = mapped_column(Numeric(14, 3))
    photo_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    note: Mapped[str] = mapped_column(String(200), default="")
    recorded_by: Mapped[str] = mapped_column(String(50))
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


READING_KINDS = ("regular", "first", "final")
READING_KIND_TITLES = {"regular": lazy_gettext("Reading"), "first": lazy_gettext("First reading"),
                       "final": lazy_gettext("Final reading")}
