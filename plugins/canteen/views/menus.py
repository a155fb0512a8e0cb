"""Web pages: the week's menu (and its public, printable sheet for parents), the dish library,
and the day's sample register. Same schemas and services as the API."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import Blueprint, g, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError
from sqlalchemy import select

from core.sdk import RuleBroken, current_principal, db, forms, public, require_tenant, requires

from . import services
from .models import ALLERGENS, Dish
from .schemas import CopyWeekSchema, DishSchema, DisposalSchema, MenuItemSchema, SampleSchema

bp = Blueprint("canteen_pages", __name__, url_prefix="/m/canteen", template_folder="templates")

SLOT_TITLES = {"breakfast": _l("Breakfast"), "morning_snack": _l("Morning snack"),
               "lunch": _l("Lunch"), "afternoon_snack": _l("Afternoon snack"),
               "dinner": _l("Dinner"), "evening_snack": _l("Evening snack")}
ALLERGEN_TITLES = {"gluten": _l("Cereals with gluten"), "crustacean": _l("Crustaceans"),
                   "fish": _l("Fish"), "egg": _l("Eggs"), "peanut": _l("Peanuts"),
                   "soy": _l("Soybeans"), "milk": _l("Milk"), "tree_nut": _l("Tree nuts")}
WEEKDAYS = (_l("Mon"), _l("Tue"), _l("Wed"), _l("Thu"), _l("Fri"), _l("Sat"), _l("Sun"))


def _today() -> date:
    return datetime.now(ZoneInfo(require_tenant().timezone)).date()


def _day_arg(name: str) -> date:
    try:
        return date.fromisoformat(request.args.get(name, ""))
    except ValueError:
        return _today()


def _common() -> dict:
    return {"slot_titles": SLOT_TITLES, "allergen_titles": ALLERGEN_TITLES,
            "weekdays": WEEKDAYS, "slots": services.settings()["meal_slots"],
            "timedelta": timedelta}


# --- the week's menu -----------------------------------------------------------------------


def _week(day: date) -> dict:
    days = services.week_of(day)
    grid: dict[tuple[date, str], list] = {}
    for item, dish in services.menu(days[0], days[-1]):
        grid.setdefault((item.day, item.slot), []).append((item, dish))
    return {"days": days, "grid": grid}


def _render_menu(errors: dict[str, str], form: dict, status: int = 200, warnings=()):
    day = _day_arg("week")
    dishes = db.session.scalars(select(Dish).where(Dish.active.is_(True))
                                .order_by(Dish.name)).all()
    return render_template("canteen/menu.html", **_week(day), **_common(), dishes=dishes,
                           week=day, errors=errors, form=form, warnings=warnings), status


@bp.route("/menu")
@requires("canteen.read")
def menu():
    return _render_menu({}, {})


@bp.route("/menu", methods=["POST"])
@requires("canteen.menu.manage")
def add_menu_item():
    form = request.form.to_dict()
    try:
        _item, warnings = services.add_to_menu(MenuItemSchema().load(
            forms.schema_fields(form, ("day", "slot", "dish_id"))))
    except (ValidationError, RuleBroken) as exc:
        return _render_menu(forms.form_errors(exc), form, forms.refusal_status(exc))
    db.session.commit()
    if warnings:
        return _render_menu({}, {"day": form.get("day")}, warnings=warnings)
    return redirect(url_for("canteen_pages.menu", week=form.get("day")))


@bp.route("/menu/<uuid:item_id>/delete", methods=["POST"])
@requires("canteen.menu.manage")
def remove_menu_item(item_id: uuid.UUID):
    try:
        services.remove_from_menu(item_id)
    except RuleBroken as exc:
        forms.refusal_status(exc)  # a 404 for another school's item
    db.session.commit()
    return redirect(url_for("canteen_pages.menu", week=request.form.get("week")))


@bp.route("/menu/copy", methods=["POST"])
@requires("canteen.menu.manage")
def copy_week():
    form = request.form.to_dict()
    try:
        data = CopyWeekSchema().load(forms.schema_fields(form, ("source", "target"),
                                                         checkboxes=("replace",)))
        services.copy_week(data["source"], data["target"], data["replace"])
    except (ValidationError, RuleBroken) as exc:
        return _render_menu(forms.prefixed(forms.form_errors(exc), "copy_"), form,
                            forms.refusal_status(exc))
    db.session.commit()
    return redirect(url_for("canteen_pages.menu", week=data["target"].isoformat()))


@bp.route("/public/menu")
@public
def public_menu():
    """The week's menu for parents: no sign-in, nothing but dishes and allergens; prints on
    one sheet."""
    day = _day_arg("week")
    week = _week(day)
    allergens = {dish.id: dish.allergens for meals in week["grid"].values()
                 for _item, dish in meals}
    return render_template("canteen/public_menu.html", **week, **_common(), week=day,
                           school=g.tenant, allergens=allergens)


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


def _render_dishes(errors: dict[str, str], form: dict, status: int = 200):
    dishes = db.session.scalars(select(Dish).order_by(Dish.active.desc(), Dish.name)).all()
    return render_template("canteen/dishes.html", dishes=dishes, **_common(),
                           allergens=ALLERGENS,
                           ingredients=services.ingredients_of([d.id for d in dishes]),
                           errors=errors, form=form, chosen=request.form.getlist("allergens")
                           ), status


@bp.route("/dishes")
@requires("canteen.read")
def dishes():
    return _render_dishes({}, {})


@bp.route("/dishes", methods=["POST"])
@requires("canteen.menu.manage")
def add_dish():
    form = request.form.to_dict()
    try:
        data = DishSchema().load({**forms.schema_fields(form, ("name", "notes")),
                                  "allergens": request.form.getlist("allergens"),
                                  "ingredients": _ingredients(form.get("ingredients", ""))})
        services.create_dish(data)
    except (ValidationError, RuleBroken) as exc:
        return _render_dishes(forms.form_errors(exc), form, forms.refusal_status(exc))
    db.session.commit()
    return redirect(url_for("canteen_pages.dishes"))


# --- samples -------------------------------------------------------------------------------


def _render_samples(errors: dict[str, str], form: dict, status: int = 200):
    day = _day_arg("day")
    register = services.sample_day(day, datetime.now(UTC))
    return render_template("canteen/samples.html", **register, **_common(), errors=errors,
                           form=form, zone=ZoneInfo(require_tenant().timezone)), status


@bp.route("/samples")
@requires("canteen.read")
def samples():
    return _render_samples({}, {})


def _taken_at(day: str, clock: str) -> str:
    """The form gives the school's wall-clock time; the schema wants an aware moment."""
    try:
        moment = datetime.combine(date.fromisoformat(day), time.fromisoformat(clock))
    except ValueError:
        return clock  # the schema names the field
    return moment.replace(tzinfo=ZoneInfo(require_tenant().timezone)).isoformat()


