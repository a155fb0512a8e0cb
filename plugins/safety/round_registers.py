"""The rounds as .xlsx (a period's signed rounds, one row an item, the items of all of them
read in one query), and the checklists imported from and exported to .xlsx, one row an
item: a checklist named in the sheet that the school keeps is reworded to the sheet's items,
another is added."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select

from core.sdk import (
    Register,
    RegisterColumn,
    RuleBroken,
    SheetColumn,
    _,
    cells,
    db,
    lazy_gettext,
    school_zone,
)

from .models import KINDS, RESULT_TITLES, Checklist, ChecklistItem, SafetyRound
from .services import rounds


class ItemRow:
    def __init__(self, walked: SafetyRound, answer: Any) -> None:
        self.round, self.answer = walked, answer


def _signed_between(start: date, end: date) -> list[ItemRow]:
    zone = school_zone()
    since, until = (datetime.combine(d, time(), zone).astimezone(UTC)
                    for d in (start, end + timedelta(days=1)))
    found = list(db.session.scalars(select(SafetyRound).where(
        SafetyRound.done_at >= since, SafetyRound.done_at < until)
        .order_by(SafetyRound.done_at, SafetyRound.id)))
    items = rounds.answers([r.id for r in found])
    return [ItemRow(r, a) for r in found for a in items[r.id]]


ROUND_COLUMNS = (
    SheetColumn(lazy_gettext("Signed at"), lambda r: r.round.done_at),
    SheetColumn(lazy_gettext("Location"), lambda r: r.round.place),
    SheetColumn(lazy_gettext("Checklist"), lambda r: r.round.title),
    SheetColumn(lazy_gettext("Item"), lambda r: r.answer.text_zh),
    SheetColumn(lazy_gettext("Result"),
                lambda r: str(RESULT_TITLES[r.answer.result]) if r.answer.result else ""),
    SheetColumn(lazy_gettext("What is wrong"), lambda r: r.answer.note),
    SheetColumn(lazy_gettext("Signed by"), lambda r: r.round.signed_by),
)

KIND_WORDS = {"classroom": "教室", "corridor": "走廊楼梯", "canteen": "食堂", "dormitory": "宿舍",
              "laboratory": "实验室", "electrical": "配电室", "gate": "校门",
              "playground": "运动器材", "building": "建筑结构", "fire": "消防器材"}
assert set(KIND_WORDS) == set(KINDS)


class _ItemOf:
    def __init__(self, checklist: Checklist, item: ChecklistItem) -> None:
        self.checklist, self.item = checklist, item


def _exported() -> list[_ItemOf]:
    found = rounds.checklists()
    items = rounds.items_of([c.id for c in found])
    return [_ItemOf(c, i) for c in found for i in items[c.id]]


def _load_item(values: dict[str, Any], _looked_up: Any) -> dict[str, Any]:
    if not (values.get("text_zh") or "").strip():
        raise RuleBroken(_("this column is empty"), "text_zh")
    if not (values.get("title") or "").strip():
        raise RuleBroken(_("this column is empty"), "title")
    rounds.fits(values["title"].strip(), rounds.TITLE_LENGTH, "title")
    rounds.check_item(values, field_of=lambda name: name)
    return {k: (values.get(k) or "") for k in ("kind", "title", *rounds.ITEM_FIELDS)}


def _write_items(rows: list[dict[str, Any]]) -> None:
    grouped: dict[tuple[str, str], list[dict]] = {}
    for row in rows:
        grouped.setdefault((row["kind"], row["title"].strip()), []).append(row)
    kept = {(c.kind, c.title): c for c in rounds.checklists()}
    for (kind, title), given in grouped.items():
        if (kind, title) in kept:
            rounds.revise(kept[(kind, title)], {"title": title, "items": given})
        else:
            rounds.create({"kind": kind, "title": title, "items": given})


CHECKLISTS = Register(
    name="checklists", title=lazy_gettext("Checklists"), permission="safety.rounds.manage",
    read_permission="safety.read", list_endpoint="safety_pages.checklists",
    columns=(
        RegisterColumn("kind", ("类别", "kind"),
                       cells.choice({**{w: k for k, w in KIND_WORDS.items()},
                                     **{k: k for k in KINDS}}), required=True,
                       value=lambda r: KIND_WORDS[r.checklist.kind]),
        RegisterColumn("title", ("检查表", "title"), required=True,
                       value=lambda r: r.checklist.title),
        RegisterColumn("text_zh", ("检查内容", "text_zh"), required=True,
                       value=lambda r: r.item.text_zh),
        RegisterColumn("pass_zh", ("合格标准", "pass_zh"), value=lambda r: r.item.pass_zh),
        RegisterColumn("text_en", ("检查内容(英文)", "text_en"), value=lambda r: r.item.text_en),
        RegisterColumn("pass_en", ("合格标准(英文)", "pass_en"), value=lambda r: r.item.pass_en),
        RegisterColumn("source", ("依据", "source"), value=lambda r: r.item.source),
        RegisterColumn("certainty", ("依据可靠性", "certainty"), value=lambda r: r.item.certainty),
    ),
    load=_load_item, write=_write_items, rows=_exported)

ROUNDS = Register(name="rounds", title=lazy_gettext("Safety rounds"), permission="safety.read",
                  columns=ROUND_COLUMNS, rows=_signed_between, dated=True, max_days=366,
                  list_endpoint="safety_pages.rounds")
