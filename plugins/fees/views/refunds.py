"""Settling held fees and the refund list: the settlements, one settlement's table of real
costs (typed in yuan, a row a student), publishing it, its public notice (sums and counts,
no names), and the printable refund list with paying out, one or many at once."""

from __future__ import annotations

import contextlib
import uuid

from flask import g, redirect, render_template, request, url_for
from sqlalchemy import select

from core.sdk import RuleBroken, TermRef, _, db, forms, people, public, requires, terms, whole_fen, yuan

from ..models import METHOD_TITLES, METHODS, FeeItem, Settlement
from ..models.refunds import SOURCE_TITLES, STATUS_TITLES
from ..schemas.refunds import RefundBulkPaySchema, RefundPaySchema, SettlementSchema
from ..services import refunds, settings, settlements, today
from . import bp


def term_choice() -> tuple[list[TermRef], TermRef | None]:
    """The school's terms and the one the page is about: ``?term_id=``, else the term of
    today, else the latest."""
    found = terms()
    wanted = request.args.get("term_id", "")
    chosen = next((t for t in found if str(t.id) == wanted), None)
    if chosen is None:
        day = today()
        chosen = next((t for t in found if t.start_date <= day <= t.end_date),
                      found[-1] if found else None)
    return found, chosen


def titles() -> dict:
    """What every refund page's template uses."""
    return {"yuan": yuan, "source_titles": SOURCE_TITLES, "status_titles": STATUS_TITLES,
            "method_titles": METHOD_TITLES, "methods": METHODS}


# --- settlements ----------------------------------------------------------------------------


def _held_items() -> list[FeeItem]:
    return list(db.session.scalars(select(FeeItem).where(
        FeeItem.category == "held", FeeItem.status.in_(settlements.SETTLED_ITEM_STATES))
        .order_by(FeeItem.name)))


def _render_settlements(errors: dict[str, str], form: dict, status: int = 200):
    found = list(db.session.scalars(select(Settlement).order_by(Settlement.created_at.desc())))
    all_terms, chosen = term_choice()
    return render_template(
        "fees/settlements.html", **titles(), settlements=[settlements.summary(s) for s in found],
        terms=all_terms, term_names={t.id: t.name for t in all_terms}, chosen=chosen,
        items=_held_items(), errors=errors, form=form), status


@bp.route("/settlements")
@requires("fees.read")
def settlements_page():
    return _render_settlements({}, {})


@bp.route("/settlements", methods=["POST"])
@requires("fees.refunds.manage")
@forms.submitted(_render_settlements)
def create_settlement():
    data = SettlementSchema().load(forms.schema_fields(request.form, ("term_id", "fee_item_id",
                                                                      "remarks")))
    made = settlements.create(data["term_id"], data["fee_item_id"], data["remarks"])
    return redirect(url_for("fees_pages.settlement", settlement_id=made.id))


def _render_settlement(settlement: Settlement, errors: dict[str, str], form: dict,
                       status: int = 200):
    found = settlements.rows(settlement)
    term = next((t for t in terms() if t.id == settlement.term_id), None)
    return render_template(
        "fees/settlement.html", **titles(), settlement=settlement,
        summary=settlements.summary(settlement, found), rows=settlements.named_rows(found),
        term=term, errors=errors, form=form), status


@bp.route("/settlements/<uuid:settlement_id>")
@requires("fees.read")
def settlement(settlement_id: uuid.UUID):
    return _render_settlement(forms.found(settlements.get_settlement, settlement_id), {}, {})


def _costs(form: dict[str, str]) -> tuple[list[dict], list[str], dict[str, str]]:
    """The real costs typed (``cost-<student>``, yuan), in the rows the service takes; the
    input of each row; amounts that are not yuan and fen."""
    rows, inputs, errors = [], [], {}
    for name, text in form.items():
        if not name.startswith("cost-") or not text.strip():
            continue
        try:
            student_id = uuid.UUID(name[len("cost-"):])
        except ValueError:
            continue
        fen = whole_fen(text)
        if fen is None or fen < 0:
            errors[name] = _("an amount in yuan, such as 85.50")
        rows.append({"student_id": student_id, "real_cost_fen": fen})
        inputs.append(name)
    return rows, inputs, errors


@bp.route("/settlements/<uuid:settlement_id>/costs", methods=["POST"])
@requires("fees.refunds.manage")
def record_settlement_costs(settlement_id: uuid.UUID):
    found = forms.found(settlements.get_settlement, settlement_id)
    form = request.form.to_dict()
    rows, inputs, errors = _costs(form)
    if errors:
        return _render_settlement(found, errors, form, 422)
    try:
        settlements.record_costs(found.id, rows)
    except RuleBroken as exc:
        status = forms.refusal_status(exc)
        parts = exc.field.split(".")
        key = inputs[int(parts[1])] if len(parts) == 3 else exc.field
        return _render_settlement(forms.found(settlements.get_settlement, settlement_id),
                                  {key: str(exc)}, form, status)
    db.session.commit()
    return redirect(url_for("fees_pages.settlement", settlement_id=found.id))