@bp.route("/samples", methods=["POST"])
@requires("canteen.samples.write")
def take_sample():
    form = request.form.to_dict()
    meal = form.get("meal", "")
    slot, _, dish_id = meal.partition("/")
    fields = {**forms.schema_fields(form, ("day", "grams", "taken_by", "cabinet")),
              "slot": slot, "dish_id": dish_id,
              "taken_at": _taken_at(form.get("day", ""), form.get("taken_at", ""))}
    try:
        services.take_sample(SampleSchema().load(fields))
    except (ValidationError, RuleBroken) as exc:
        errors = forms.form_errors(exc)
        for key in ("slot", "dish_id"):
            if key in errors:
                errors["meal"] = errors.pop(key)
        return _render_samples(errors, form, forms.refusal_status(exc))
    db.session.commit()
    return redirect(url_for("canteen_pages.samples", day=form.get("day")))


@bp.route("/samples/<uuid:sample_id>/dispose", methods=["POST"])
@requires("canteen.samples.write")
def dispose_sample(sample_id: uuid.UUID):
    form = request.form.to_dict()
    found = form.get("disposed_by", "").strip() or current_principal().name
    try:
        data = DisposalSchema().load({"disposed_by": found})
        services.dispose_sample(sample_id, data["disposed_by"], datetime.now(UTC))
    except (ValidationError, RuleBroken) as exc:
        status = forms.refusal_status(exc)
        return _render_samples({"dispose": " ".join(forms.form_errors(exc).values())}, {}, status)
    db.session.commit()
    return redirect(url_for("canteen_pages.samples", day=form.get("day")))
