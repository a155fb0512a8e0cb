"""The fee catalogue and a held fee's real costs as registers (``houqin_registers``).

The catalogue arrives from the price bureau's approved list (收费公示) as a spreadsheet: its
rows become draft items, checked as a draft typed on the page is, and go through approval
and the notice as every item does. A row naming an item already in the catalogue updates it
while it is a draft; one that would change an approved or published item is refused.
A held fee's real costs (the bookshop's invoice per student, 多退少不补) arrive as a
spreadsheet too: each row names the item, the student and the real cost; the rows go into
the item's draft settlement of the term, set-based."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from core.sdk import Register, RegisterColumn, RuleBroken, _, _l, cells, db, people, terms, yuan

from . import exports
from .models import FeeItem, Settlement, SettlementLine
from .schemas.catalogue import FeeItemSchema
from .services import catalogue, reports, settlements, takings

# The words a school's sheet uses for categories and units (the first is what exports write).
CATEGORY_WORDS = {"tuition": ("学费",), "care": ("保教费", "保育教育费"),
                  "boarding": ("住宿费",), "meals": ("伙食费", "餐费"),
                  "held": ("代收费", "代收代付"), "other": ("其他",)}
UNIT_WORDS = {"term": ("每学期", "学期"), "month": ("每月", "月"),
              "school_day": ("每上学日", "每天", "天"), "item": ("每件", "件", "次")}
YES_NO = {True: "是", False: "否"}


def _words(table: dict[str, tuple[str, ...]]) -> dict[str, str]:
    return {word: code for code, words in table.items() for word in (*words, code)}


ITEM_FIELDS = ("name", "category", "amount_fen", "unit", "basis_authority", "basis_reference",
               "voluntary", "notes")


def _kept_items() -> dict[str, FeeItem]:
    """The items in the catalogue by name (a retired one is history: its name is free)."""
    return {item.name: item for item in db.session.scalars(
        select(FeeItem).where(FeeItem.status != "retired"))}


def _load_item(values: dict[str, Any], kept: dict[str, FeeItem]) -> dict[str, Any]:
    data = FeeItemSchema(only=ITEM_FIELDS).load(
        {key: value for key, value in values.items() if value is not None})
    if data["name"] not in kept:  # a kept item is checked as it would be, in _revise_item
        catalogue.check_new_item(data)
    return data


def _revise_item(item: FeeItem, row: dict[str, Any]) -> list[str]:
    """Change a draft as its edit page does; an approved or published item is what parents
    were told (or are about to be): a row that would change it is refused, naming the first
    field it changes, and the item goes through return-to-draft or a new item instead."""
    changed = [field for field, value in row.items() if getattr(item, field) != value]
    if changed and item.status != "draft":
        raise RuleBroken(_("“%(name)s” is %(status)s: only a draft changes",
                           name=item.name, status=catalogue.STATE_TITLES[item.status]),
                         changed[0])
    if changed:
        # The item as it would be, checked before any field of it changes: a refused row
        # leaves the item as it was.
        catalogue.check_new_item({field: getattr(item, field) for field in catalogue.EDITABLE}
                                 | row)
        catalogue.update_item(item.id, {field: row[field] for field in changed}
                              | {"version": item.version})
    return changed


ITEMS = Register(
    name="items", title=_l("Fee items"), permission="fees.catalogue.manage",
    read_permission="fees.read", list_endpoint="fees_pages.fee_items",
    columns=(
        RegisterColumn("name", ("名称", "name"), required=True, value=lambda i: i.name),
        RegisterColumn("category", ("类别", "category"), cells.choice(_words(CATEGORY_WORDS)),
                       required=True, value=lambda i: CATEGORY_WORDS[i.category][0]),
        RegisterColumn("amount_fen", ("金额(元)", "amount"), cells.yuan_fen, required=True,
                       value=lambda i: Decimal(i.amount_fen).scaleb(-2)),
        RegisterColumn("unit", ("计价单位", "unit"), cells.choice(_words(UNIT_WORDS)),
                       required=True, value=lambda i: UNIT_WORDS[i.unit][0]),
        RegisterColumn("basis_authority", ("批准机关", "basis_authority"),
                       value=lambda i: i.basis_authority),
        RegisterColumn("basis_reference", ("文号", "basis_reference"),
                       value=lambda i: i.basis_reference),
        RegisterColumn("voluntary", ("自愿", "voluntary"), cells.flag,
                       value=lambda i: YES_NO[i.voluntary]),
        RegisterColumn("notes", ("备注", "notes"), value=lambda i: i.notes),
    ),
    key="name", kept=_kept_items, revise=_revise_item, prepare=_kept_items, load=_load_item,
    write=catalogue.create_items,
    rows=lambda: db.session.scalars(select(FeeItem).where(FeeItem.status != "retired")
                                    .order_by(FeeItem.name)))


# --- a held fee's real costs ------------------------------------------------------------------


class _Drafts:
    """The draft settlements by item name (and term name), and, for each one met, its
    students charged the item by number: read once per settlement, not once per row."""

    def __init__(self) -> None:
        names = {t.id: t.name for t in terms()}
        self.by_item: dict[str, list[tuple[str, Settlement]]] = {}
        for settlement, item in db.session.execute(
                select(Settlement, FeeItem.name).join(FeeItem, FeeItem.id == Settlement.fee_item_id)
                .where(Settlement.status == "draft")):
            self.by_item.setdefault(item, []).append((names.get(settlement.term_id, ""),
                                                      settlement))
        self.charged: dict[uuid.UUID, dict[str, uuid.UUID]] = {}
        self.seen: set[tuple[uuid.UUID, uuid.UUID]] = set()

    def settlement(self, item: str, term: str) -> Settlement:
        found = [s for name, s in self.by_item.get(item, []) if not term or name == term]
        if not found:
            raise RuleBroken(_("no draft settlement of this item in the term %(term)s",
                               term=term) if term else _("no draft settlement of this item"),
                             "term" if term and item in self.by_item else "item")
        if len(found) > 1:
            raise RuleBroken(_("this item is being settled in several terms: name the term"),
                             "term")
        return found[0]

    def student(self, settlement: Settlement, number: str) -> uuid.UUID:
        if settlement.id not in self.charged:
            ids = list(settlements.charged_students(settlement))
            self.charged[settlement.id] = {s.student_no: s.id for s in people.students(ids)}
        found = self.charged[settlement.id].get(number)
        if found is None:
            raise RuleBroken(_("this student was not charged for the item on an issued bill "
                               "of the term"), "student_no")
        if (settlement.id, found) in self.seen:
            raise RuleBroken(_("this student is listed twice"), "student_no")
        self.seen.add((settlement.id, found))
        return found


def _load_cost(values: dict[str, Any], drafts: _Drafts) -> dict[str, Any]:
    settlement = drafts.settlement(values["item"], values.get("term") or "")
    cost = values["real_cost_fen"]
    if not 0 <= cost <= settlements.MAX_REAL_COST_FEN:
        raise RuleBroken(_("from 0 to %(most)s yuan", most=yuan(settlements.MAX_REAL_COST_FEN)),
                         "real_cost_fen")
    return {"settlement_id": settlement.id, "student_id": drafts.student(
        settlement, values["student_no"]), "real_cost_fen": cost}


def _write_costs(rows: list[dict[str, Any]]) -> None:
    by_settlement: dict[uuid.UUID, list[dict[str, Any]]] = {}
    for row in rows:
        by_settlement.setdefault(row.pop("settlement_id"), []).append(row)
    for settlement_id, lines in by_settlement.items():  # one call a settlement, all its rows
        settlements.record_costs(settlement_id, lines)


def _cost_rows():
    """Every recorded real cost of the draft settlements, by item and student number."""
    names = {t.id: t.name for t in terms()}
    found = list(db.session.execute(
        select(Settlement.term_id, FeeItem.name, SettlementLine.student_id,
               SettlementLine.real_cost_fen)
        .join(Settlement, Settlement.id == SettlementLine.settlement_id)
        .join(FeeItem, FeeItem.id == Settlement.fee_item_id)
        .where(Settlement.status == "draft")))
    students = {s.id: s for s in people.students([row[2] for row in found])}
    rows = [{"term": names.get(term_id, ""), "item": item, "student": students.get(student_id),
             "real_cost_fen": cost} for term_id, item, student_id, cost in found]
    return sorted(rows, key=lambda r: (r["term"], r["item"],
                                       r["student"].student_no if r["student"] else ""))


HELD_COSTS = Register(
    name="held_costs", title=_l("Real costs of held fees"), permission="fees.refunds.manage",
    read_permission="fees.read", list_endpoint="fees_pages.settlements_page",
    fields={"student_id": "student_no", "lines": "student_no"},
    columns=(
        RegisterColumn("term", ("学期", "term"), value=lambda r: r["term"]),
        RegisterColumn("item", ("收费项目", "item"), required=True, value=lambda r: r["item"]),
        RegisterColumn("student_no", ("学号", "student_no"), required=True,
                       value=lambda r: r["student"].student_no if r["student"] else ""),
        RegisterColumn("name", ("姓名", "name"),
                       value=lambda r: r["student"].name if r["student"] else ""),
        RegisterColumn("real_cost_fen", ("实际费用(元)", "real_cost"), cells.yuan_fen,
                       required=True, value=lambda r: Decimal(r["real_cost_fen"]).scaleb(-2)),
    ),
    prepare=_Drafts, load=_load_cost, write=_write_costs, rows=_cost_rows)

# --- the reports, export-only -----------------------------------------------------------------


def _this_term(read):
    """The rows ``read(term_id)`` gives for the current term; none before the school has one."""
    def rows():
        term = reports.current_term()
        return read(term.id) if term else []

    return rows


def _receipts(start: date, end: date) -> list[Any]:
    """The receipts issued from ``start`` to ``end``, day by day as the daily takings list
    them (a month at most)."""
    return [receipt for offset in range((end - start).days + 1)
            for receipt in takings.daily_takings(start + timedelta(days=offset)).receipts]


def _collection(term_id: uuid.UUID) -> list[Any]:
    rows, total = reports.collection(term_id)
    return [*rows, total]


REPORTS = [
    Register(name="collection", title=_l("Collection"), permission="fees.read",
             columns=exports.COLLECTION, rows=_this_term(_collection)),
    Register(name="arrears", title=_l("Arrears"), permission="fees.read",
             columns=exports.ARREARS, rows=_this_term(reports.arrears)),
    Register(name="receipts", title=_l("Receipts"), permission="fees.read",
             columns=exports.RECEIPTS, rows=_receipts, dated=True, max_days=31),
]

REGISTERS = [ITEMS, HELD_COSTS, *REPORTS]
