"""The dish library and the menus."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, Integer, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from core.sdk import TenantScoped, UtcDateTime, db, tenant_foreign_key, tenant_index, utcnow


class Dish(TenantScoped, db.Model):
    """A dish of the school's library, with what goes into one serving."""

    __tablename__ = "canteen_dishes"
    __table_args__ = (
        tenant_index("ix_canteen_dishes_name", "name", unique=True),
        tenant_foreign_key("photo_id", "stored_files"),
    )

    name: Mapped[str] = mapped_column(String(60))
    allergens: Mapped[list[str]] = mapped_column(JSON, default=list)
    notes: Mapped[str] = mapped_column(Text, default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    photo_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)  # a core stored file, an image


class DishIngredient(TenantScoped, db.Model):
    __tablename__ = "canteen_dish_ingredients"
    __table_args__ = (
        tenant_foreign_key("dish_id", "canteen_dishes"),
        tenant_index("ix_canteen_dish_ingredients_dish", "dish_id"),
    )

    dish_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    food: Mapped[str] = mapped_column(String(60))
    grams: Mapped[int] = mapped_column(Integer)  # per serving


class MenuItem(TenantScoped, db.Model):
    """One dish served at one meal of one day."""

    __tablename__ = "canteen_menu_items"
    __table_args__ = (
        tenant_foreign_key("dish_id", "canteen_dishes"),
        tenant_index("ix_canteen_menu_items_meal", "day", "slot", "dish_id", unique=True),
    )

    day: Mapped[date] = mapped_column(Date)
    slot: Mapped[str] = mapped_column(String(20))
    dish_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    position: Mapped[int] = mapped_column(Integer, default=0)
