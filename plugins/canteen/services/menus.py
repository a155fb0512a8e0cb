"""The canteen's rules, for the school in context. No request objects here: the API, the
pages and the jobs all come through these functions."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from sqlalchemy import delete, select

from core.sdk import RuleBroken, db, is_school_day, module_settings, require_tenant

from .models import Dish, DishIngredient, MenuItem, Sample
from .regulations import rules


def settings() -> dict[str, Any]:
    return module_settings("canteen")


def _school_zone() -> ZoneInfo:
    return ZoneInfo(require_tenant().timezone)


def week_of(day: date) -> list[date]:
    monday = day - timedelta(days=day.weekday())
    return [monday + timedelta(days=n) for n in range(7)]


def _check_slot(slot: str) -> None:
    if slot not in settings()["meal_slots"]:
        raise RuleBroken(_("this school does not serve %(slot)s (see the canteen settings)",
                           slot=slot), "slot")


# --- dishes --------------------------------------------------------------------------------


def get_dish(dish_id: uuid.UUID, field: str = "dish_id", status: int = 404) -> Dish:
    dish = db.session.scalar(select(Dish).where(Dish.id == dish_id))
    if dish is None:
        raise RuleBroken(_("no such dish in this school"), field, status)
    return dish


def _name_taken(name: str, ignore: uuid.UUID | None = None) -> bool:
    found = db.session.scalar(select(Dish.id).where(Dish.name == name))
    return found is not None and found != ignore


def _set_ingredients(dish: Dish, ingredients: list[dict[str, Any]]) -> None:
    db.session.execute(delete(DishIngredient).where(DishIngredient.dish_id == dish.id))
    db.session.add_all(DishIngredient(dish_id=dish.id, **item) for item in ingredients)


def create_dish(data: dict[str, Any]) -> Dish:
    require_tenant()
    data = dict(data)
    ingredients = data.pop("ingredients", [])
    if _name_taken(data["name"]):
        raise RuleBroken(_("“%(name)s” exists already", name=data["name"]), "name")
    dish = Dish(**data)
    db.session.add(dish)
    db.session.flush()
    _set_ingredients(dish, ingredients)
    db.session.flush()
    return dish


def update_dish(dish_id: uuid.UUID, changes: dict[str, Any]) -> Dish:
    dish = get_dish(dish_id)
    changes = dict(changes)
    if "name" in changes and _name_taken(changes["name"], ignore=dish.id):
        raise RuleBroken(_("“%(name)s” exists already", name=changes["name"]), "name")
    if "ingredients" in changes:
        _set_ingredients(dish, changes.pop("ingredients"))
    for key, value in changes.items():
        setattr(dish, key, value)
    db.session.flush()
    return dish


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
    _check_slot(data["slot"])
    dish = get_dish(data["dish_id"], status=422)
    if not dish.active:
        raise RuleBroken(_("this dish is retired"), "dish_id")
    if db.session.scalar(select(MenuItem.id).where(
            MenuItem.day == data["day"], MenuItem.slot == data["slot"],
            MenuItem.dish_id == dish.id)):
        raise RuleBroken(_("this dish is on that meal already"), "dish_id", status=409)
    item = MenuItem(day=data["day"], slot=data["slot"], dish_id=dish.id,
                    position=data.get("position", 0))
    db.session.add(item)
    db.session.flush()
    warnings = [] if is_school_day(data["day"]) else [
        _("%(day)s is not a school day in the calendar", day=data["day"].isoformat())]
    return item, warnings


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


# --- samples (留样) --------------------------------------------------------------------------


def take_sample(data: dict[str, Any]) -> Sample:
    """Record a sample of a dish served at a meal; its disposal is due after the keeping time.

    Refused: a dish not on that meal's menu, a weight below the minimum in force, a time in
    the future or on another day than the meal's.
    """
    require_tenant()
    _check_slot(data["slot"])
    on_menu = db.session.scalar(select(MenuItem.id).where(
        MenuItem.day == data["day"], MenuItem.slot == data["slot"],
        MenuItem.dish_id == data["dish_id"]))
    if on_menu is None:
        raise RuleBroken(_("this dish is not on that meal's menu"), "dish_id")
    in_force = rules()
    minimum = in_force["sample_min_grams"].value
    if data["grams"] < minimum:
        raise RuleBroken(_("a sample weighs at least %(grams)s g", grams=minimum), "grams")
    taken_at: datetime = data["taken_at"]
    if taken_at.astimezone(_school_zone()).date() != data["day"]:
        raise RuleBroken(_("a sample is taken on the day of its meal"), "taken_at")
    if taken_at > datetime.now(taken_at.tzinfo) + timedelta(minutes=5):
        raise RuleBroken(_("lies in the future"), "taken_at")
    keep = timedelta(hours=in_force["sample_keep_hours"].value)
    sample = Sample(**data, dispose_due_at=taken_at + keep)
    db.session.add(sample)
    db.session.flush()
    return sample


def dispose_sample(sample_id: uuid.UUID, disposed_by: str, now: datetime) -> Sample:
    sample = db.session.scalar(select(Sample).where(Sample.id == sample_id))
    if sample is None:
        raise RuleBroken(_("no such sample in this school"), "sample_id", status=404)
    if sample.disposed_at is not None:
        raise RuleBroken(_("this sample was disposed of already"), "sample_id", status=409)
    if now < sample.dispose_due_at:
        raise RuleBroken(_("a sample is kept until %(due)s", due=sample.dispose_due_at
                           .astimezone(_school_zone()).strftime("%Y-%m-%d %H:%M")), "sample_id",
                         status=409)
    sample.disposed_at, sample.disposed_by = now, disposed_by
    db.session.flush()
    return sample


def sample_day(day: date, now: datetime) -> dict[str, Any]:
    """The day's sample register: what was served and sampled, which served dishes still lack
    a sample, and which samples (of any day) are overdue for disposal."""
    require_tenant()
    served = menu(day, day)
    samples = db.session.scalars(select(Sample).where(Sample.day == day)
                                 .order_by(Sample.taken_at)).all()
    sampled = {(s.slot, s.dish_id) for s in samples}
    missing = [(item, dish) for item, dish in served if (item.slot, item.dish_id) not in sampled]
    overdue = db.session.scalars(select(Sample).where(
        Sample.disposed_at.is_(None), Sample.dispose_due_at <= now)
        .order_by(Sample.dispose_due_at)).all()
    names = {dish.id: dish.name for _item, dish in served}
    missing_names = {s.dish_id for s in overdue} - set(names)
    if missing_names:
        names |= dict(db.session.execute(select(Dish.id, Dish.name)
                                         .where(Dish.id.in_(missing_names))).all())
    return {"day": day, "served": served, "samples": samples, "missing": missing,
            "overdue": overdue, "dish_names": names}
