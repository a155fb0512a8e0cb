"""Food stock pages: what is on hand with its warnings (and stock in by hand), issuing to the
kitchen on a phone, the ledger of a period, and the food cost of a month."""

from __future__ import annotations

import uuid
from datetime import timedelta
from decimal import Decimal, InvalidOperation
from functools import partial

from flask import redirect, render_template, request, url_for

from core.sdk import forms, requires, school_today, yuan

from .. import charts
from ..models.stock import MOVEMENT_KINDS
from ..schemas.stock import DiscardSchema, IssueSchema, ReasonSchema, StockInSchema
from ..services import stock, stock_out
from ..services.stock_cost import _eaters, food_cost
from . import bp, common, day_arg, month_arg


def price(fen: Decimal) -> str:
    """A unit price in fen as yuan: two places at least (3.20), more where it has them."""
    amount = fen.scaleb(-2)
    return f"{amount:.2f}" if amount == round(amount, 2) else stock.normal(amount)


def stock_common() -> dict:
    return {**common(), "qty": stock.normal, "yuan": partial(yuan, missing="—"), "price": price,
            "kind_titles": stock.KIND_TITLES}


def _fen(form: dict, key: str) -> str:
    """The page asks for yuan (3.20 a kilogram); the schema wants fen."""
    try:
        return str(Decimal(form.get(key, "").strip()).scaleb(2))
    except InvalidOperation:
        return form.get(key, "")


# --- on hand -------------------------------------------------------------------------------


def _render_stock(errors: dict[str, str], form: dict, status: int = 200):
    day = school_today()
    lots = stock.on_hand()
    foods: dict[tuple[str, str], list] = {}
    for lot in lots:
        foods.setdefault((lot.food, lot.unit), []).append(lot)
    within = stock.warning_days()
    return render_template(
        "canteen/stock.html", **stock_common(), foods=foods, today=day, within=within,
        expiring=stock.expiring_lots(day, within), expired=stock.expired_on_hand(day),
        value_fen=sum(lot.value_fen for lot in lots), errors=errors, form=form), status


@bp.route("/stock", endpoint="stock")
@requires("canteen.read")
def stock_on_hand():
    return _render_stock({}, {})


def _refused_stock_in(errors: dict[str, str], form: dict, status: int):
    if "unit_price_fen" in errors:  # the page asks for yuan
        errors["unit_price_yuan"] = errors.pop("unit_price_fen")
    return _render_stock(errors, form, status)


@bp.route("/stock", methods=["POST"])
@requires("canteen.stock.write")
@forms.submitted(_refused_stock_in)
def stock_in():
    form = request.form.to_dict()
    fields = {**forms.schema_fields(form, ("food", "unit", "quantity", "batch", "expiry_date",
                                           "production_date", "received_on"),
                                    optional=("production_date", "received_on")),
              "unit_price_fen": _fen(form, "unit_price_yuan")}
    stock.stock_in(StockInSchema().load(fields))
    return redirect(url_for("canteen_pages.stock"))


@bp.route("/stock/lots/<uuid:lot_id>/discard", methods=["POST"])
@requires("canteen.stock.write")
@forms.submitted(lambda errors, form, status, lot_id: _render_stock(
    {f"discard-{lot_id}": errors["discard"]}, {}, status), field="discard")
def discard_lot(lot_id: uuid.UUID):
    forms.found(stock.get_lot, lot_id)
    data = DiscardSchema().load(forms.schema_fields(request.form.to_dict(), ("reason", "quantity"),
                                                    optional=("quantity",)))
    stock_out.discard(lot_id, data["reason"], data["quantity"])
    return redirect(url_for("canteen_pages.stock"))


# --- issue ---------------------------------------------------------------------------------


def _render_issue(errors: dict[str, str], form: dict, status: int = 200, issued=None):
    day = day_arg("day")
    return render_template("canteen/stock_issue.html", **stock_common(), day=day,
                           foods=stock.foods_on_hand(day), issues=stock_out.issues_on(day),
                           errors=errors, form=form, issued=issued), status


@bp.route("/stock/issue")
@requires("canteen.read")
def stock_issue():
    return _render_issue({}, {})


def _refused_issue(errors: dict[str, str], form: dict, status: int):
    if "unit" in errors:  # the food and its unit are one choice on the page
        errors["food"] = errors.pop("unit")
    return _render_issue(errors, form, status)


@bp.route("/stock/issue", methods=["POST"])
@requires("canteen.stock.write")
@forms.submitted(_refused_issue)
def issue_food():
    form = request.form.to_dict()
    food, _bar, unit = form.get("food", "").rpartition("|")
    fields = {**forms.schema_fields(form, ("day", "quantity", "slot"), optional=("slot",)),
              "food": food, "unit": unit}
    issued = stock_out.issue(IssueSchema().load(fields))
    if issued.warnings:  # expired lots passed over: say so on the page rather than redirect
        return _render_issue({}, {"day": form.get("day")}, issued=issued)
    return redirect(url_for("canteen_pages.stock_issue", day=issued.day.isoformat()))


@bp.route("/stock/issues/<uuid:issue_id>/cancel", methods=["POST"])
@requires("canteen.stock.write")
@forms.submitted(lambda errors, form, status, issue_id: _render_issue(
    {f"cancel-{issue_id}": errors["cancel"]}, {}, status), field="cancel")
def cancel_issue(issue_id: uuid.UUID):
    form = request.form
    forms.found(stock_out.issue_entries, issue_id)
    data = ReasonSchema().load(forms.schema_fields(form, ("reason",)))
    stock_out.cancel_issue(issue_id, data["reason"])
    return redirect(url_for("canteen_pages.stock_issue", day=form.get("day")))


# --- the ledger and food cost --------------------------------------------------------------


@bp.route("/stock/movements")
@requires("canteen.read")
def stock_movements():
    first = school_today().replace(day=1)
    start, end = day_arg("start") if request.args.get("start") else first, day_arg("end")
    kind = request.args.get("kind") if request.args.get("kind") in MOVEMENT_KINDS else None
    entries, page, has_next = forms.page_of(stock.movements_query(start, end, kind))
    return render_template("canteen/stock_movements.html", **stock_common(), start=start,
                           end=end, kind=kind, kinds=MOVEMENT_KINDS, page=page,
                           has_next=has_next, rows=stock.with_lots(entries))


@bp.route("/stock/cost")
@requires("canteen.read")
def stock_cost():
    start = month_arg()
    end = (start + timedelta(days=31)).replace(day=1) - timedelta(days=1)
    cost = food_cost(start, end, _eaters(start, end))
    shared = stock_common()
    # the school's meals, then any other a past issue named, then issues for no meal ("")
    others = set(cost["by_slot"]) - set(shared["slots"])
    slots = shared["slots"] + sorted(others - {""}) + [""] * ("" in others)
    return render_template("canteen/stock_cost.html", **shared, cost=cost, start=start,
                           end=end, cost_slots=slots, chart=charts.cost_per_eater(start, end),
                           previous=(start - timedelta(days=1)).strftime("%Y-%m"),
                           next=(end + timedelta(days=1)).strftime("%Y-%m"))
