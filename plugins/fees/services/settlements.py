"""Settling a held fee (多退少不补): once the real cost of a held-fee item (textbooks, uniforms,
insurance collected on behalf of others) is known per student, the surplus goes back and the
shortfall is never charged.

What a student paid for the item — the rule this module follows:
    Money on a bill pays the bill's *other* lines first (tuition, care, meals); only what is
    left over counts as paid for the held item, up to what the item charged::

        paid for item = min(charged for item, max(net paid − (bill total − charged), 0))

    where ``net paid`` is the money paid on the bill less every refund decided on it (due or
    paid out: that money is promised back already). Write-offs are not money the family paid
    and do not count. This never credits a family with paying for textbooks with money that
    went to tuition, and after the bill is lowered to the real cost, ``paid − real cost`` is
    exactly what the bill is overpaid by — so the refund decided always fits what the ledger
    allows (``refunds.refundable``).

Publishing lowers each bill by ``charged − real cost`` when that is positive (an adjustment
line, code ``settlement:<id>``) and decides a refund of ``max(paid − real cost, 0)`` (key
``settlement:<id>:<student>``); a student who has not paid gets only the lower bill. A real
cost above the charge changes nothing: the shortfall is borne by the school.
"""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import delete, func, select

from core.sdk import RuleBroken, _, db, first_writer, term_span, utcnow, yuan

from ..models import Bill, BillLine, FeeItem, Refund, Settlement, SettlementLine
from . import bills, ledger, refunds, who

SETTLED_ITEM_STATES = ("published", "retired")  # items that were published once
MAX_REAL_COST_FEN = 10_000_000  # ¥100,000 for one student's held item is a typing mistake


def line_code(settlement_id: uuid.UUID) -> str:
    """The code of the adjustment line a settlement puts on each bill it lowers."""
    return f"settlement:{settlement_id}"


def refund_key(settlement_id: uuid.UUID, student_id: uuid.UUID) -> str:
    return f"settlement:{settlement_id}:{student_id}"


def get_settlement(settlement_id: uuid.UUID, lock: bool = False) -> Settlement:
    query = select(Settlement).where(Settlement.id == settlement_id)
    found = db.session.scalar(query.with_for_update() if lock else query)
    if found is None:
        raise RuleBroken(_("no such settlement in this school"), "settlement_id", status=404)
    return found


def item_of(settlement: Settlement) -> FeeItem:
    return db.session.scalar(select(FeeItem).where(FeeItem.id == settlement.fee_item_id))


def create(term_id: uuid.UUID, fee_item_id: uuid.UUID, remarks: str = "",
           by: str | None = None) -> Settlement:
    """Start settling a published held-fee item for a term (one settlement per item and
    term)."""
    if term_span(term_id) is None:
        raise RuleBroken(_("no such term in this school"), "term_id")
    item = db.session.scalar(select(FeeItem).where(FeeItem.id == fee_item_id))
    if item is None:
        raise RuleBroken(_("no such fee item in this school"), "fee_item_id")
    if item.category != "held" or item.status not in SETTLED_ITEM_STATES:
        raise RuleBroken(_("only a published held fee (collected on behalf of others) is "
                           "settled"), "fee_item_id")
    _refuse_second(term_id, fee_item_id)
    # Started from two screens at once: the second hears the item is being settled.
    return first_writer(Settlement(term_id=term_id, fee_item_id=fee_item_id, remarks=remarks,
                                   created_by=who(by)),
                        winner=lambda: _refuse_second(term_id, fee_item_id))


def _refuse_second(term_id: uuid.UUID, fee_item_id: uuid.UUID) -> None:
    if db.session.scalar(select(Settlement.id).where(Settlement.term_id == term_id,
                                                     Settlement.fee_item_id == fee_item_id)):
        raise RuleBroken(_("this item is already being settled for this term"), "fee_item_id",
                         status=409)


def delete_draft(settlement_id: uuid.UUID) -> None:
    """Drop a settlement started by mistake, while nothing was published from it."""
    settlement = get_settlement(settlement_id, lock=True)
    _check_draft(settlement)
    db.session.execute(delete(SettlementLine).where(
        SettlementLine.settlement_id == settlement.id))
    db.session.delete(settlement)
    db.session.flush()


