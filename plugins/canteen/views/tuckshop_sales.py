"""The tuck shop's till, made for a phone: pick a product (or scan its barcode), say how many,
sell; the day's sales and takings below. A double tap sells once: each form carries a key."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from flask import redirect, render_template, request, url_for
from sqlalchemy import select

from core.sdk import db, forms, requires, school_today

from ..models import TuckProduct
from ..schemas.tuckshop import TuckSaleSchema, TuckSaleVoidSchema
from ..services import tuckshop as shop
from ..services import tuckshop_sales as till
from ..services.tuckshop import switched_on
from . import bp
from .tuckshop import as_uuid, me, page_context


def _render_till(errors: dict[str, str], form: dict, status: int = 200):
    day = school_today()
    products = db.session.scalars(select(TuckProduct).where(TuckProduct.active.is_(True))
                                  .order_by(TuckProduct.name)).all()
    sold, sales = as_uuid(request.args.get("sold")), till.sales(day, day)
    return render_template("canteen/tuckshop_sell.html", **page_context(), products=products,
                           stock=shop.stock([p.id for p in products], day), sales=sales,
                           takings=till.takings(day),
                           last=next((pair for pair in sales if pair[0].id == sold), None),
                           request_key=uuid.uuid4().hex, errors=errors, form=form), status


@bp.route("/tuck-shop/sell")
@switched_on
@requires("canteen.tuckshop.sell")
def tuck_shop_sell():
    return _render_till({}, {})


@bp.route("/tuck-shop/sell", methods=["POST"])
@switched_on
@requires("canteen.tuckshop.sell")
@forms.submitted(_render_till)
def sell_at_tuck_shop():
    form = request.form
    barcode = form.get("barcode", "").strip()
    fields = {"quantity": form.get("quantity", ""),
              **({"barcode": barcode} if barcode else {"product_id": form.get("product_id")})}
    sale = till.sell(TuckSaleSchema().load(fields), me(), school_today(), datetime.now(UTC),
                     (form.get("request_key") or "")[:64] or None)
    return redirect(url_for("canteen_pages.tuck_shop_sell", sold=sale.id))


@bp.route("/tuck-shop/sales/<uuid:sale_id>/void", methods=["POST"])
@switched_on
@requires("canteen.tuckshop.manage")
@forms.submitted(lambda errors, form, status, sale_id: _render_till(
    {f"void-{sale_id}": errors["void"]}, {}, status), field="void")
def void_tuck_sale(sale_id: uuid.UUID):
    forms.found(till.get_sale, sale_id)
    data = TuckSaleVoidSchema().load(forms.schema_fields(request.form, ("reason",)))
    till.void_sale(sale_id, data["reason"], me(), school_today(), datetime.now(UTC))
    return redirect(url_for("canteen_pages.tuck_shop_sell"))
