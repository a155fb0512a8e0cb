"""The tuck shop's pages: products and stock, one product, and what has expired. Every page
answers 404 while the school has the shop switched off. Prices are typed in yuan (3.50) and
kept in fen."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from flask import redirect, render_template, request, url_for
from marshmallow import ValidationError

from core.sdk import current_principal, db, forms, requires, whole_fen
from core.sdk import lazy_gettext as _l

from ..schemas.tuckshop import TuckBatchSchema, TuckProductSchema, TuckRemovalSchema
from ..services import today, yuan
from ..services import tuckshop as shop
from ..services.tuckshop import switched_on
from . import bp

PRODUCT_FIELDS = ("name", "barcode", "unit", "shelf_life_days")


def fen_of(form: dict, name: str, field: str) -> dict:
    """The yuan typed in ``name`` as ``{field: fen}``; refused naming ``name``."""
    amount = whole_fen(form.get(name, ""))
    if amount is None:
        raise ValidationError({name: [str(_l("an amount in yuan, such as 3.50"))]})
    return {field: amount}


def money_errors(errors: dict[str, str]) -> dict[str, str]:
    """The refusal's messages by form input: the schema's ``price_fen`` is the ``price`` the
    person typed."""
    for field, name in (("price_fen", "price"), ("cost_fen", "cost")):
        if field in errors:
            errors[name] = errors.pop(field)
    return errors


def page_context() -> dict:
    day = today()
    return {"today": day, "yuan": yuan, "warn_days": shop.warn_days(),
            "expired_count": len(shop.expired_batches(day))}


def me() -> str:
    return current_principal().name[:50]


def as_uuid(text: str | None) -> uuid.UUID | None:
    """An id chosen in a form; a mangled one finds nothing."""
    try:
        return uuid.UUID(text or "")
    except ValueError:
        return None


# --- products and stock --------------------------------------------------------------------


def _render_stock(errors: dict[str, str], form: dict, status: int = 200):
    products = db.session.scalars(shop.products()).all()
    return render_template("canteen/tuckshop.html", **page_context(), products=products,
                           stock=shop.stock([p.id for p in products], today()),
                           errors=errors, form=form), status


@bp.route("/tuck-shop")
@switched_on
@requires("canteen.read")
def tuck_shop():
    return _render_stock({}, {})


def _product_data(form: dict, editing: bool = False) -> dict:
    fields = {**forms.schema_fields(form, PRODUCT_FIELDS, optional=("barcode", "shelf_life_days")),
              **fen_of(form, "price", "price_fen")}
    if editing:  # the edit form has the "on sale" checkbox; unticked, it is absent
        fields["active"] = "active" in form
    return TuckProductSchema().load(fields)


@bp.route("/tuck-shop/products", methods=["POST"])
@switched_on
@requires("canteen.tuckshop.manage")
@forms.submitted(lambda errors, form, status: _render_stock(money_errors(errors), form, status))
def add_tuck_product():
    shop.create_product(_product_data(request.form.to_dict()))
    return redirect(url_for("canteen_pages.tuck_shop"))


@bp.route("/tuck-shop/batches", methods=["POST"])
@switched_on
@requires("canteen.tuckshop.manage")
@forms.submitted(lambda errors, form, status: _render_stock(money_errors(errors), form, status))
def receive_tuck_batch():
    form = request.form.to_dict()
    product = shop.get_product(as_uuid(form.get("product_id")), status=422)
    data = TuckBatchSchema().load({
        **forms.schema_fields(form, ("quantity", "produced_on", "expires_on"),
                              optional=("produced_on", "expires_on")),
        **fen_of(form, "cost", "cost_fen"),
        "received_by": form.get("received_by", "").strip() or me()})
    shop.receive_batch(product.id, data, today())
    return redirect(url_for("canteen_pages.tuck_shop"))


# --- one product ---------------------------------------------------------------------------


def _render_product(product_id: uuid.UUID, errors: dict[str, str], form: dict | None,
                    status: int = 200):
    product = forms.found(shop.get_product, product_id)
    if form is None:
        form = {name: "" if getattr(product, name) is None else str(getattr(product, name))
                for name in PRODUCT_FIELDS} | {"price": yuan(product.price_fen)}
    return render_template("canteen/tuckshop_product.html", **page_context(), product=product,
                           batches=shop.batches_of(product.id),
                           held=shop.stock([product.id], today()).get(product.id, shop.Stock()),
                           errors=errors, form=form), status


@bp.route("/tuck-shop/products/<uuid:product_id>")
@switched_on
@requires("canteen.read")
def tuck_product(product_id: uuid.UUID):
    return _render_product(product_id, {}, None)


@bp.route("/tuck-shop/products/<uuid:product_id>", methods=["POST"])
@switched_on
@requires("canteen.tuckshop.manage")
@forms.submitted(lambda errors, form, status, product_id: _render_product(
    product_id, money_errors(errors), form, status))
def change_tuck_product(product_id: uuid.UUID):
    forms.found(shop.get_product, product_id)
    shop.update_product(product_id, _product_data(request.form.to_dict(), editing=True))
    return redirect(url_for("canteen_pages.tuck_product", product_id=product_id))


# --- expired goods and removals ------------------------------------------------------------


def _render_expired(errors: dict[str, str], status: int = 200):
    day = today()
    return render_template("canteen/tuckshop_expired.html", **page_context(),
                           expired=shop.expired_batches(day),
                           expiring=shop.expiring_batches(day, shop.warn_days()),
                           removed=shop.removals(day.replace(day=1), day),
                           errors=errors), status


@bp.route("/tuck-shop/expired")
@switched_on
@requires("canteen.read")
def tuck_shop_expired():
    return _render_expired({})


def _refused_removal(errors: dict[str, str], form: dict, status: int, batch_id: uuid.UUID):
    """Back on the page the removal came from: the product's, or the expired list."""
    errors = {f"remove-{batch_id}": errors["remove"]}
    if (back := as_uuid(form.get("product_id"))) is not None:
        return _render_product(back, errors, None, status)
    return _render_expired(errors, status)


@bp.route("/tuck-shop/batches/<uuid:batch_id>/remove", methods=["POST"])
@switched_on
@requires("canteen.tuckshop.manage")
@forms.submitted(_refused_removal, field="remove")
def remove_tuck_batch(batch_id: uuid.UUID):
    """Remove goods from the shelf, from the expired list or from a product's page (the form
    then names the product, to go back to)."""
    forms.found(shop.get_batch, batch_id)
    form = request.form.to_dict()
    back = as_uuid(form.get("product_id"))
    data = TuckRemovalSchema().load(forms.schema_fields(form, ("quantity", "reason"),
                                                        optional=("quantity",)))
    shop.remove_from_shelf(batch_id, data, me(), today(), datetime.now(UTC))
    if back is not None:
        return redirect(url_for("canteen_pages.tuck_product", product_id=back))
    return redirect(url_for("canteen_pages.tuck_shop_expired"))
