"""The dish library and the suppliers as registers (``houqin_registers``): a school starting
with Houqin brings both as a spreadsheet, and core's import checks each row, shows the bad
ones and writes the good ones at once; the same columns give each register's .xlsx export.

A dish or a supplier already kept (by name; a supplier also by credit code), or named twice
in the file, is refused as its row's error: an import adds, it never overwrites."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from core.sdk import Register, RegisterColumn, RuleBroken, _, cells, db
from core.sdk import lazy_gettext as _l

from .models import ALLERGENS, Dish, Supplier
from .schemas.menus import DishSchema
from .schemas.suppliers import SupplierSchema

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


def _taken(column) -> set[str]:
    return set(db.session.scalars(select(column)))


def _once(value: str, seen: set[str], field: str) -> None:
    """Refuse a value the register keeps already or the file named in an earlier row."""
    if value in seen:
        raise RuleBroken(_("“%(name)s” exists already", name=value), field)
    seen.add(value)


# --- dishes ---------------------------------------------------------------------------------

YES_NO = {True: "是", False: "否"}


def _load_dish(values: dict[str, Any], names: set[str]) -> dict[str, Any]:
    data = DishSchema(only=("name", "allergens", "notes", "active")).load(
        {key: value for key, value in values.items() if value is not None})
    _once(data["name"], names, "name")
    return data


def _write_dishes(rows: list[dict[str, Any]]) -> None:
    # One insert for the lot; the unique index refuses a dish another person added meanwhile
    # (the job then fails and its retry reports that row).
    db.session.add_all(Dish(**row) for row in rows)
    db.session.flush()


DISHES = Register(
    name="dishes", title=_l("Dishes"), permission="canteen.menu.manage",
    read_permission="canteen.read", list_endpoint="canteen_pages.dishes",
    columns=(
        RegisterColumn("name", ("菜名", "name"), required=True, value=lambda d: d.name),
        RegisterColumn("allergens", ("过敏原", "allergens"), _allergens,
                       value=lambda d: [ALLERGEN_WORDS[a][0] for a in d.allergens]),
        RegisterColumn("notes", ("备注", "notes"), value=lambda d: d.notes),
        RegisterColumn("active", ("在用", "active"), cells.flag,
                       value=lambda d: YES_NO[d.active]),
    ),
    prepare=lambda: _taken(Dish.name), load=_load_dish, write=_write_dishes,
    rows=lambda: db.session.scalars(select(Dish).order_by(Dish.name)))


# --- suppliers ------------------------------------------------------------------------------

SUPPLIER_FIELDS = ("name", "credit_code", "contact", "phone", "address", "supplies", "active")


def _supplier_keys() -> tuple[set[str], set[str]]:
    return _taken(Supplier.name), _taken(Supplier.credit_code)


def _load_supplier(values: dict[str, Any], taken: tuple[set[str], set[str]]) -> dict[str, Any]:
    data = SupplierSchema(only=SUPPLIER_FIELDS).load(
        {key: value for key, value in values.items() if value not in (None, "")} | {
            "name": values.get("name") or "", "credit_code": values.get("credit_code") or ""})
    names, codes = taken
    _once(data["name"], names, "name")
    _once(data["credit_code"], codes, "credit_code")
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
    prepare=_supplier_keys, load=_load_supplier, write=_write_suppliers,
    rows=lambda: db.session.scalars(select(Supplier).order_by(Supplier.name)))

REGISTERS = [DISHES, SUPPLIERS]
