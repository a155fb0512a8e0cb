"""The fee catalogue: items and the notices (收费公示) that publish them.

An item goes draft → approved → published → retired. Only a draft changes (each edit names the
version it was made on); an approved item may go back to draft until a notice publishes it;
a published item is never edited, only retired (and replaced by a new draft). A draft that was
never approved may be deleted; everything else stays, so every bill line and every notice
keeps naming what it was billed and published on.

A notice lists every approved and published item as it is at that moment, with the
complaint phones, and takes effect on its date: the approved items it lists become published
and billable from that day. Notices are numbered 1, 2, 3… per school and never change.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from datetime import date
from typing import Any

from sqlalchemy import Select, case, select

from core.sdk import RuleBroken, _, db, first_writer, hooks, people, utcnow

from ..models import CATEGORIES, ITEM_STATES, STATE_TITLES, FeeItem, FeeNotice
from ..regulations import rules
from . import settings, today, who

# The most one unit of an item may cost, in fen: far above any real school fee per unit (the
# dearest private international schools ask about 300,000 yuan a year), so a larger amount is
# a slip (fen typed as yuan, a digit too many). Each cap also keeps a whole term of the unit
# (one term; up to 6 months; some 120 school days) far below 2^31 fen (21.47 million yuan),
# the most the integer columns of bills and the ledger hold.
MAX_AMOUNT_FEN = {
    "term": 50_000_000,  # 500,000 yuan
    "month": 10_000_000,  # 100,000 yuan
    "school_day": 1_000_000,  # 10,000 yuan
    "item": 10_000_000,  # 100,000 yuan
}
EDITABLE = ("name", "category", "amount_fen", "unit", "basis_authority", "basis_reference",
            "voluntary", "applies_to", "applies_ids", "source", "notes")
DRAFT_DEFAULTS = {"basis_authority": "", "basis_reference": "", "voluntary": False,
                  "applies_to": "school", "applies_ids": [], "source": None, "notes": ""}
ON_NOTICE = ("approved", "published")  # what the next notice lists


# --- items ---------------------------------------------------------------------------------


def items(status: str | None = None, category: str | None = None) -> Select:
    """The catalogue: drafts first, then approved, published, retired; by category and name."""
    rank = case({state: n for n, state in enumerate(ITEM_STATES)}, value=FeeItem.status)
    query = select(FeeItem).order_by(rank, _category_rank(), FeeItem.name, FeeItem.id)
    if status:
        query = query.where(FeeItem.status == status)
    if category:
        query = query.where(FeeItem.category == category)
    return query


def _category_rank():
    return case({category: n for n, category in enumerate(CATEGORIES)}, value=FeeItem.category)


def get_item(item_id: uuid.UUID, field: str = "fee_item_id", status: int = 404,
             lock: bool = False) -> FeeItem:
    """The school's fee item; ``lock`` holds its row until the transaction ends."""
    query = select(FeeItem).where(FeeItem.id == item_id)
    item = db.session.scalar(query.with_for_update() if lock else query)
    if item is None:
        raise RuleBroken(_("no such fee item in this school"), field, status)
    return item


def charge_sources() -> list[str]:
    """The modules that may price an item's lines: those switched on for the school that
    answer the fee module's charge-source hook (the canteen with its meal fees)."""
    return sorted(set(hooks().implementers("houqin_fee_charges")))


def create_item(data: dict[str, Any], by: str | None = None) -> FeeItem:
    """A new draft item, checked as every draft is; what ``data`` leaves out takes the
    schema's defaults (the whole school, not voluntary, no legal basis yet)."""
    values = {**DRAFT_DEFAULTS, **{name: data[name] for name in EDITABLE if name in data}}
    item = FeeItem(**values, status="draft", created_by=who(by))
    item.applies_ids = [str(i) for i in item.applies_ids]
    _check_draft(item)
    db.session.add(item)
    db.session.flush()
    return item


