"""The tuck shop, under /api/v1/canteen/tuck-shop: every route answers 404 while the school has
the shop switched off. Money is integer fen."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from flask import request

from core.sdk import (
    MAX_PAGE_SIZE,
    PAGE_SIZE,
    RuleBroken,
    _,
    current_principal,
    page_of,
    requires,
    school_today,
    transactional,
)

from ..schemas import PeriodSchema
from ..schemas.tuckshop import (
    TakingsSchema,
    TuckBatchSchema,
    TuckDaySchema,
    TuckExpiringQuerySchema,
    TuckProductChangeSchema,
    TuckProductQuerySchema,
    TuckProductSchema,
    TuckRemovalSchema,
    TuckSaleSchema,
    TuckSaleVoidSchema,
)
from ..services import tuckshop as shop
from ..services import tuckshop_sales as till
from ..services.tuckshop import switched_on
from . import blp


def _me() -> str:
    return current_principal().name[:50]


def _with_stock(products):
    found = shop.stock([p.id for p in products], school_today())
    for product in products:
        held = found.get(product.id, shop.Stock())
        product.on_hand, product.expired_on_hand = held.on_hand, held.expired_on_hand
        product.next_expiry = held.next_expiry
    return products


def _named(pairs):
    """(record, product) rows as records that carry the product's name."""
    for record, *_rest, product in pairs:
        record.product_name = product.name
    return [pair[0] for pair in pairs]


# --- products and batches ------------------------------------------------------------------


@blp.route("/tuck-shop/products")
@switched_on
@blp.arguments(TuckProductQuerySchema, location="query")
@blp.response(200, TuckProductSchema(many=True))
@blp.paginate(page_size=PAGE_SIZE, max_page_size=MAX_PAGE_SIZE)
@requires("canteen.read")
def list_tuck_products(query, pagination_parameters):
    """The products with their stock today: sellable (``on_hand``) and expired."""
    return _with_stock(page_of(shop.products(query["barcode"]), pagination_parameters))


@blp.route("/tuck-shop/products", methods=["POST"])
@switched_on
@blp.arguments(TuckProductSchema)
@blp.response(201, TuckProductSchema)
@requires("canteen.tuckshop.manage")
@transactional
def create_tuck_product(data):
    return _with_stock([shop.create_product(data)])[0]


@blp.route("/tuck-shop/products/<uuid:product_id>")
@switched_on
@blp.response(200, TuckProductSchema)
@requires("canteen.read")
@transactional
def get_tuck_product(product_id: uuid.UUID):
    return _with_stock([shop.get_product(product_id)])[0]


@blp.route("/tuck-shop/products/<uuid:product_id>", methods=["PATCH"])
@switched_on
@blp.arguments(TuckProductChangeSchema(partial=True))
@blp.response(200, TuckProductSchema)
@requires("canteen.tuckshop.manage")
@transactional
def change_tuck_product(changes, product_id: uuid.UUID):
    """Rename, re-price (from now on), or retire (``active: false``) a product."""
    return _with_stock([shop.update_product(product_id, changes)])[0]


@blp.route("/tuck-shop/products/<uuid:product_id>/batches")
@switched_on
@blp.response(200, TuckBatchSchema(many=True))
@requires("canteen.read")
@transactional
def list_tuck_batches(product_id: uuid.UUID):
    """The product's batches still on the shelf, the first to expire first."""
    return shop.batches_of(product_id)


@blp.route("/tuck-shop/products/<uuid:product_id>/batches", methods=["POST"])
@switched_on
@blp.arguments(TuckBatchSchema)
@blp.response(201, TuckBatchSchema)
@requires("canteen.tuckshop.manage")
@transactional
def receive_tuck_batch(data, product_id: uuid.UUID):
    """Receive a batch: quantity, cost price per unit in fen, and its expiry date (or its
    production date, for a product with a shelf life). Expired goods are refused."""
    return shop.receive_batch(product_id, data, school_today())


