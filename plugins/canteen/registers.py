"""The dish library and the suppliers as registers (``houqin_registers``): a school starting
with Houqin brings both as a spreadsheet, and core's import checks each row, shows the bad
ones and writes the good ones at once; the same columns give each register's .xlsx export.

A row naming a dish or a supplier already kept (by name) updates it, audited as an edit on
the page; the preview says of each row whether it is new, an update (with the columns it
changes) or unchanged. A name twice in the file, or a credit code another supplier holds, is
refused as its row's error."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any, NamedTuple

from sqlalchemy import select

from core.sdk import Register, RegisterColumn, RuleBroken, _, _l, cells, db

from . import exports
from .models import ALLERGENS, Dish, DishIngredient, Supplier
from .schemas.menus import DishSchema
from .schemas.suppliers import SupplierSchema
from .services import menus

# The allergen words a kitchen writes, to the codes the dish library keeps; the export
# writes the first (the 14 food allergen groups' Chinese names as the pages show them).
ALLERGEN_WORDS = {
    "gluten": ("含麸质谷物", "麸质", "小麦"), "crustacean": ("甲壳类", "虾", "蟹"),
    "fish": ("鱼类", "鱼"), "egg": ("蛋类", "鸡蛋", "蛋"), "peanut": ("花生",),
    "soy": ("大豆", "黄豆"), "milk": ("乳类", "牛奶", "奶", "乳制品"), "tree_nut": ("坚果",),
}
_ALLERGEN_OF = {word: code for code, words in ALLERGEN_WORDS.items() for word in words} | {
    code: code for code in ALLERGENS}


def _allergens(value: Any) -> list[str]:
    found = []
    for word in cells.listing(value):
        code = _ALLERGEN_OF.get(word) or _ALLERGEN_OF.get(word.lower())
        if code is None:
            raise cells.CellError(_("“%(value)s” is not an allergen: one of %(words)s",
                                    value=word, words="、".join(w[0] for w in
                                                              ALLERGEN_WORDS.values())))
        if code not in found:
            found.append(code)
    return found


def _kept(model) -> dict[str, Any]:
    """The records of ``model`` by name: a row naming one updates it."""
    return {record.name: record for record in db.session.scalars(select(model))}


def _revise(record: Any, row: dict[str, Any]) -> list[str]:
    """Set the fields ``row`` changes on ``record`` (audited like an edit on the page)."""
    changed = [field for field, value in row.items() if getattr(record, field) != value]
    for field in changed:
        setattr(record, field, row[field])
    return changed


# --- dishes ---------------------------------------------------------------------------------

YES_NO = {True: "是", False: "否"}

# One cell holds a dish's ingredients per serving, as a canteen manager writes them beside
# the dish: "土豆 150g; 青椒 30g" (also 土豆150克、青椒0.03kg). Grams when no unit is given.
GRAMS_PER = {"": 1, "g": 1, "克": 1, "kg": 1000, "千克": 1000, "公斤": 1000}
_INGREDIENT = re.compile(r"^(?P<food>.+?)\s*(?P<qty>\d+(?:\.\d+)?)\s*(?P<unit>[a-zA-Z克千公斤]*)$")


def _ingredients(value: Any) -> list[dict[str, Any]]:
    found = []
    for part in cells.listing(value):
        match = _INGREDIENT.match(part)
        unit = match and GRAMS_PER.get(match["unit"].lower())
        grams = unit and Decimal(match["qty"]) * unit
        if not grams or grams != grams.to_integral_value():
            raise cells.CellError(_("“%(value)s” is not an ingredient with its grams per "
                                    "serving such as 土豆 150g", value=part))
        found.append({"food": match["food"].strip(), "grams": int(grams)})
    return found


class KeptDish(NamedTuple):
    """A dish with its ingredients (food, grams) by food: what an export writes and an
    import compares a row with."""

    dish: Dish
    ingredients: list[tuple[str, int]]


def _ingredients_cell(kept: KeptDish) -> str:
    return "; ".join(f"{food} {grams}g" for food, grams in kept.ingredients)


def _kept_dishes() -> dict[str, KeptDish]:
    dishes = list(db.session.scalars(select(Dish).order_by(Dish.name)))
    foods = menus.ingredients_of([dish.id for dish in dishes])
    return {dish.name: KeptDish(dish, [(i.food, i.grams) for i in foods.get(dish.id, [])])
            for dish in dishes}


def _load_dish(values: dict[str, Any], _looked_up: None) -> dict[str, Any]:
    return DishSchema(only=("name", "allergens", "notes", "active", "ingredients")).load(
        {key: value for key, value in values.items() if value is not None})


def _revise_dish(kept: KeptDish, row: dict[str, Any]) -> list[str]:
    row = dict(row)
    changed = []
    if "ingredients" in row:
        wanted = sorted((i["food"], i["grams"]) for i in row.pop("ingredients"))
        if wanted != sorted(kept.ingredients):
            menus.set_ingredients(kept.dish, [{"food": f, "grams": g} for f, g in wanted])
            changed.append("ingredients")
    return _revise(kept.dish, row) + changed


def _write_dishes(rows: list[dict[str, Any]]) -> None:
    # One insert for the lot; the unique index refuses a dish another person added meanwhile
    # (the job then fails and its retry reports that row).
    made = [(Dish(**{k: v for k, v in row.items() if k != "ingredients"}),
             row.get("ingredients", [])) for row in rows]
    db.session.add_all(dish for dish, _foods in made)
    db.session.flush()
    db.session.add_all(DishIngredient(dish_id=dish.id, **food)
                       for dish, foods in made for food in foods)
    db.session.flush()


DISHES = Register(
    name="dishes", title=_l("Dishes"), permission="canteen.menu.manage",
    read_permission="canteen.read", list_endpoint="canteen_pages.dishes",
    columns=(
        RegisterColumn("name", ("菜名", "name"), required=True, value=lambda k: k.dish.name),
        RegisterColumn("allergens", ("过敏原", "allergens"), _allergens,
                       value=lambda k: [ALLERGEN_WORDS[a][0] for a in k.dish.allergens]),
        RegisterColumn("notes", ("备注", "notes"), value=lambda k: k.dish.notes),
        RegisterColumn("active", ("在用", "active"), cells.flag,
                       value=lambda k: YES_NO[k.dish.active]),
        RegisterColumn("ingredients", ("配料(每份)", "配料", "ingredients"), _ingredients,
                       value=_ingredients_cell),
    ),
    key="name", kept=_kept_dishes, revise=_revise_dish, load=_load_dish, write=_write_dishes,
    rows=lambda: _kept_dishes().values())


# --- suppliers ------------------------------------------------------------------------------

SUPPLIER_FIELDS = ("name", "credit_code", "contact", "phone", "address", "supplies", "active")


def _credit_codes() -> dict[str, str]:
    """Each kept credit code with its supplier's name: a code is one supplier's."""
    return dict(db.session.execute(select(Supplier.credit_code, Supplier.name)).all())


def _load_supplier(values: dict[str, Any], codes: dict[str, str]) -> dict[str, Any]:
    data = SupplierSchema(only=SUPPLIER_FIELDS).load(
        {key: value for key, value in values.items() if value not in (None, "")} | {
            "name": values.get("name") or "", "credit_code": values.get("credit_code") or ""})
    holder = codes.get(data["credit_code"], data["name"])
    if holder != data["name"]:
        raise RuleBroken(_("“%(code)s” is the credit code of %(name)s already",
                           code=data["credit_code"], name=holder), "credit_code")
    codes[data["credit_code"]] = data["name"]
    return data


def _write_suppliers(rows: list[dict[str, Any]]) -> None:
    db.session.add_all(Supplier(**row) for row in rows)
    db.session.flush()


SUPPLIERS = Register(
    name="suppliers", title=_l("Suppliers"), permission="canteen.suppliers.manage",
    read_permission="canteen.read", list_endpoint="canteen_pages.suppliers",
    columns=(
        RegisterColumn("name", ("名称", "name"), required=True, value=lambda s: s.name),
        RegisterColumn("credit_code", ("统一社会信用代码", "credit_code"), required=True,
                       value=lambda s: s.credit_code),
        RegisterColumn("contact", ("联系人", "contact"), value=lambda s: s.contact),
        RegisterColumn("phone", ("电话", "phone"), value=lambda s: s.phone),
        RegisterColumn("address", ("地址", "address"), value=lambda s: s.address),
        RegisterColumn("supplies", ("供应品类", "supplies"), value=lambda s: s.supplies),
        RegisterColumn("active", ("在用", "active"), cells.flag,
                       value=lambda s: YES_NO[s.active]),
    ),
    key="name", kept=lambda: _kept(Supplier), revise=_revise, prepare=_credit_codes,
    load=_load_supplier, write=_write_suppliers,
    rows=lambda: db.session.scalars(select(Supplier).order_by(Supplier.name)))

REGISTERS = [DISHES, SUPPLIERS]


# --- the records of a period, export-only ---------------------------------------------------


def _of_a_period(found: exports.Register) -> Register:
    """A record type's export (``exports.py``) as a dated register: the same sheet, with its
    .xlsx link and from/to checks where every module's register has them."""
    return Register(
        name=found.name, title=found.title, permission="canteen.read",
        columns=found.columns,
        rows=found.rows, dated=True, available=found.available,
        max_days=exports.MAX_DERIVED_DAYS if found.derived else None)


def period_registers() -> list[Register]:
    """Every record type's export but the registers above (their export is the whole list)."""
    # Each area's service registers its export on import.
    from .services import (  # noqa: F401
        counts,
        health,
        hygiene,
        receiving,
        report,
        samples,
        stock,
        stock_counts,
        suppliers,
        tuckshop,
        tuckshop_sales,
    )

    taken = {register.name for register in REGISTERS}
    return [_of_a_period(found) for name, found in sorted(exports.REGISTERS.items())
            if name not in taken]