def check_new_item(data: dict[str, Any]) -> None:
    """Refuse, as ``create_item`` would, a draft item these values cannot make (the cap of
    its unit, a held fee that is not voluntary), naming the field; writes nothing."""
    values = {**DRAFT_DEFAULTS, **{name: data[name] for name in EDITABLE if name in data}}
    _check_draft(FeeItem(**values))


def create_items(rows: list[dict[str, Any]], by: str | None = None) -> list[FeeItem]:
    """New draft items at once (a catalogue imported from a spreadsheet), each checked as
    ``create_item`` checks one; a refused one refuses them all."""
    made = []
    for data in rows:
        values = {**DRAFT_DEFAULTS, **{name: data[name] for name in EDITABLE if name in data}}
        item = FeeItem(**values, status="draft", created_by=who(by))
        item.applies_ids = [str(i) for i in item.applies_ids]
        _check_draft(item)
        made.append(item)
    db.session.add_all(made)
    db.session.flush()
    return made


def update_item(item_id: uuid.UUID, changes: dict[str, Any]) -> FeeItem:
    """Change a draft. ``changes["version"]`` is the version the editor saw: another means
    someone changed it meanwhile (409 naming ``version``)."""
    item = _draft(item_id, changes.get("version"))
    for name in EDITABLE:
        if name in changes:
            value = changes[name]
            setattr(item, name, [str(i) for i in value] if name == "applies_ids" else value)
    _check_draft(item)
    _save(item)
    return item


def delete_item(item_id: uuid.UUID) -> None:
    """Delete a draft that was never approved: nothing was ever decided on it. Any other
    item stays, for the record (retire it instead)."""
    item = get_item(item_id)
    if item.status != "draft" or item.approved_at is not None:
        raise RuleBroken(_("only a draft that was never approved may be deleted; retire this "
                           "item instead"), "status", status=409)
    db.session.delete(item)
    db.session.flush()


def approve_item(item_id: uuid.UUID, version: int, by: str | None = None) -> FeeItem:
    """Approve a draft as it stands at ``version``: its legal basis (approving authority and
    document number) must be filled in. The next notice will publish it."""
    item = _draft(item_id, version)
    _check_draft(item)
    for field in ("basis_authority", "basis_reference"):
        if not (getattr(item, field) or "").strip():
            raise RuleBroken(_("an item is approved only with its legal basis: the approving "
                               "authority and the document number"), field)
    item.status, item.approved_by, item.approved_at = "approved", who(by), utcnow()
    _save(item)
    return item


def return_to_draft(item_id: uuid.UUID, version: int) -> FeeItem:
    """Take back the approval of an item no notice has published yet, so it can be
    corrected. ``approved_by``/``approved_at`` keep the last approval (the item is then no
    longer deletable)."""
    item = get_item(item_id, lock=True)
    if item.status != "approved":
        raise RuleBroken(_("only an approved item not yet published goes back to draft"),
                         "status", status=409)
    _check_version(item, version)
    item.status = "draft"
    _save(item)
    return item


def retire_item(item_id: uuid.UUID, by: str | None = None) -> FeeItem:
    """Stop charging for an approved or published item from now on: it is no longer
    billable and the next notice leaves it out; notices and bills that named it keep it."""
    item = get_item(item_id, lock=True)
    if item.status not in ON_NOTICE:
        raise RuleBroken(_("only an approved or published item can be retired; delete a draft "
                           "instead") if item.status == "draft"
                         else _("this item is already retired"), "status", status=409)
    item.status, item.retired_at, item.retired_by = "retired", utcnow(), who(by)
    _save(item)
    return item


def _draft(item_id: uuid.UUID, version: int | None) -> FeeItem:
    item = get_item(item_id, lock=True)
    if item.status != "draft":
        raise RuleBroken(_("only a draft changes; this item is no longer one (%(status)s)",
                           status=STATE_TITLES[item.status]), "status", status=409)
    _check_version(item, version)
    return item


def _check_version(item: FeeItem, version: int | None) -> None:
    if version != item.version:
        raise RuleBroken(_("changed meanwhile by someone else (now version %(version)s); "
                           "reload it and check", version=item.version), "version", status=409)


