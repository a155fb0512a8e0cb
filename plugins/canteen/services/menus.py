"""The dish library and the menus."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from sqlalchemy import delete, select

from core.sdk import RuleBroken, SheetColumn, _, _l, db, first_writer, is_school_day, require_tenant

from .. import exports
from ..models import ALLERGEN_TITLES, SLOT_TITLES, Dish, DishIngredient, MenuItem
from . import check_slot, week_of


def get_dish(dish_id: uuid.UUID, field: str = "dish_id", status: int = 404) -> Dish:
    dish = db.session.scalar(select(Dish).where(Dish.id == dish_id))
    if dish is None:
        raise RuleBroken(_("no such dish in this school"), field, status)
    return dish


def _refuse_taken(name: str | None, ignore: uuid.UUID | None = None) -> None:
    if name is None:
        return
    found = db.session.scalar(select(Dish.id).where(Dish.name == name))
    if found is not None and found != ignore:
        raise RuleBroken(_("“%(name)s” exists already", name=name), "name")


def set_ingredients(dish: Dish, ingredients: list[dict[str, Any]]) -> None:
    """Replace the dish's ingredients (an edit on the page, a row of an import)."""
    db.session.execute(delete(DishIngredient).where(DishIngredient.dish_id == dish.id))
    db.session.add_all(DishIngredient(dish_id=dish.id, **item) for item in ingredients)


def create_dish(data: dict[str, Any]) -> Dish:
    require_tenant()
    data = dict(data)
    ingredients = data.pop("ingredients", [])
    _refuse_taken(data["name"])
    # Two people adding the same dish at once: the second hears it exists.
    dish = first_writer(Dish(**data), winner=lambda: _refuse_taken(data["name"]))
    set_ingredients(dish, ingredients)
    db.session.flush()
    return dish


def update_dish(dish_id: uuid.UUID, changes: dict[str, Any]) -> Dish:
    dish = get_dish(dish_id)
    changes = dict(changes)
    if "name" in changes:
        _refuse_taken(changes["name"], ignore=dish.id)
    if "ingredients" in changes:
        set_ingredients(dish, changes.pop("ingredients"))

    return first_writer(dish, changes=changes,
                        winner=lambda: _refuse_taken(changes.get("name"), ignore=dish.id))


def ingredients_of(dish_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[DishIngredient]]:
    rows = db.session.scalars(select(DishIngredient).where(DishIngredient.dish_id.in_(dish_ids))
                              .order_by(DishIngredient.food)) if dish_ids else []
    found: dict[uuid.UUID, list[DishIngredient]] = {}
    for row in rows:
        found.setdefault(row.dish_id, []).append(row)
    return found


# --- menus ---------------------------------------------------------------------------------


def menu(start: date, end: date) -> list[tuple[MenuItem, Dish]]:
    """The dishes served from ``start`` to ``end``, by day, meal and position."""
    require_tenant()
    return list(db.session.execute(
        select(MenuItem, Dish).join(Dish, Dish.id == MenuItem.dish_id)
        .where(MenuItem.day >= start, MenuItem.day <= end)
        .order_by(MenuItem.day, MenuItem.slot, MenuItem.position, Dish.name)).all())


def add_to_menu(data: dict[str, Any]) -> tuple[MenuItem, list[str]]:
    """Put a dish on a meal; returns the item and warnings (a day that is no school day)."""
    require_tenant()
    check_slot(data["slot"])
    dish = get_dish(data["dish_id"], status=422)
    if not dish.active:
        raise RuleBroken(_("this dish is retired"), "dish_id")
    _refuse_served(data["day"], data["slot"], dish.id)
    item = first_writer(MenuItem(day=data["day"], slot=data["slot"], dish_id=dish.id,
                                 position=data.get("position", 0)),
                        winner=lambda: _refuse_served(data["day"], data["slot"], dish.id))
    warnings = [] if is_school_day(data["day"]) else [
        _("%(day)s is not a school day in the calendar", day=data["day"].isoformat())]
    return item, warnings


def _refuse_served(day: date, slot: str, dish_id: uuid.UUID) -> None:
    if db.session.scalar(select(MenuItem.id).where(
            MenuItem.day == day, MenuItem.slot == slot, MenuItem.dish_id == dish_id)):
        raise RuleBroken(_("this dish is on that meal already"), "dish_id", status=409)


def remove_from_menu(item_id: uuid.UUID) -> None:
    item = db.session.scalar(select(MenuItem).where(MenuItem.id == item_id))
    if item is None:
        raise RuleBroken(_("no such menu item in this school"), "item_id", status=404)
    db.session.delete(item)
    db.session.flush()


def copy_week(source: date, target: date, replace: bool = False) -> int:
    """Copy the menu of ``source``'s week onto ``target``'s week, day by day; dishes already
    on a target meal are kept. Returns how many items were added."""
    require_tenant()
    from_days, to_days = week_of(source), week_of(target)
    if from_days[0] == to_days[0]:
        raise RuleBroken(_("copy a week onto another week"), "target")
    if replace:
        db.session.execute(delete(MenuItem).where(MenuItem.day >= to_days[0],
                                                  MenuItem.day <= to_days[-1]))
    existing = set(db.session.execute(
        select(MenuItem.day, MenuItem.slot, MenuItem.dish_id)
        .where(MenuItem.day >= to_days[0], MenuItem.day <= to_days[-1])).all())
    shift = to_days[0] - from_days[0]
    added = 0
    for item, _dish in menu(from_days[0], from_days[-1]):
        key = (item.day + shift, item.slot, item.dish_id)
        if key not in existing:
            db.session.add(MenuItem(day=key[0], slot=item.slot, dish_id=item.dish_id,
                                    position=item.position))
            added += 1
    db.session.flush()
    return added


exports.register(exports.Register(
    "menus", _l("Menus"),
    (SheetColumn(_l("Day"), lambda r: r[0].day),
     SheetColumn(_l("Meal"), lambda r: SLOT_TITLES[r[0].slot]),
     SheetColumn(_l("Dish"), lambda r: r[1].name),
     SheetColumn(_l("Allergens"), lambda r: [ALLERGEN_TITLES[a] for a in r[1].allergens])),
    menu))
