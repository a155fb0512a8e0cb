"""The fee report pages (/m/fees/reports/…): collection per class, arrears, the daily takings
sheet (日清表, printable with signature lines), the month's takings (月结) and the term summary,
each with its .xlsx export; and a class teacher's page of the classes they head."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

from flask import abort, render_template, request

from core.sdk import (
    NotFound,
    RuleBroken,
    TermRef,
    _,
    current_principal,
    db,
    forms,
    people,
    requires,
    terms,
    whole_fen,
    yuan,
)

from .. import charts, exports
from ..models import CATEGORY_TITLES, METHOD_TITLES
from ..schemas.billing import MAX_FEN
from ..services import reports, summary, takings, today
from . import bp

TERM_REPORTS = ("collection", "arrears", "summary")
REPORTS = (*TERM_REPORTS, "daily", "monthly")


def page(template: str, status: int = 200, **context: Any):
    """A fee report page, with what every such page shows money and names with."""
    return render_template(template, yuan=yuan, method_titles=METHOD_TITLES,
                           category_titles=CATEGORY_TITLES, **context), status


def term_arg() -> TermRef | None:
    """The term ``?term_id=`` names (another school's or a mangled id: 404), else the current
    one; None while the school has no term."""
    asked = request.args.get("term_id", "")
    if not asked:
        return reports.current_term()
    try:
        return reports.term_of(uuid.UUID(asked))
    except (ValueError, RuleBroken) as exc:
        raise NotFound(_("no such term in this school")) from exc


def day_arg() -> date:
    return forms.day_arg("day", today())


def month_arg() -> date:
    return forms.month_arg("month", today().replace(day=1))


def class_arg() -> uuid.UUID | None:
    """``?class_id=``, if it is one of the school's classes (else no class filter)."""
    try:
        asked = uuid.UUID(request.args.get("class_id", ""))
    except ValueError:
        return None
    return asked if people.classes(ids=[asked], active=False) else None


def minimum_arg() -> tuple[int, str | None]:
    """``?min=`` in yuan as typed (12.5) in fen, with an error to show when it is not such an
    amount."""
    typed = request.args.get("min", "").strip()
    if not typed:
        return 1, None
    fen = whole_fen(typed)
    if fen is None or not 0 <= fen <= MAX_FEN:  # 1e999 yuan would overflow the query
        return 1, _("an amount in yuan, such as 100 or 99.50")
    return max(fen, 1), None


@bp.route("/reports")
@requires("fees.read")
def reports_index():
    return page("fees/reports.html", term=reports.current_term())


@bp.route("/reports/collection")
@requires("fees.read")
def collection_report():
    term = term_arg()
    rows, total = reports.collection(term.id) if term else ([], None)
    return page("fees/report_collection.html", term=term, terms=terms(), rows=rows,
                total=total, chart=charts.collection_rates(rows) if term else None)


@bp.route("/reports/arrears")
@requires("fees.read")
def arrears_report():
    term, class_id = term_arg(), class_arg()
    minimum, error = minimum_arg()
    rows = reports.arrears(term.id, [class_id] if class_id else None, minimum) if term else []
    chart = charts.arrears_by_month(term.id, [class_id] if class_id else None) if term else None
    return page("fees/report_arrears.html", 422 if error else 200, term=term, terms=terms(),
                rows=rows, classes=people.classes(), class_id=class_id, chart=chart,
                errors={"min": error} if error else {}, typed=request.args.get("min", ""))


@bp.route("/reports/daily")
@requires("fees.read")
def daily_takings():
    day = day_arg()
    return page("fees/report_daily.html", taken=takings.daily_takings(day),
                previous=day - timedelta(days=1), following=day + timedelta(days=1))


@bp.route("/reports/monthly")
@requires("fees.read")
def monthly_takings():
    first = month_arg()
    return page("fees/report_monthly.html", taken=takings.monthly_takings(first),
                previous=(first - timedelta(days=1)).replace(day=1),
                following=(first + timedelta(days=32)).replace(day=1))


@bp.route("/reports/summary")
@requires("fees.read")
def term_summary():
    term = term_arg()
    return page("fees/report_summary.html", term=term, terms=terms(),
                summary=summary.term_summary(term.id) if term else None)


@bp.route("/reports/<report>.xlsx")
@requires("fees.read")
def export_report(report: str):
    """Any report as .xlsx, asked as its page is (term, class, minimum, day, month)."""
    if report not in REPORTS:
        abort(404)
    term = term_arg() if report in TERM_REPORTS else None
    if report in TERM_REPORTS and term is None:
        abort(404)
    response = exports.report_download(report, term=term, class_id=class_arg(),
                                       minimum_fen=minimum_arg()[0], day=day_arg(),
                                       first=month_arg())
    db.session.commit()
    return response


# --- class teachers -----------------------------------------------------------------------


@bp.route("/class")
@requires("fees.class.read")
def class_fees():
    """The collection of the classes the person signed in heads."""
    term = term_arg()
    headed = reports.headed_classes(current_principal().user_id)
    rows, total = reports.collection(term.id, [c.id for c in headed]) if term and headed \
        else ([], None)
    return page("fees/report_class.html", term=term, terms=terms(), headed=headed, rows=rows,
                total=total)


@bp.route("/class/<uuid:class_id>")
@requires("fees.class.read")
def class_fee_detail(class_id: uuid.UUID):
    """One class the person heads: its collection and who still owes (another class: 404)."""
    headed = {c.id: c for c in reports.headed_classes(current_principal().user_id)}
    if class_id not in headed:
        raise NotFound(_("you head no such class in this school"))
    term = term_arg()
    rows, _total = reports.collection(term.id, [class_id]) if term else ([], None)
    return page("fees/report_class_detail.html", term=term, terms=terms(),
                school_class=headed[class_id], row=rows[0] if rows else None,
                arrears=reports.arrears(term.id, [class_id]) if term else [])
