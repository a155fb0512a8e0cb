"""Dishes and menus."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from core.sdk import MAX_PAGE_SIZE, PAGE_SIZE, page_of, requires, transactional

from ..models import Dish
from ..schemas.menus import (
    AddedMenuItemSchema,
    CopiedSchema,
    CopyWeekSchema,
    DishChangeSchema,
    DishSchema,
    MenuItemSchema,
    MenuWeekQuerySchema,
)
from ..services import menus as services
from ..services import week_of
from . import blp


def _with_ingredients(dishes: list[Dish]) -> list[Dish]:
    found = services.ingredients_of([d.id for d in dishes])
    for dish in dishes:
        dish.ingredients = found.get(dish.id, [])
    return dishes


@blp.route("/dishes")
@blp.response(200, DishSchema(many=True))
@blp.paginate(page_size=PAGE_SIZE, max_page_size=MAX_PAGE_SIZE)
@requires("canteen.read")
def list_dishes(pagination_parameters):
    page = page_of(select(Dish).order_by(Dish.name, Dish.id), pagination_parameters)
    return _with_ingredients(list(page))


@blp.route("/dishes", methods=["POST"])
@blp.arguments(DishSchema)
@blp.response(201, DishSchema)
@requires("canteen.menu.manage")
@transactional
def create_dish(data):
    return _with_ingredients([services.create_dish(data)])[0]


@blp.route("/dishes/<uuid:dish_id>")
@blp.response(200, DishSchema)
@requires("canteen.read")
@transactional
def get_dish(dish_id: uuid.UUID):
    return _with_ingredients([services.get_dish(dish_id)])[0]


@blp.route("/dishes/<uuid:dish_id>", methods=["PATCH"])
@blp.arguments(DishChangeSchema(partial=True))
@blp.response(200, DishSchema)
@requires("canteen.menu.manage")
@transactional
def change_dish(changes, dish_id: uuid.UUID):
    return _with_ingredients([services.update_dish(dish_id, changes)])[0]


def _menu_rows(start, end):
    rows = []
    for item, dish in services.menu(start, end):
        item.dish_name = dish.name
        rows.append(item)
    return rows


@blp.route("/menu")
@blp.arguments(MenuWeekQuerySchema, location="query")
@blp.response(200, MenuItemSchema(many=True))
@requires("canteen.read")
def week_menu(query):
    """The menu of the week (Monday to Sunday) that holds ``week``."""
    days = week_of(query["week"])
    return _menu_rows(days[0], days[-1])


@blp.route("/menu", methods=["POST"])
@blp.arguments(MenuItemSchema)
@blp.response(201, AddedMenuItemSchema)
@requires("canteen.menu.manage")
@transactional
def add_menu_item(data):
    """Put a dish on a meal. A day that is no school day is accepted with a warning."""
    item, warnings = services.add_to_menu(data)
    item.dish_name, item.warnings = services.get_dish(item.dish_id).name, warnings
    return item


@blp.route("/menu/<uuid:item_id>", methods=["DELETE"])
@blp.response(204)
@requires("canteen.menu.manage")
@transactional
def remove_menu_item(item_id: uuid.UUID):
    services.remove_from_menu(item_id)


@blp.route("/menu/copy-week", methods=["POST"])
@blp.arguments(CopyWeekSchema)
@blp.response(200, CopiedSchema)
@requires("canteen.menu.manage")
@transactional
def copy_week(data):
    return {"added": services.copy_week(data["source"], data["target"], data["replace"])}