def _check_draft(settlement: Settlement) -> None:
    if settlement.status != "draft":
        raise RuleBroken(_("this settlement is published and no longer changes"),
                         "settlement_id", status=409)


# --- what each student was charged and paid ---------------------------------------------------


@dataclass(frozen=True)
class ChargedStudent:
    """A student whose issued bill for the term charges the item."""

    student_id: uuid.UUID
    class_id: uuid.UUID
    bill_id: uuid.UUID
    bill_total_fen: int
    charged_fen: int  # the item's lines on the bill (charge and concessions), before settling


def charged_students(settlement: Settlement,
                     student_ids: list[uuid.UUID] | None = None) -> dict[uuid.UUID, ChargedStudent]:
    """The students the item was charged to on their issued bills of the term, by id."""
    item_total = func.sum(BillLine.amount_fen)
    query = (select(Bill.student_id, Bill.class_id, Bill.id, Bill.total_fen, item_total)
             .join(BillLine, BillLine.bill_id == Bill.id)
             .where(Bill.term_id == settlement.term_id, Bill.status == "issued",
                    BillLine.fee_item_id == settlement.fee_item_id,
                    BillLine.code != line_code(settlement.id))
             .group_by(Bill.student_id, Bill.class_id, Bill.id, Bill.total_fen))
    if student_ids is not None:
        query = query.where(Bill.student_id.in_(student_ids))
    return {row[0]: ChargedStudent(*row) for row in db.session.execute(query)}


def _settled_off(bill_ids: list[uuid.UUID], settlement: Settlement) -> dict[uuid.UUID, int]:
    """What this settlement already took off each bill (negative), once published."""
    if not bill_ids:
        return {}
    return dict(db.session.execute(
        select(BillLine.bill_id, func.sum(BillLine.amount_fen))
        .where(BillLine.bill_id.in_(bill_ids), BillLine.code == line_code(settlement.id))
        .group_by(BillLine.bill_id)).all())


def _refunds_decided(bill_ids: list[uuid.UUID]) -> dict[uuid.UUID, int]:
    if not bill_ids:
        return {}
    return dict(db.session.execute(
        select(Refund.bill_id, func.sum(Refund.amount_fen))
        .where(Refund.bill_id.in_(bill_ids)).group_by(Refund.bill_id)).all())


def paid_for_item(charged_fen: int, bill_total_fen: int, paid_fen: int,
                  refunds_decided_fen: int) -> int:
    """The money paid for the held item on its bill: what is left of the net payments after
    the bill's other lines, at most the item's charge (see the module's docstring)."""
    others = bill_total_fen - charged_fen
    net_paid = paid_fen - refunds_decided_fen
    return min(max(charged_fen, 0), max(net_paid - others, 0))


@dataclass(frozen=True)
class StudentSettlement:
    """One student's settlement, worked out."""

    charged_fen: int
    paid_fen: int
    real_cost_fen: int

    @property
    def refund_fen(self) -> int:
        return max(self.paid_fen - self.real_cost_fen, 0)

    @property
    def reduction_fen(self) -> int:
        """What the bill is lowered by: the surplus of the charge over the real cost."""
        return max(self.charged_fen - self.real_cost_fen, 0)

    @property
    def shortfall_fen(self) -> int:
        """What the real cost exceeds the charge by: never charged."""
        return max(self.real_cost_fen - self.charged_fen, 0)


def work_out(charged: ChargedStudent, real_cost_fen: int) -> StudentSettlement:
    """A student's settlement with their bill's money as it stands now (draft)."""
    return work_out_many([(charged, real_cost_fen)])[0]


def work_out_many(pairs: list[tuple[ChargedStudent, int]]) -> list[StudentSettlement]:
    """Several students' settlements, reading their bills' money in two queries."""
    ids = [charged.bill_id for charged, _cost in pairs]
    money, decided = ledger.bill_money(ids), _refunds_decided(ids)
    found = []
    for charged, cost in pairs:
        paid_in = money[charged.bill_id].paid if charged.bill_id in money else 0
        paid = paid_for_item(charged.charged_fen, charged.bill_total_fen, paid_in,
                             decided.get(charged.bill_id, 0))
        found.append(StudentSettlement(charged.charged_fen, paid, cost))
    return found


# --- recording the real costs ---------------------------------------------------------------