@blp.route("/tuck-shop/batches/expired")
@switched_on
@blp.arguments(TuckDaySchema, location="query")
@blp.response(200, TuckBatchSchema(many=True))
@requires("canteen.read")
def expired_tuck_batches(query):
    """Batches past their expiry date with goods left: not for sale, to be removed."""
    return _named(shop.expired_batches(query["day"] or school_today()))


@blp.route("/tuck-shop/batches/expiring")
@switched_on
@blp.arguments(TuckExpiringQuerySchema, location="query")
@blp.response(200, TuckBatchSchema(many=True))
@requires("canteen.read")
def expiring_tuck_batches(query):
    """Batches whose last day of sale falls within ``within_days`` of ``day``."""
    within = shop.warn_days() if query["within_days"] is None else query["within_days"]
    return _named(shop.expiring_batches(query["day"] or school_today(), within))


@blp.route("/tuck-shop/batches/<uuid:batch_id>/removals", methods=["POST"])
@switched_on
@blp.arguments(TuckRemovalSchema)
@blp.response(201, TuckRemovalSchema)
@requires("canteen.tuckshop.manage")
@transactional
def remove_tuck_batch(data, batch_id: uuid.UUID):
    """Take a batch's goods off the shelf for good, with the reason (a record kept as is)."""
    return shop.remove_from_shelf(batch_id, data, data["removed_by"] or _me(), school_today(),
                                  datetime.now(UTC))


@blp.route("/tuck-shop/removals")
@switched_on
@blp.arguments(PeriodSchema, location="query")
@blp.response(200, TuckRemovalSchema(many=True))
@blp.paginate(page_size=PAGE_SIZE, max_page_size=MAX_PAGE_SIZE)
@requires("canteen.read")
def list_tuck_removals(period, pagination_parameters):
    found = page_of(shop.removals_between(period["start"], period["end"]),
                    pagination_parameters)
    names = shop.product_names(found)
    for removal in found:
        removal.product_name = names.get(removal.id)
    return found


# --- sales ---------------------------------------------------------------------------------


@blp.route("/tuck-shop/sales", methods=["POST"])
@switched_on
@blp.arguments(TuckSaleSchema)
@blp.response(201, TuckSaleSchema)
@blp.doc(parameters=[{"in": "header", "name": "Idempotency-Key", "schema": {"type": "string"},
                      "description": "a retried request with the same key sells nothing twice"}])
@requires("canteen.tuckshop.sell")
@transactional
def create_tuck_sale(data):
    """Sell a product (by ``product_id`` or ``barcode``) at its price now, from unexpired
    batches only, the first to expire first; never more than is on the shelf."""
    key = request.headers.get("Idempotency-Key") or None
    if key is not None and len(key) > 64:
        raise RuleBroken(_("at most 64 characters"), "Idempotency-Key")
    sale = till.sell(data, data["sold_by"] or _me(), school_today(), datetime.now(UTC), key)
    sale.product_name = shop.get_product(sale.product_id).name
    return sale


@blp.route("/tuck-shop/sales")
@switched_on
@blp.arguments(TuckDaySchema, location="query")
@blp.response(200, TuckSaleSchema(many=True))
@requires("canteen.read")
def list_tuck_sales(query):
    day = query["day"] or school_today()
    return _named(till.sales(day, day))


@blp.route("/tuck-shop/sales/<uuid:sale_id>/void", methods=["POST"])
@switched_on
@blp.arguments(TuckSaleVoidSchema)
@blp.response(200, TuckSaleSchema)
@requires("canteen.tuckshop.manage")
@transactional
def void_tuck_sale(data, sale_id: uuid.UUID):
    """Void a mistaken sale on its day, with the reason; the goods go back on the shelf."""
    sale = till.void_sale(sale_id, data["reason"], data["voided_by"] or _me(), school_today(),
                          datetime.now(UTC))
    sale.product_name = shop.get_product(sale.product_id).name
    return sale


@blp.route("/tuck-shop/takings")
@switched_on
@blp.arguments(TuckDaySchema, location="query")
@blp.response(200, TakingsSchema)
@requires("canteen.read")
def tuck_shop_takings(query):
    """The day's takings in fen, in total and by product, and what the goods sold cost."""
    return till.takings(query["day"] or school_today())
