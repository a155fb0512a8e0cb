"""The term summary (学期收费汇总) by fee category: charged, discounts and waivers, adjustments,
paid, refunded, written off and outstanding, with totals that agree with the ledger.

Payments, refunds and write-offs are made on a bill, not on an item: each bill's are shared
among its categories in proportion to what each category asks for on that bill (the largest
remainders get the odd fen), so the categories add up exactly to the bills."""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import func, select

from core.sdk import TermRef, db

from ..models import CATEGORIES, Bill, BillLine, LedgerEntry, Payment
from .reports import percent, term_of


@dataclass(frozen=True)
class CategorySummary:
    category: str  # CATEGORIES, or "" for the total
    charged: int  # charge lines
    discounts: int  # discount and waiver lines (negative)
    adjustments: int  # adjustment lines (either sign)
    paid: int
    refunded: int
    written_off: int

    @property
    def due(self) -> int:
        """What the bills ask for after discounts and adjustments (应收)."""
        return self.charged + self.discounts + self.adjustments

    @property
    def outstanding(self) -> int:
        """Still owed (negative: overpaid, money due back)."""
        return self.due - self.paid + self.refunded - self.written_off


@dataclass(frozen=True)
class TermSummary:
    term: TermRef
    bills: int
    categories: list[CategorySummary]
    total: CategorySummary
    credit: int  # paid on this term's bills beyond what they owed, kept on accounts

    @property
    def rate(self) -> str | None:
        return percent(self.total.paid - self.total.refunded, self.total.due)


LINE_FIGURES = {"charge": "charged", "discount": "discounts", "waiver": "discounts",
                "adjustment": "adjustments"}
MONEY_FIGURES = {"payment": "paid", "refund": "refunded", "write_off": "written_off"}
_SUMMARY_FIGURES = ("charged", "discounts", "adjustments", "paid", "refunded", "written_off")


def term_summary(term_id: uuid.UUID) -> TermSummary:
    term = term_of(term_id)
    rows = db.session.execute(
        select(LedgerEntry.bill_id, LedgerEntry.kind, BillLine.kind, BillLine.category,
               func.sum(LedgerEntry.amount_fen))
        .join(Bill, Bill.id == LedgerEntry.bill_id)
        .outerjoin(BillLine, BillLine.id == LedgerEntry.bill_line_id)
        .where(Bill.term_id == term_id, Bill.status == "issued")
        .group_by(LedgerEntry.bill_id, LedgerEntry.kind, BillLine.kind, BillLine.category))
    lines: dict[uuid.UUID, dict[str, dict[str, int]]] = defaultdict(
        lambda: defaultdict(lambda: defaultdict(int)))
    money: dict[uuid.UUID, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for bill_id, entry_kind, line_kind, category, amount in rows:
        if entry_kind in MONEY_FIGURES:
            # kept positive: payments and write-offs lower what is owed
            sign = 1 if entry_kind == "refund" else -1
            money[bill_id][MONEY_FIGURES[entry_kind]] += sign * int(amount)
        else:
            figure = LINE_FIGURES[line_kind or entry_kind]
            lines[bill_id][category or "other"][figure] += int(amount)
    figures: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for bill_id in set(lines) | set(money):
        by_category = lines.get(bill_id, {})
        for category, sums in by_category.items():
            for figure, amount in sums.items():
                figures[category][figure] += amount
        weights = _weights(by_category)
        for figure, amount in money.get(bill_id, {}).items():
            for category, share in _shares(amount, weights).items():
                figures[category][figure] += share
    order = {c: n for n, c in enumerate(CATEGORIES)}
    categories = [CategorySummary(c, *(figures[c][f] for f in _SUMMARY_FIGURES))
                  for c in sorted(figures, key=lambda c: order.get(c, len(order)))]
    total = CategorySummary("", *(sum(getattr(c, f) for c in categories)
                                  for f in _SUMMARY_FIGURES))
    bills = db.session.scalar(select(func.count()).select_from(Bill).where(
        Bill.term_id == term_id, Bill.status == "issued"))
    return TermSummary(term, int(bills), categories, total, _term_credit(term_id))


def _weights(by_category: dict[str, dict[str, int]]) -> dict[str, int]:
    """How a bill's payments are shared among its categories: by what each asks for; when no
    category asks for anything any more, all goes to the one that charged most."""
    due = {c: sum(sums.values()) for c, sums in by_category.items()}
    weights = {c: amount for c, amount in due.items() if amount > 0}
    if weights:
        return weights
    if by_category:
        return {max(by_category, key=lambda c: (by_category[c].get("charged", 0), c)): 1}
    return {"other": 1}


def _shares(amount: int, weights: dict[str, int]) -> dict[str, int]:
    """``amount`` (≥ 0) in whole fen shared in proportion to the weights, adding up exactly:
    each gets its floor, and the fen left over go to the largest remainders."""
    whole = sum(weights.values())
    shares = {c: amount * w // whole for c, w in weights.items()}
    left = amount - sum(shares.values())
    order = {c: n for n, c in enumerate(CATEGORIES)}
    for c in sorted(weights, key=lambda c: (-(amount * weights[c] % whole),
                                            order.get(c, len(order))))[:left]:
        shares[c] += 1
    return shares


def _term_credit(term_id: uuid.UUID) -> int:
    """What was paid on the term's bills beyond their balance and kept as account credit."""
    owed = db.session.scalar(
        select(func.coalesce(func.sum(LedgerEntry.amount_fen), 0))
        .join(Payment, Payment.id == LedgerEntry.payment_id)
        .join(Bill, Bill.id == Payment.bill_id)
        .where(LedgerEntry.bill_id.is_(None), Bill.term_id == term_id))
    return -int(owed)
