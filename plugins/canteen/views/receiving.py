"""Deliveries: a month's list, the entry form (item rows, a few blank ones and "add a row",
no script needed), and the printable record of one delivery with its void form."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from flask import redirect, render_template, request, url_for
from marshmallow import ValidationError
from sqlalchemy import select

from core.sdk import RuleBroken, _, current_principal, db, forms, requires, whole_fen

from ..models.receiving import RESULTS, STORAGE
from ..models.suppliers import Supplier
from ..regulations import rules
from ..schemas.receiving import DeliveryItemSchema, DeliverySchema, DeliveryVoidSchema
from ..services import receiving as services
from ..services import suppliers as supplier_services
from ..services import today, yuan
from . import bp, month_arg

BLANK_ROWS, MAX_ROWS = 3, 60
ITEM_INPUTS = ("food", "quantity", "unit", "unit_price", "batch", "production_date",
               "shelf_life_days", "expiry_date", "storage", "temperature_c", "result",
               "reject_reason")
UNITS = ("kg", "g", "斤", "L", "个", "只", "箱", "袋", "瓶", "桶", "盒", "把")


def number(value: Decimal) -> str:
    """A quantity without trailing zeros or an exponent: 20, 2.5."""
    return f"{value.normalize():f}"


@bp.route("/deliveries")
@requires("canteen.read")
def deliveries():
    first = month_arg()
    following, previous = services.add_months(first, 1), services.add_months(first, -1)
    last = following - timedelta(days=1)
    found = services.deliveries_between(first, last)
    return render_template("canteen/deliveries.html", deliveries=found, first=first, last=last,
                           previous=previous, following=following, yuan=yuan,
                           names=services.supplier_names(found),
                           total=sum(d.total_fen for d in found if d.voided_at is None))


# --- the entry form ------------------------------------------------------------------------


def _items(form: dict[str, str], rows: int) -> tuple[list[dict], list[int], dict[str, str]]:
    """The filled rows as the schema takes them, the form row of each, and price errors."""
    items, where, errors = [], [], {}
    for n in range(rows):
        row = {name: form.get(f"items-{n}-{name}", "").strip() for name in ITEM_INPUTS}
        if not (row["food"] or row["quantity"] or row["unit_price"]):
            continue
        price = whole_fen(row.pop("unit_price") or "")
        if price is None:
            errors[f"items-{n}-unit_price"] = _("an amount in yuan, such as 12.50")
        items.append({**{k: v for k, v in row.items() if v != ""}, "unit_price_fen": price})
        where.append(n)
    return items, where, errors


def _row_errors(exc: Exception, where: list[int]) -> dict[str, str]:
    """Errors by form input: ``items.2.quantity`` (a rule) or the schema's nested
    ``{"items": {2: {"quantity": …}}}`` land on the input of the form row they came from."""
    if isinstance(exc, ValidationError) and isinstance(exc.messages, dict) and isinstance(
            exc.messages.get("items"), dict):
        nested = exc.messages
        flat = {k: v for k, v in nested.items() if k != "items"}
        for position, fields in nested["items"].items():
            for name, messages in fields.items():
                flat[f"items.{position}.{name}"] = messages
        exc = ValidationError(flat)
    errors = {}
    for key, message in forms.form_errors(exc).items():
        parts = key.split(".")
        if len(parts) == 3 and parts[0] == "items" and int(parts[1]) < len(where):
            name = "unit_price" if parts[2] == "unit_price_fen" else parts[2]
            key = f"items-{where[int(parts[1])]}-{name}"
        errors[key] = message
    return errors


def _render_new(errors: dict[str, str], form: dict, rows: int, status: int = 200):
    day = today()
    active = db.session.scalars(select(Supplier).where(Supplier.active.is_(True))
                                .order_by(Supplier.name)).all()
    return render_template("canteen/delivery_new.html", errors=errors, form=form, rows=rows,
                           standings=supplier_services.standings(list(active), day), day=day,
                           storage=STORAGE, results=RESULTS, units=UNITS,
                           limits={name: DeliveryItemSchema().limits(name)
                                   for name in ("shelf_life_days", "temperature_c")}), status


def _rows(form) -> int:
    asked = str(form.get("rows", ""))
    return min(max(int(asked), 1), MAX_ROWS) if asked.isdigit() else BLANK_ROWS


@bp.route("/deliveries/new")
@requires("canteen.receiving.write")
def new_delivery():
    return _render_new({}, {"day": today().isoformat()}, _rows(request.args))


@bp.route("/deliveries/new", methods=["POST"])
@requires("canteen.receiving.write")
def record_delivery():
    form = request.form.to_dict()
    rows = _rows(form)
    if "add_row" in form:  # the "add a row" button: the same form, one row longer
        return _render_new({}, form, min(rows + 1, MAX_ROWS))
    items, where, errors = _items(form, rows)
    if errors:
        return _render_new(errors, form, rows, 422)
    fields = forms.schema_fields(form, ("supplier_id", "day", "inspector", "second_inspector",
                                        "note"))
    try:
        delivery = services.create_delivery(DeliverySchema().load_form({**fields, "items": items}))
    except (ValidationError, RuleBroken) as exc:
        return _render_new(_row_errors(exc, where), form, rows, forms.refusal_status(exc))
    db.session.commit()
    return redirect(url_for("canteen_pages.delivery", delivery_id=delivery.id))


# --- one delivery --------------------------------------------------------------------------


def _render_delivery(delivery, errors: dict[str, str], form: dict, status: int = 200):
    supplier = supplier_services.get_supplier(delivery.supplier_id)
    in_force = rules()
    return render_template("canteen/delivery.html", delivery=delivery, supplier=supplier,
                           storage=STORAGE, results=RESULTS, yuan=yuan, number=number,
                           errors=errors, form=form,
                           keep_rules=(in_force["receiving_keep_months_after_shelf_life"],
                                       in_force["receiving_keep_years_at_least"])), status


@bp.route("/deliveries/<uuid:delivery_id>")
@requires("canteen.read")
def delivery(delivery_id: uuid.UUID):
    return _render_delivery(forms.found(services.get_delivery, delivery_id), {}, {})


@bp.route("/deliveries/<uuid:delivery_id>/void", methods=["POST"])
@requires("canteen.receiving.void")
@forms.submitted(lambda errors, form, status, delivery_id: _render_delivery(
    forms.found(services.get_delivery, delivery_id), errors, form, status))
def void_delivery(delivery_id: uuid.UUID):
    found = forms.found(services.get_delivery, delivery_id)
    data = DeliveryVoidSchema().load(forms.schema_fields(request.form, ("reason",)))
    services.void_delivery(found.id, data["reason"], current_principal().name,
                           datetime.now(UTC))
    return redirect(url_for("canteen_pages.delivery", delivery_id=found.id))