def record_costs(settlement_id: uuid.UUID, rows: list[dict[str, Any]],
                 by: str | None = None) -> list[SettlementLine]:
    """Record the real cost of the item for each student of ``rows`` (``student_id``,
    ``real_cost_fen``); a student recorded before gets the new cost. A row that names a
    student the item was not charged to is refused as ``lines.<row>.student_id``."""
    settlement = get_settlement(settlement_id, lock=True)
    _check_draft(settlement)
    wanted = [row["student_id"] for row in rows]
    charged = charged_students(settlement, wanted)
    existing = {line.student_id: line for line in db.session.scalars(
        select(SettlementLine).where(SettlementLine.settlement_id == settlement.id,
                                     SettlementLine.student_id.in_(wanted)))}
    seen: set[uuid.UUID] = set()
    stored = []
    for n, row in enumerate(rows):
        student_id, cost = row["student_id"], row["real_cost_fen"]
        if student_id in seen:
            raise RuleBroken(_("this student is listed twice"), f"lines.{n}.student_id")
        seen.add(student_id)
        if student_id not in charged:
            raise RuleBroken(_("this student was not charged for the item on an issued bill "
                               "of the term"), f"lines.{n}.student_id")
        if not isinstance(cost, int) or isinstance(cost, bool) or not (
                0 <= cost <= MAX_REAL_COST_FEN):
            raise RuleBroken(_("a whole number of fen from 0 to %(most)s",
                               most=MAX_REAL_COST_FEN), f"lines.{n}.real_cost_fen")
        worked = work_out(charged[student_id], cost)
        line = existing.get(student_id) or SettlementLine(settlement_id=settlement.id,
                                                           student_id=student_id)
        line.bill_id, line.real_cost_fen = charged[student_id].bill_id, cost
        line.paid_fen, line.refund_fen = worked.paid_fen, worked.refund_fen
        db.session.add(line)
        stored.append(line)
    if not stored:
        raise RuleBroken(_("record at least one student's real cost"), "lines")
    db.session.flush()
    return stored


def lines_of(settlement: Settlement) -> list[SettlementLine]:
    return list(db.session.scalars(select(SettlementLine).where(
        SettlementLine.settlement_id == settlement.id)))


@dataclass(frozen=True)
class Row:
    """A student of the settlement as the pages and the API show them."""

    student_id: uuid.UUID
    class_id: uuid.UUID
    bill_id: uuid.UUID
    charged_fen: int
    paid_fen: int | None  # None: no real cost recorded yet
    real_cost_fen: int | None
    refund_fen: int | None
    reduction_fen: int | None
    refund_id: uuid.UUID | None = None
    refund_status: str | None = None


def rows(settlement: Settlement) -> list[Row]:
    """Every student charged the item, with their real cost and what follows from it: worked
    out with today's money while a draft, as settled once published."""
    charged = charged_students(settlement)
    lines = {line.student_id: line for line in lines_of(settlement)}
    off = _settled_off([c.bill_id for c in charged.values()], settlement)
    statuses = dict(db.session.execute(select(Refund.id, Refund.status).where(
        Refund.id.in_([line.refund_id for line in lines.values() if line.refund_id]))).all())
    draft = settlement.status == "draft"
    worked: dict[uuid.UUID, StudentSettlement] = {}
    if draft:
        recorded = [(c, lines[s].real_cost_fen) for s, c in charged.items() if s in lines]
        worked = {c.student_id: w for (c, _cost), w in zip(recorded, work_out_many(recorded),
                                                           strict=True)}
    found = []
    for student_id, on_bill in charged.items():
        line = lines.get(student_id)
        if line is None:
            found.append(Row(student_id, on_bill.class_id, on_bill.bill_id, on_bill.charged_fen,
                             None, None, None, None))
            continue
        if draft:
            now = worked[student_id]
            paid, refund, reduction = now.paid_fen, now.refund_fen, now.reduction_fen
        else:
            paid, refund = line.paid_fen, line.refund_fen
            reduction = -off.get(on_bill.bill_id, 0)
        found.append(Row(student_id, on_bill.class_id, on_bill.bill_id, on_bill.charged_fen, paid,
                         line.real_cost_fen, refund, reduction, line.refund_id,
                         statuses.get(line.refund_id)))
    return found


