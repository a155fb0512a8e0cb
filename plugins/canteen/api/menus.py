"""REST endpoints under /api/v1/canteen."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from flask_smorest import Blueprint
from marshmallow import fields
from sqlalchemy import select

from core.sdk import MAX_PAGE_SIZE, Schema, page_of, requires, transactional

from . import services
from .models import Dish
from .regulations import rules
from .schemas import (
    CopyWeekSchema,
    DayQuerySchema,
    DishChangeSchema,
    DishSchema,
    DisposalSchema,
    MenuItemSchema,
    MenuWeekQuerySchema,
    SampleSchema,
)

blp = Blueprint("canteen_api", __name__, url_prefix="/api/v1/canteen",
                description="Canteen and food safety: dishes, menus, samples")


class AddedMenuItemSchema(MenuItemSchema):
    warnings = fields.List(fields.String(), dump_only=True)


class CopiedSchema(Schema):
    added = fields.Integer()


class MissingSampleSchema(Schema):
    slot = fields.String()
    dish_id = fields.UUID()
    dish = fields.String()


class SampleDaySchema(Schema):
    day = fields.Date()
    samples = fields.List(fields.Nested(SampleSchema))
    missing = fields.List(fields.Nested(MissingSampleSchema))
    overdue = fields.List(fields.Nested(SampleSchema))


class RuleSchema(Schema):
    key = fields.String()
    value = fields.Integer()
    unit = fields.String()
    source = fields.String()
    effective = fields.String()
    overridden_by = fields.String(allow_none=True)


def _with_ingredients(dishes: list[Dish]) -> list[Dish]:
    found = services.ingredients_of([d.id for d in dishes])
    for dish in dishes:
        dish.ingredients = found.get(dish.id, [])
    return dishes


@blp.route("/dishes")
@blp.response(200, DishSchema(many=True))
@blp.paginate(page_size=100, max_page_size=MAX_PAGE_SIZE)
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
    days = services.week_of(query["week"])
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


@blp.route("/samples")
@blp.arguments(DayQuerySchema, location="query")
@blp.response(200, SampleDaySchema)
@requires("canteen.read")
def sample_day(query):
    """The day's samples, the served dishes still lacking one, and overdue disposals."""
    register = services.sample_day(query["day"], datetime.now(UTC))
    return {**register, "missing": [{"slot": item.slot, "dish_id": dish.id, "dish": dish.name}
                                    for item, dish in register["missing"]]}


@blp.route("/samples", methods=["POST"])
@blp.arguments(SampleSchema)
@blp.response(201, SampleSchema)
@requires("canteen.samples.write")
@transactional
def take_sample(data):
    return services.take_sample(data)


@blp.route("/samples/<uuid:sample_id>/dispose", methods=["POST"])
@blp.arguments(DisposalSchema)
@blp.response(200, SampleSchema)
@requires("canteen.samples.write")
@transactional
def dispose_sample(data, sample_id: uuid.UUID):
    return services.dispose_sample(sample_id, data["disposed_by"], datetime.now(UTC))


@blp.route("/rules")
@blp.response(200, RuleSchema(many=True))
@requires("canteen.read")
def rules_in_force():
    """The rules the canteen follows here, each with its citation and any district override."""
    return list(rules().values())
