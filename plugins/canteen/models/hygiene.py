"""Hygiene logs: tableware disinfection, pest control (消杀), kitchen waste handed over, and the
school leader's accompanying meal (陪餐)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Date, Integer, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from core.sdk import TenantScoped, UtcDateTime, Voidable, db, tenant_index, utcnow
from core.sdk import lazy_gettext as _l

# Thermal methods record the temperature reached; chemical disinfection records its agent.
DISINFECTION_METHODS = ("steam", "boiling", "infrared_cabinet", "dishwasher", "chemical")
THERMAL_METHODS = frozenset({"steam", "boiling", "infrared_cabinet", "dishwasher"})
WASTE_KINDS = ("food_waste", "waste_oil")
METHOD_TITLES = {"steam": _l("Steam"), "boiling": _l("Boiling"),
                 "infrared_cabinet": _l("Infrared cabinet"), "dishwasher": _l("Dishwasher"),
                 "chemical": _l("Chemical")}
WASTE_TITLES = {"food_waste": _l("Food waste"), "waste_oil": _l("Waste oil")}


class Disinfection(Voidable, TenantScoped, db.Model):
    """Tableware disinfected after (or before) one meal."""

    __tablename__ = "canteen_disinfections"
    __table_args__ = (tenant_index("ix_canteen_disinfections_day", "day", "slot"),)

    day: Mapped[date] = mapped_column(Date)
    slot: Mapped[str] = mapped_column(String(20))
    method: Mapped[str] = mapped_column(String(20))
    temperature: Mapped[Decimal | None] = mapped_column(Numeric(4, 1))  # °C, thermal methods
    agent: Mapped[str] = mapped_column(String(100), default="")  # chemical: what, how strong
    minutes: Mapped[int] = mapped_column(Integer)
    items: Mapped[str] = mapped_column(String(100), default="")  # 餐盘、碗筷 …
    done_by: Mapped[str] = mapped_column(String(50))
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class PestControl(Voidable, TenantScoped, db.Model):
    """One round of pest control (消杀) in one area."""

    __tablename__ = "canteen_pest_controls"
    __table_args__ = (tenant_index("ix_canteen_pest_controls_day", "day"),)

    day: Mapped[date] = mapped_column(Date)
    area: Mapped[str] = mapped_column(String(60))
    method: Mapped[str] = mapped_column(String(100))  # method and agent
    done_by: Mapped[str] = mapped_column(String(50))
    contractor: Mapped[str] = mapped_column(String(80), default="")  # the company, if hired
    remarks: Mapped[str] = mapped_column(Text, default="")
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class WasteHandover(Voidable, TenantScoped, db.Model):
    """Kitchen waste handed to its collector, against a receipt (联单)."""

    __tablename__ = "canteen_waste_handovers"
    __table_args__ = (tenant_index("ix_canteen_waste_handovers_day", "day"),)

    day: Mapped[date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(20))
    kilograms: Mapped[Decimal] = mapped_column(Numeric(8, 2))
    collector: Mapped[str] = mapped_column(String(50))
    collector_company: Mapped[str] = mapped_column(String(80))
    receipt_no: Mapped[str] = mapped_column(String(40))
    handed_over_by: Mapped[str] = mapped_column(String(50))
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class AccompaniedMeal(Voidable, TenantScoped, db.Model):
    """A school leader ate a meal with the pupils (陪餐) and said how it was."""

    __tablename__ = "canteen_accompanied_meals"
    __table_args__ = (tenant_index("ix_canteen_accompanied_meals_day", "day", "slot"),)

    day: Mapped[date] = mapped_column(Date)
    slot: Mapped[str] = mapped_column(String(20))
    leader_name: Mapped[str] = mapped_column(String(50))
    leader_title: Mapped[str] = mapped_column(String(50))
    rating: Mapped[int] = mapped_column(Integer)  # 1 (poor) to 5 (very good)
    remarks: Mapped[str] = mapped_column(Text, default="")
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