@dataclass(frozen=True)
class Totals:
    """What the settlement notice publishes: counts and sums, no names."""

    students: int  # students with a real cost
    missing: int  # students charged the item without a real cost yet
    charged_fen: int
    collected_fen: int  # paid for the item
    real_cost_fen: int
    refund_fen: int
    reduction_fen: int
    shortfall_fen: int  # real cost above the charge: borne by the school, never charged


def totals(found: list[Row]) -> Totals:
    done = [r for r in found if r.real_cost_fen is not None]
    return Totals(students=len(done), missing=len(found) - len(done),
                  charged_fen=sum(r.charged_fen for r in done),
                  collected_fen=sum(r.paid_fen for r in done),
                  real_cost_fen=sum(r.real_cost_fen for r in done),
                  refund_fen=sum(r.refund_fen for r in done),
                  reduction_fen=sum(r.reduction_fen for r in done),
                  shortfall_fen=sum(max(r.real_cost_fen - r.charged_fen, 0) for r in done))


# --- publishing -----------------------------------------------------------------------------


def publish(settlement_id: uuid.UUID, by: str | None = None) -> Settlement:
    """Settle every student at once: lower the bills, decide the refunds, publish. All or
    nothing (the caller's transaction); publishing a published settlement changes nothing."""
    settlement = get_settlement(settlement_id, lock=True)
    if settlement.status == "published":
        return settlement
    charged = charged_students(settlement)
    lines = {line.student_id: line for line in lines_of(settlement)}
    missing = [s for s in charged if s not in lines]
    if missing:
        raise RuleBroken(_("%(n)s students charged the item have no real cost recorded yet",
                           n=len(missing)), "lines", status=409)
    if not lines:
        raise RuleBroken(_("record at least one student's real cost"), "lines", status=409)
    item = item_of(settlement)
    name = who(by)
    for student_id in sorted(lines, key=lambda s: charged[s].bill_id):  # bills locked in order
        line = lines[student_id]
        bill = bills.get_bill(charged[student_id].bill_id, lock=True)
        # the bill as it stands now that it is locked (no payment or adjustment in between)
        worked = work_out(charged_students(settlement, [student_id])[student_id],
                          line.real_cost_fen)
        reason = _("%(item)s settled at its real cost of %(cost)s yuan (多退少不补)",
                   item=item.name, cost=yuan(line.real_cost_fen))
        if worked.reduction_fen and not _settled_off([bill.id], settlement):
            amount = -worked.reduction_fen
            bills.adjust(bill, bills.Line(
                "adjustment", "fees", line_code(settlement.id), item.category,
                _("%(item)s: surplus over the real cost", item=item.name), 1, amount, amount,
                fee_item_id=item.id, reason=reason), by=name)
        if worked.refund_fen:
            refund = refunds.decide(bill, worked.refund_fen, reason, source="settlement",
                                    key=refund_key(settlement.id, student_id), by=name)
            line.refund_id = refund.id
        line.paid_fen, line.refund_fen = worked.paid_fen, worked.refund_fen
    settlement.status, settlement.published_by, settlement.published_at = (
        "published", name, utcnow())
    db.session.flush()
    return settlement


def published(term_id: uuid.UUID | None = None) -> list[Settlement]:
    query = select(Settlement).where(Settlement.status == "published")
    if term_id is not None:
        query = query.where(Settlement.term_id == term_id)
    return list(db.session.scalars(query.order_by(Settlement.published_at.desc())))


def public_settlement(settlement_id: uuid.UUID) -> Settlement:
    """A settlement as the public notice may show it: published ones only."""
    settlement = get_settlement(settlement_id)
    if settlement.status != "published":
        raise RuleBroken(_("no such settlement in this school"), "settlement_id", status=404)
    return settlement


# --- as the API and the pages show them -----------------------------------------------------

SHOWN = ("id", "term_id", "fee_item_id", "remarks", "status", "created_by", "created_at",
         "published_by", "published_at")


def summary(settlement: Settlement, found: list[Row] | None = None) -> dict[str, Any]:
    """The settlement with its item's name and its totals."""
    found = rows(settlement) if found is None else found
    return {**{name: getattr(settlement, name) for name in SHOWN},
            "item_name": item_of(settlement).name, **asdict(totals(found))}


def named_rows(found: list[Row]) -> list[dict[str, Any]]:
    """The rows with each student's number, name and class, by class and number."""
    return sorted(refunds.with_names([asdict(row) for row in found]),
                  key=lambda r: (r["class_title"], r["student_no"]))
