"""The week's menu (and its public, printable sheet for parents) and the dish library."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

from flask import current_app, g, redirect, render_template, request, url_for
from marshmallow import ValidationError
from sqlalchemy import select

from core.sdk import _l, db, forms, public, requires, school_today

from ..models import ALLERGENS, Dish
from ..schemas.menus import CopyWeekSchema, DishSchema, MenuItemSchema
from ..services import dish_photos, week_of
from ..services import menus as services
from . import bp, common, day_arg

# --- the week's menu -----------------------------------------------------------------------


def _week(day: date) -> dict:
    days = week_of(day)
    grid: dict[tuple[date, str], list] = {}
    for item, dish in services.menu(days[0], days[-1]):
        grid.setdefault((item.day, item.slot), []).append((item, dish))
    return {"days": days, "grid": grid}


def _render_menu(errors: dict[str, str], form: dict, status: int = 200, warnings=()):
    day = day_arg("week")
    dishes = db.session.scalars(select(Dish).where(Dish.active.is_(True))
                                .order_by(Dish.name)).all()
    return render_template("canteen/menu.html", **_week(day), **common(), dishes=dishes,
                           week=day, errors=errors, form=form, warnings=warnings), status


@bp.route("/menu")
@requires("canteen.read")
def menu():
    return _render_menu({}, {})


@bp.route("/menu", methods=["POST"])
@requires("canteen.menu.manage")
@forms.submitted(_render_menu)
def add_menu_item():
    form = request.form
    _item, warnings = services.add_to_menu(MenuItemSchema().load(
        forms.schema_fields(form, ("day", "slot", "dish_id"))))
    if warnings:
        return _render_menu({}, {"day": form.get("day")}, warnings=warnings)
    return redirect(url_for("canteen_pages.menu", week=form.get("day")))


@bp.route("/menu/<uuid:item_id>/delete", methods=["POST"])
@requires("canteen.menu.manage")
@forms.submitted(lambda errors, form, status, item_id: redirect(  # another school's: a 404
    url_for("canteen_pages.menu", week=form.get("week"))))
def remove_menu_item(item_id: uuid.UUID):
    services.remove_from_menu(item_id)
    return redirect(url_for("canteen_pages.menu", week=request.form.get("week")))


@bp.route("/menu/copy", methods=["POST"])
@requires("canteen.menu.manage")
@forms.submitted(_render_menu, prefix="copy_")
def copy_week():
    data = CopyWeekSchema().load(forms.schema_fields(request.form, ("source", "target"),
                                                     checkboxes=("replace",)))
    services.copy_week(data["source"], data["target"], data["replace"])
    return redirect(url_for("canteen_pages.menu", week=data["target"].isoformat()))


@bp.route("/public/menu")
@public
def public_menu():
    """The week's menu for parents: no sign-in, nothing but dishes and allergens; prints on
    one sheet."""
    day = day_arg("week")
    week = _week(day)
    allergens = {dish.id: dish.allergens for meals in week["grid"].values()
                 for _item, dish in meals}
    return render_template("canteen/public_menu.html", **week, **common(), week=day,
                           school=g.tenant, allergens=allergens, today=school_today(),
                           previous=week["days"][0] - timedelta(days=7),
                           following=week["days"][0] + timedelta(days=7))


# --- dishes --------------------------------------------------------------------------------


def _ingredients(text: str) -> list[dict]:
    """One ingredient a line: a food and the grams per serving (大米 100)."""
    rows = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        food, _, grams = line.strip().rpartition(" ")
        if not food.strip() or not grams.isdigit():
            raise ValidationError({"ingredients": [str(_l(
                "line %(n)s: write a food and its grams per serving, such as “大米 100”",
                n=number))]})
        rows.append({"food": food.strip(), "grams": int(grams)})
    return rows


def uploaded_photo() -> tuple[str, bytes] | None:
    """The photo a form carries (the file input ``photo``); an empty input means none. One byte
    past the limit is read, so the store can refuse a file that is too large."""
    upload = request.files.get("photo")
    if upload is None or not upload.filename:
        return None
    return upload.filename, upload.read(current_app.config["UPLOAD_MAX_BYTES"] + 1)


def render_dishes(errors: dict[str, str], form: dict, status: int = 200):
    # A page at a time: the dishes a kitchen has cooked (retired ones too) grow year by year.
    dishes, page, more = forms.page_of(
        select(Dish).order_by(Dish.active.desc(), Dish.name, Dish.id))
    return render_template("canteen/dishes.html", dishes=dishes, page=page, more=more,
                           **common(),
                           allergens=ALLERGENS,
                           ingredients=services.ingredients_of([d.id for d in dishes]),
                           errors=errors, form=form, chosen=request.form.getlist("allergens")
                           ), status


@bp.route("/dishes")
@requires("canteen.read")
def dishes():
    return render_dishes({}, {})


@bp.route("/dishes", methods=["POST"])
@requires("canteen.menu.manage")
@forms.submitted(render_dishes)
def add_dish():
    form = request.form
    data = DishSchema().load({**forms.schema_fields(form, ("name", "notes")),
                              "allergens": form.getlist("allergens"),
                              "ingredients": _ingredients(form.get("ingredients", ""))})
    dish = services.create_dish(data)
    if photo := uploaded_photo():
        dish_photos.set_photo(dish.id, *photo)
    return redirect(url_for("canteen_pages.dishes"))
