"""The fee figures the charts draw: each class's collection rate on a term, and what the
term's bills still owed at the end of each month. One query a series, whatever the number of
students; money stays integer fen and rates exact Decimals (the chart makes its own floats).

- A class's rate is collected (paid less refunded) over charged, as in the collection report
  (``reports.collection``, whose rows it reads); a class charged nothing has no rate.
- The arrears at the end of a month are what the term's issued bills owed that evening: each
  bill's ledger entries posted up to that day, added up where the bill still owed (an
  overpaid bill does not lessen another's debt). Months run from the term's first to the
  month of today or of the term's end, whichever is earlier.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import Date, case, func, literal, select, union_all

from core.sdk import db, school_today

from ..models import Bill, LedgerEntry
from .reports import Collection, term_of


@dataclass(frozen=True)
class ClassRate:
    class_id: uuid.UUID
    title: str
    collected: int
    charged: int

    @property
    def rate(self) -> Decimal | None:
        """Collected over charged in percent, to two places (rounded half up)."""
        if self.charged <= 0:
            return None
        return (Decimal(self.collected) * 100 / Decimal(self.charged)).quantize(
            Decimal("0.01"), ROUND_HALF_UP)


def class_rates(rows: Iterable[Collection]) -> list[ClassRate]:
    """The rates of the collection report's rows (``reports.collection(term_id)[0]``), in
    their order: the page has read them already, so the chart costs no query."""
    return [ClassRate(row.class_id, row.title, row.collected, row.charged) for row in rows
            if row.class_id is not None]


@dataclass(frozen=True)
class MonthArrears:
    month: date  # its first day
    owed: int  # fen owed on the term's bills at the end of the month


def month_ends(start: date, end: date) -> list[date]:
    """The last day of every month from ``start``'s to ``end``'s."""
    found, first = [], start.replace(day=1)
    while first <= end:
        following = (first + timedelta(days=32)).replace(day=1)
        found.append(following - timedelta(days=1))
        first = following
    return found


def arrears_by_month(term_id: uuid.UUID, class_ids: Iterable[uuid.UUID] | None = None
                     ) -> list[MonthArrears]:
    """What the term's issued bills (of these classes) still owed at the end of each month of
    the term so far, in one query: every bill's entries up to each month's end."""
    term = term_of(term_id)
    ends = month_ends(term.start_date, min(term.end_date, school_today()))
    if not ends:
        return []
    months = union_all(*(select(literal(end, Date).label("month_end")) for end in ends)).subquery()
    per_bill = (select(months.c.month_end, LedgerEntry.bill_id,
                       func.sum(LedgerEntry.amount_fen).label("owed"))
                .select_from(months)
                .join(LedgerEntry, LedgerEntry.day <= months.c.month_end)
                .join(Bill, Bill.id == LedgerEntry.bill_id)
                .where(Bill.term_id == term_id, Bill.status == "issued")
                .group_by(months.c.month_end, LedgerEntry.bill_id))
    if class_ids is not None:
        per_bill = per_bill.where(Bill.class_id.in_(list(class_ids)))
    per_bill = per_bill.subquery()
    owed = dict(db.session.execute(
        select(per_bill.c.month_end, func.sum(case((per_bill.c.owed > 0, per_bill.c.owed), else_=0)))
        .group_by(per_bill.c.month_end)).all())
    # SQLite hands the grouped day back as text; PostgreSQL as a date.
    owed = {(day if isinstance(day, date) else date.fromisoformat(day)): int(fen or 0)
            for day, fen in owed.items()}
    return [MonthArrears(end.replace(day=1), owed.get(end, 0)) for end in ends]
