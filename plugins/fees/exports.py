"""The fee reports as .xlsx, and the list of the fee module's tables for the school file.

Amounts go into the sheets in yuan as exact decimals (12.50), so they add up in a spreadsheet
as they do here. Each export is recorded in the audit trail with what was asked."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from flask import Response

from core.sdk import SheetColumn, TermRef, _, audit, sheet_rows, workbook_bytes, xlsx_download
from core.sdk import lazy_gettext as _l

from .models import (
    CATEGORY_TITLES,
    METHOD_TITLES,
    Absence,
    Bill,
    BillingRun,
    BillLine,
    Concession,
    FeeChoice,
    FeeItem,
    FeeNotice,
    LedgerEntry,
    OnlinePayment,
    Payment,
    Receipt,
    ReceiptCounter,
    Refund,
    Settlement,
    SettlementLine,
)
from .services import reports, summary, takings

Sheet = tuple[str, Iterable[Sequence[Any]]]


def money(fen: int) -> Decimal:
    """Fen as exact yuan for a spreadsheet cell (1250 -> 12.50)."""
    return Decimal(fen).scaleb(-2)


def method_title(method: str) -> str:
    return str(METHOD_TITLES.get(method, method))


def category_title(category: str) -> str:
    return str(CATEGORY_TITLES.get(category, category)) if category else _("Total")


def download(name: str, sheets: list[Sheet], part: str, asked: dict[str, Any]) -> Response:
    """The sheets as ``fees-<name>-<part>.xlsx``, the export audited with what was asked."""
    audit.record("export", f"fees.{name}",
                 after={key: str(value) for key, value in asked.items() if value is not None})
    return xlsx_download(workbook_bytes(sheets), f"fees-{name}-{part}.xlsx")


# --- the reports --------------------------------------------------------------------------

COLLECTION = (
    SheetColumn(_l("Class"), lambda c: c.title),
    SheetColumn(_l("Students billed"), lambda c: c.students),
    SheetColumn(_l("Due (yuan)"), lambda c: money(c.charged)),
    SheetColumn(_l("Paid (yuan)"), lambda c: money(c.paid)),
    SheetColumn(_l("Refunded (yuan)"), lambda c: money(c.refunded)),
    SheetColumn(_l("Written off (yuan)"), lambda c: money(c.written_off)),
    SheetColumn(_l("Outstanding (yuan)"), lambda c: money(c.outstanding)),
    SheetColumn(_l("Due back (yuan)"), lambda c: money(c.due_back)),
    SheetColumn(_l("Paid in full"), lambda c: c.paid_count),
    SheetColumn(_l("Partly paid"), lambda c: c.partly_paid_count),
    SheetColumn(_l("Unpaid"), lambda c: c.unpaid_count),
    SheetColumn(_l("Overpaid"), lambda c: c.overpaid_count),
    SheetColumn(_l("Collection rate"), lambda c: c.rate or ""),
)


def collection_sheets(term_id: uuid.UUID, class_ids: Iterable[uuid.UUID] | None = None
                      ) -> list[Sheet]:
    rows, total = reports.collection(term_id, class_ids)
    return [(_("Collection"), sheet_rows(COLLECTION, [*rows, total]))]


ARREARS = (
    SheetColumn(_l("Class"), lambda a: a.class_title),
    SheetColumn(_l("Student number"), lambda a: a.student_no),
    SheetColumn(_l("Student"), lambda a: a.student_name),
    SheetColumn(_l("Guardians' phones"), lambda a: list(a.phones)),
    SheetColumn(_l("Owed (yuan)"), lambda a: money(a.amount)),
    SheetColumn(_l("Account credit (yuan)"), lambda a: money(a.credit)),
    SheetColumn(_l("Billed on"), lambda a: a.issued_on),
    SheetColumn(_l("Days since issue"), lambda a: a.days),
)


def arrears_sheets(term_id: uuid.UUID, class_ids: Iterable[uuid.UUID] | None = None,
                   minimum_fen: int = 1) -> list[Sheet]:
    return [(_("Arrears"), sheet_rows(ARREARS, reports.arrears(term_id, class_ids,
                                                               minimum_fen)))]


RECEIPTS = (
    SheetColumn(_l("Receipt no."), lambda r: r.number),
    SheetColumn(_l("Student number"), lambda r: r.student_no),
    SheetColumn(_l("Student"), lambda r: r.student_name),
    SheetColumn(_l("Class"), lambda r: r.class_title),
    SheetColumn(_l("Payment method"), lambda r: method_title(r.method)),
    SheetColumn(_l("Received (yuan)"), lambda r: money(r.amount)),
    SheetColumn(_l("Payer"), lambda r: r.payer),
    SheetColumn(_l("Recorded by"), lambda r: r.recorded_by),
    SheetColumn(_l("Void"), lambda r: "" if r.void_reason is None
                else _("voided: %(reason)s", reason=r.void_reason)),
)


def daily_sheets(day: date) -> list[Sheet]:
    taken = takings.daily_takings(day)
    summary: list[list[Any]] = [[_("Payment method"), _("Number of payments"), _("Received (yuan)")]]
    summary += [[method_title(m.method), m.count, money(m.amount)] for m in taken.methods]
    summary.append([_("Total taken"), taken.count, money(taken.total)])
    summary.append([_("Voided (not counted)"), len(taken.voided), money(taken.voided_total)])
    summary += [[_("Refunded: %(method)s", method=method_title(m.method)), m.count,
                 money(-m.amount)] for m in taken.refunds]
    summary.append([_("Net"), None, money(taken.net)])
    summary.append([_("Receipts"), len(taken.receipts),
                    f"{taken.first_receipt} – {taken.last_receipt}" if taken.receipts else ""])
    return [(_("Daily takings %(day)s", day=day.isoformat()), summary),
            (_("Receipts"), sheet_rows(RECEIPTS, taken.receipts))]


def monthly_sheets(first: date) -> list[Sheet]:
    taken = takings.monthly_takings(first)
    methods = taken.method_names
    rows: list[list[Any]] = [[_("Day"), *(method_title(m) for m in methods),
                              _("Number of payments"),
                              _("Total (yuan)")]]
    rows += [[d.day, *(money(d.amounts.get(m, 0)) for m in methods), d.count, money(d.total)]
             for d in taken.days]
    rows.append([_("Total"), *(money(m.amount) for m in taken.methods), taken.count,
                 money(taken.total)])
    rows.append([_("Voided (not counted)"), *([None] * len(methods)), taken.voided.count,
                 money(taken.voided.amount)])
    rows += [[_("Refunded: %(method)s", method=method_title(m.method)), *([None] * len(methods)),
              m.count, money(-m.amount)] for m in taken.refunds]
    rows.append([_("Net"), *([None] * len(methods)), None, money(taken.net)])
    return [(_("Monthly takings %(month)s", month=taken.first.strftime("%Y-%m")), rows)]


SUMMARY = (
    SheetColumn(_l("Category"), lambda c: category_title(c.category)),
    SheetColumn(_l("Charged at list price (yuan)"), lambda c: money(c.charged)),
    SheetColumn(_l("Discounts and waivers (yuan)"), lambda c: money(c.discounts)),
    SheetColumn(_l("Adjustments (yuan)"), lambda c: money(c.adjustments)),
    SheetColumn(_l("Due (yuan)"), lambda c: money(c.due)),
    SheetColumn(_l("Paid (yuan)"), lambda c: money(c.paid)),
    SheetColumn(_l("Refunded (yuan)"), lambda c: money(c.refunded)),
    SheetColumn(_l("Written off (yuan)"), lambda c: money(c.written_off)),
    SheetColumn(_l("Outstanding (yuan)"), lambda c: money(c.outstanding)),
)


def summary_sheets(term_id: uuid.UUID) -> list[Sheet]:
    found = summary.term_summary(term_id)
    rows = list(sheet_rows(SUMMARY, [*found.categories, found.total]))
    rows.append([_("Overpayments kept as credit"), None, None, None, None,
                 money(found.credit)])
    return [(_("Term summary"), rows)]


def report_download(name: str, *, term: TermRef | None = None,
                    class_id: uuid.UUID | None = None, minimum_fen: int = 1,
                    day: date | None = None, first: date | None = None) -> Response:
    """One report as its .xlsx download: collection, arrears and summary of a ``term``
    (arrears of one ``class_id`` and owing at least ``minimum_fen``), the ``day``'s takings,
    the takings of the month beginning ``first``."""
    if name == "daily":
        return download(name, daily_sheets(day), day.isoformat(), {"day": day})
    if name == "monthly":
        month = first.strftime("%Y-%m")
        return download(name, monthly_sheets(first), month, {"month": month})
    asked: dict[str, Any] = {"term_id": term.id}
    if name == "collection":
        sheets = collection_sheets(term.id)
    elif name == "summary":
        sheets = summary_sheets(term.id)
    else:
        sheets = arrears_sheets(term.id, [class_id] if class_id else None, minimum_fen)
        asked |= {"class_id": class_id, "min_fen": minimum_fen}
    return download(name, sheets, str(term.id), asked)


# --- the school's data export -------------------------------------------------------------

# Every fee table of the school, the receipt counters and the ledger included: a school file
# (``houqin tenants export``) must carry them for the receipt numbers and balances to go on.
TABLES = {
    "fees_items": FeeItem, "fees_notices": FeeNotice, "fees_bills": Bill,
    "fees_bill_lines": BillLine, "fees_concessions": Concession, "fees_choices": FeeChoice,
    "fees_billing_runs": BillingRun, "fees_ledger": LedgerEntry, "fees_payments": Payment,
    "fees_receipts": Receipt, "fees_receipt_counters": ReceiptCounter,
    "fees_online_payments": OnlinePayment, "fees_refunds": Refund,
    "fees_settlements": Settlement, "fees_settlement_lines": SettlementLine,
    "fees_absences": Absence,
}