def _refused_act(errors: dict[str, str], form: dict, status: int, settlement_id: uuid.UUID):
    """Publishing or dropping a settlement from its page: a refusal shows on the page."""
    return _render_settlement(forms.found(settlements.get_settlement, settlement_id), errors,
                              {}, status)


@bp.route("/settlements/<uuid:settlement_id>/publish", methods=["POST"])
@requires("fees.refunds.manage")
@forms.submitted(_refused_act, field="publish")
def publish_settlement(settlement_id: uuid.UUID):
    settlements.publish(forms.found(settlements.get_settlement, settlement_id).id)
    return redirect(url_for("fees_pages.settlement", settlement_id=settlement_id))


@bp.route("/settlements/<uuid:settlement_id>/delete", methods=["POST"])
@requires("fees.refunds.manage")
@forms.submitted(_refused_act, field="delete")
def delete_settlement(settlement_id: uuid.UUID):
    settlements.delete_draft(forms.found(settlements.get_settlement, settlement_id).id)
    return redirect(url_for("fees_pages.settlements_page"))


# --- the public notice ----------------------------------------------------------------------


@bp.route("/public/settlements")
@public
def public_settlements():
    """The school's published settlements, for parents: no sign-in."""
    names = {t.id: t.name for t in terms()}
    return render_template("fees/settlement_notices.html", school=g.tenant, term_names=names,
                           settlements=[settlements.summary(s)
                                        for s in settlements.published()], yuan=yuan)


@bp.route("/public/settlements/<uuid:settlement_id>")
@public
def public_settlement(settlement_id: uuid.UUID):
    """A published settlement's notice: the item, the sums and the number of students —
    nothing about any one family. Prints on one sheet."""
    found = forms.found(settlements.public_settlement, settlement_id)
    term = next((t for t in terms() if t.id == found.term_id), None)
    return render_template("fees/settlement_notice.html", school=g.tenant, term=term,
                           summary=settlements.summary(found), yuan=yuan,
                           phone=settings()["school_phone"])


# --- the refund list ------------------------------------------------------------------------


def _filters() -> dict:
    """The refund list's filters from the query string; a mangled one is left out."""
    chosen: dict = {}
    for name, allowed in (("status", refunds.STATUSES), ("source", refunds.SOURCES)):
        if request.args.get(name) in allowed:
            chosen[name] = request.args[name]
    for name in ("settlement_id", "class_id"):
        with contextlib.suppress(ValueError):
            chosen[name] = uuid.UUID(request.args.get(name, ""))
    return chosen


def _render_refunds(errors: dict[str, str], form: dict, status: int = 200):
    all_terms, term = term_choice()
    filters = _filters()
    query = refunds.listing(term_id=term.id if term else None, **filters)
    shown = refunds.named_refunds(list(db.session.scalars(query)))
    return render_template(
        "fees/refunds.html", **titles(), refunds=shown, terms=all_terms, term=term,
        filters=filters, classes=people.classes(active=False),
        here={"term_id": str(term.id) if term else "", **{k: str(v) for k, v in filters.items()}},
        total=sum(r["amount_fen"] for r in shown),
        due=sum(r["amount_fen"] for r in shown if r["status"] == "due"),
        errors=errors, form=form or {"paid_on": today().isoformat(), "method": "cash"}), status


@bp.route("/refunds")
@requires("fees.read")
def refunds_page():
    return _render_refunds({}, {})


def _pay_form() -> tuple[dict, list[str]]:
    form = request.form.to_dict()
    return form, request.form.getlist("refund_ids")


@bp.route("/refunds/pay", methods=["POST"])
@requires("fees.refunds.manage")
@forms.submitted(lambda errors, form, status: _render_refunds(  # the ticked refunds: one field
    {("refund_ids" if key.startswith("refund_ids") else key): message
     for key, message in errors.items()}, form, status))
def pay_refunds():
    form, chosen = _pay_form()
    data = RefundBulkPaySchema().load({**forms.schema_fields(form, ("method", "paid_on")),
                                       "refund_ids": chosen})
    refunds.pay_many(data["refund_ids"], data["method"], data["paid_on"])
    return redirect(url_for("fees_pages.refunds_page", **request.args))


@bp.route("/refunds/<uuid:refund_id>/pay", methods=["POST"])
@requires("fees.refunds.manage")
@forms.submitted(lambda errors, form, status, refund_id: _render_refunds(errors, form, status))
def pay_refund(refund_id: uuid.UUID):
    found = forms.found(refunds.get_refund, refund_id)
    data = RefundPaySchema().load(forms.schema_fields(request.form, ("method", "paid_on")))
    refunds.pay(found.id, data["method"], data["paid_on"])
    return redirect(url_for("fees_pages.refunds_page", **request.args))