def _save(item: FeeItem) -> None:
    """Write the change in a savepoint: an edit that raced another one on the same version
    is a 409 naming ``version``, not an error."""
    first_writer(lambda: db.session.add(item), field="version",
                 message=_("changed meanwhile by someone else; reload it and check"))


def _check_draft(item: FeeItem) -> None:
    """Every rule a draft must keep, whichever fields changed."""
    cap = MAX_AMOUNT_FEN.get(item.unit)
    if cap is not None and item.amount_fen > cap:
        raise RuleBroken(_("at most %(cap)s yuan a unit: check the amount is in fen",
                           cap=f"{cap // 100:,}"), "amount_fen")
    if item.category == "held" and not item.voluntary:
        raise RuleBroken(_("a held fee (collected on behalf of others) must be voluntary"),
                         "voluntary")
    _check_scope(item.applies_to, item.applies_ids or [])
    if item.source is not None and item.source not in charge_sources():
        raise RuleBroken(_("no module switched on here prices fee lines under that name; "
                           "choose one of: %(names)s",
                           names=", ".join(charge_sources()) or "—"), "source")


# Whom an item may name: the school's grades, its classes (not graduated), its enrolled
# students.
SCOPE_READERS: dict[str, Callable[[set[uuid.UUID]], list[Any]]] = {
    "grades": people.grades,
    "classes": people.classes,
    "students": lambda ids: people.students(ids, enrolled_only=True),
}


def _check_scope(applies_to: str, ids: list[str]) -> None:
    if applies_to == "school":
        if ids:
            raise RuleBroken(_("an item for the whole school names no grade, class or "
                               "student"), "applies_ids")
        return
    if not ids:
        raise RuleBroken(_("name the grades, classes or students it applies to"), "applies_ids")
    wanted = {uuid.UUID(str(i)) for i in ids}
    known = {row.id for row in SCOPE_READERS[applies_to](wanted)}
    if unknown := wanted - known:
        raise RuleBroken(_unknown(applies_to, ", ".join(sorted(str(i) for i in unknown))),
                         "applies_ids")


def _unknown(applies_to: str, ids: str) -> str:
    if applies_to == "grades":
        return _("no grade of this school has the id %(ids)s", ids=ids)
    if applies_to == "classes":
        return _("no class of this school (not graduated) has the id %(ids)s", ids=ids)
    return _("no enrolled student of this school has the id %(ids)s", ids=ids)


# --- notices -------------------------------------------------------------------------------


def notices() -> Select:
    """Every notice, newest first."""
    return select(FeeNotice).order_by(FeeNotice.number.desc())


def get_notice(notice_id: uuid.UUID, field: str = "notice_id", status: int = 404) -> FeeNotice:
    notice = db.session.scalar(select(FeeNotice).where(FeeNotice.id == notice_id))
    if notice is None:
        raise RuleBroken(_("no such fee notice in this school"), field, status)
    return notice


def current_notice(on: date) -> FeeNotice | None:
    """The notice in force on this day: the latest that has taken effect."""
    return db.session.scalar(select(FeeNotice).where(FeeNotice.effective_on <= on)
                             .order_by(FeeNotice.number.desc()).limit(1))


def pending_notice(on: date) -> FeeNotice | None:
    """The latest notice published to take effect after this day, if any."""
    return db.session.scalar(select(FeeNotice).where(FeeNotice.effective_on > on)
                             .order_by(FeeNotice.number.desc()).limit(1))


def to_publish(lock: bool = False) -> list[FeeItem]:
    """What the next notice would list: every approved and published item (so the items
    retired since the last notice drop out)."""
    query = (select(FeeItem).where(FeeItem.status.in_(ON_NOTICE))
             .order_by(_category_rank(), FeeItem.name, FeeItem.id))
    return list(db.session.scalars(query.with_for_update() if lock else query))


def retired_since_last_notice() -> list[FeeItem]:
    """Items the notice in place still lists that have been retired since: a new notice
    should leave them out."""
    last = db.session.scalar(notices().limit(1))
    if last is None:
        return []
    listed = {uuid.UUID(line["item_id"]) for line in last.items}
    return [item for item in db.session.scalars(
        select(FeeItem).where(FeeItem.status == "retired").order_by(FeeItem.name))
        if item.id in listed]


