"""The fee reports: collection per class, arrears, daily and monthly takings, the term summary,
each also as .xlsx; and a class teacher's view of the classes they head."""

from __future__ import annotations

import uuid
from datetime import date

from core.sdk import XLSX, RuleBroken, _, current_principal, requires, transactional

from .. import exports
from ..schemas.reports import (
    ArrearsQuerySchema,
    ClassArrearsQuerySchema,
    FeeTermQuerySchema,
    ReportArrearsSchema,
    ReportCollectionTermSchema,
    ReportDailyTakingsSchema,
    ReportMonthlyTakingsSchema,
    ReportTermSummarySchema,
    TakingsDayQuerySchema,
    TakingsMonthQuerySchema,
)
from ..services import reports, summary, takings, today
from . import blp


def term_asked(query: dict):
    """The term the query names, or the current one; 404 when the school has none."""
    term = reports.term_of(query["term_id"]) if query.get("term_id") else reports.current_term()
    if term is None:
        raise RuleBroken(_("this school has no term yet"), "term_id", status=404)
    return term


def month_asked(query: dict) -> date:
    return date.fromisoformat(query["month"] + "-01") if query.get("month") \
        else today().replace(day=1)


def collection_of(query: dict, class_ids=None) -> dict:
    term = term_asked(query)
    rows, total = reports.collection(term.id, class_ids)
    return {"term": term, "classes": rows, "total": total}


def arrears_of(query: dict, class_ids=None) -> dict:
    term = term_asked(query)
    rows = reports.arrears(term.id, class_ids, query["min_fen"])
    return {"term": term, "students": rows, "total_fen": sum(a.amount for a in rows)}


@blp.route("/reports/collection")
@blp.arguments(FeeTermQuerySchema, location="query")
@blp.response(200, ReportCollectionTermSchema)
@requires("fees.read")
@transactional
def collection_report(query):
    """Each class's standing on the term's bills: charged, paid, refunded, written off, still
    owed, how many bills are paid, partly paid, unpaid or overpaid, and the collection rate."""
    return collection_of(query)


@blp.route("/reports/collection.xlsx")
@blp.arguments(FeeTermQuerySchema, location="query")
@blp.response(200, content_type=XLSX)
@requires("fees.read")
@transactional
def collection_export(query):
    """The collection report as .xlsx (the export is audited)."""
    return exports.report_download("collection", term=term_asked(query))


def _class_filter(query: dict) -> list[uuid.UUID] | None:
    return [query["class_id"]] if query.get("class_id") else None


@blp.route("/reports/arrears")
@blp.arguments(ArrearsQuerySchema, location="query")
@blp.response(200, ReportArrearsSchema)
@requires("fees.read")
@transactional
def arrears_report(query):
    """Students who still owe on the term's bills, with their class, their guardians' phones,
    what they owe and for how long."""
    return arrears_of(query, _class_filter(query))


@blp.route("/reports/arrears.xlsx")
@blp.arguments(ArrearsQuerySchema, location="query")
@blp.response(200, content_type=XLSX)
@requires("fees.read")
@transactional
def arrears_export(query):
    return exports.report_download("arrears", term=term_asked(query),
                                   class_id=query.get("class_id"),
                                   minimum_fen=query["min_fen"])


@blp.route("/reports/takings/daily")
@blp.arguments(TakingsDayQuerySchema, location="query")
@blp.response(200, ReportDailyTakingsSchema)
@requires("fees.read")
@transactional
def daily_takings(query):
    """The day's takings (日清): per payment method, every receipt in number order, voided ones
    apart, and the refunds paid out that day."""
    return takings.daily_takings(query.get("day") or today())


@blp.route("/reports/takings/daily.xlsx")
@blp.arguments(TakingsDayQuerySchema, location="query")
@blp.response(200, content_type=XLSX)
@requires("fees.read")
@transactional
def daily_takings_export(query):
    return exports.report_download("daily", day=query.get("day") or today())


@blp.route("/reports/takings/monthly")
@blp.arguments(TakingsMonthQuerySchema, location="query")
@blp.response(200, ReportMonthlyTakingsSchema)
@requires("fees.read")
@transactional
def monthly_takings(query):
    """The month's takings (月结): each day by payment method, the month's totals, voided
    payments and refunds."""
    return takings.monthly_takings(month_asked(query))


@blp.route("/reports/takings/monthly.xlsx")
@blp.arguments(TakingsMonthQuerySchema, location="query")
@blp.response(200, content_type=XLSX)
@requires("fees.read")
@transactional
def monthly_takings_export(query):
    return exports.report_download("monthly", first=month_asked(query))


@blp.route("/reports/summary")
@blp.arguments(FeeTermQuerySchema, location="query")
@blp.response(200, ReportTermSummarySchema)
@requires("fees.read")
@transactional
def term_summary(query):
    """The term by fee category: charged, discounts and waivers, adjustments, paid, refunded,
    written off and outstanding; the totals agree with the ledger."""
    return summary.term_summary(term_asked(query).id)


@blp.route("/reports/summary.xlsx")
@blp.arguments(FeeTermQuerySchema, location="query")
@blp.response(200, content_type=XLSX)
@requires("fees.read")
@transactional
def term_summary_export(query):
    return exports.report_download("summary", term=term_asked(query))


# --- class teachers -----------------------------------------------------------------------


def headed_class(class_id: uuid.UUID) -> uuid.UUID:
    """The class if the person signed in heads it; any other is "no such class" (404)."""
    if class_id not in {c.id for c in reports.headed_classes(current_principal().user_id)}:
        raise RuleBroken(_("you head no such class in this school"), "class_id", status=404)
    return class_id


@blp.route("/class/collection")
@blp.arguments(FeeTermQuerySchema, location="query")
@blp.response(200, ReportCollectionTermSchema)
@requires("fees.class.read")
@transactional
def my_classes_collection(query):
    """The collection report for the classes the person signed in heads, and no others."""
    headed = [c.id for c in reports.headed_classes(current_principal().user_id)]
    return collection_of(query, headed)


@blp.route("/class/<uuid:class_id>/arrears")
@blp.arguments(ClassArrearsQuerySchema, location="query")
@blp.response(200, ReportArrearsSchema)
@requires("fees.class.read")
@transactional
def my_class_arrears(query, class_id: uuid.UUID):
    """Who still owes in a class the person signed in heads (another class: 404)."""
    return arrears_of(query, [headed_class(class_id)])