def complaint_phones() -> dict[str, str]:
    """The phones every notice must print: the bureau's and the school's (from the fee
    settings; refused, naming the setting, while one is empty) and the price regulator's (the
    setting, else the cited national hotline)."""
    configured = settings()
    for field in ("bureau_phone", "school_phone"):
        if not configured.get(field, "").strip():
            raise RuleBroken(_("a fee notice prints the education bureau's and the school's "
                               "complaint phones: fill in this fee setting first"), field,
                             status=409)
    regulator = configured.get("regulator_phone", "").strip() or str(
        rules()["price_complaint_phone"].value)
    return {"bureau": configured["bureau_phone"].strip(), "regulator": regulator,
            "school": configured["school_phone"].strip()}


def publish_notice(data: dict[str, Any], by: str | None = None) -> FeeNotice:
    """Publish the school's fee notice: everything approved and published, as it is now,
    taking effect on ``data["effective_on"]`` (today or later, not before the previous
    notice). The approved items become published and billable from that day. Without a
    title, each reader sees “Fee notice” in their own language."""
    phones = complaint_phones()
    effective_on = data["effective_on"]
    if effective_on < today():
        raise RuleBroken(_("a notice takes effect today or later, never in the past"),
                         "effective_on")
    last = db.session.scalar(notices().limit(1))
    if last is not None and effective_on < last.effective_on:
        raise RuleBroken(_("notice no. %(n)s takes effect on %(day)s; a newer notice cannot "
                           "take effect before it", n=last.number,
                           day=last.effective_on.isoformat()), "effective_on")
    listed = to_publish(lock=True)
    if not listed:
        raise RuleBroken(_("nothing to publish: approve fee items first"), "items", status=409)
    notice = FeeNotice(number=(last.number if last else 0) + 1,
                       title=(data.get("title") or "").strip(),
                       effective_on=effective_on, items=[_snapshot(item) for item in listed],
                       phones=phones, remarks=data.get("remarks", ""), published_by=who(by))
    first_writer(lambda: _published(notice, listed, effective_on), field="number",
                 message=_("another notice was published at the same moment; reload and "
                           "check it"))
    return notice


def _published(notice: FeeNotice, listed: list[FeeItem], effective_on: date) -> None:
    db.session.add(notice)
    db.session.flush()
    for item in listed:
        if item.status == "approved":
            item.status, item.notice_id, item.effective_on = (
                "published", notice.id, effective_on)


def _snapshot(item: FeeItem) -> dict[str, Any]:
    """An item as the notice prints it, kept as it was on the day."""
    return {"item_id": str(item.id), "name": item.name, "category": item.category,
            "amount_fen": item.amount_fen, "unit": item.unit,
            "basis_authority": item.basis_authority, "basis_reference": item.basis_reference,
            "voluntary": item.voluntary, **scope_of(item.applies_to, item.applies_ids or []),
            "source": item.source}


def scope_of(applies_to: str, ids: Iterable[str]) -> dict[str, Any]:
    """Whom an item applies to, as people read it: the names of its grades or classes; for
    students only how many (a public notice names no child)."""
    wanted = [uuid.UUID(str(i)) for i in ids]
    names: list[str] = []
    if applies_to == "grades":
        names = [grade.name for grade in people.grades(wanted)]
    elif applies_to == "classes":
        names = [school_class.title for school_class in people.classes(wanted, active=False)]
    return {"applies_to": applies_to, "applies_names": names,
            "applies_count": len(wanted) if applies_to == "students" else None}


def billable_items(on: date) -> list[FeeItem]:
    """The items that may be billed on this day: published by a notice that has taken
    effect, and not retired ("publish before you charge")."""
    return list(db.session.scalars(
        select(FeeItem).where(FeeItem.status == "published", FeeItem.effective_on <= on)
        .order_by(FeeItem.category, FeeItem.name)))
