"""The tuck shop: products, batches, sales, removals. Money is integer fen (分): 350 is ¥3.50.
3.5 fen or 2.5 bottles is refused, not cut to 3 or 2, as for every integer field of a
``core.sdk.Schema`` (a form's "3" is still 3)."""

from __future__ import annotations

from marshmallow import ValidationError, fields, validate, validates_schema

from core.sdk import Schema, _l

# Bounds that catch a slip of the finger (a price in yuan typed as fen, a stray zero).
MAX_PRICE_FEN = 100_000  # ¥1,000
MAX_BATCH = 100_000
MAX_SALE = 1_000
NAME = validate.Length(min=1, max=50)


class TuckProductSchema(Schema):
    id = fields.UUID(dump_only=True)
    name = fields.String(required=True, validate=validate.Length(min=1, max=60))
    barcode = fields.String(load_default=None, allow_none=True,
                            validate=validate.Regexp(r"^[0-9A-Za-z-]{4,32}$",
                                                     error=_l("4 to 32 digits or letters")))
    unit = fields.String(required=True, validate=validate.Length(min=1, max=10),
                         metadata={"description": "瓶, 包, 支 …"})
    price_fen = fields.Integer(required=True, validate=validate.Range(min=1, max=MAX_PRICE_FEN))
    shelf_life_days = fields.Integer(load_default=None, allow_none=True,
                                     validate=validate.Range(min=1, max=3650))
    active = fields.Boolean(load_default=True)
    on_hand = fields.Integer(dump_only=True, metadata={"description": "unexpired, sellable"})
    expired_on_hand = fields.Integer(dump_only=True)
    next_expiry = fields.Date(dump_only=True, allow_none=True)


class TuckProductChangeSchema(TuckProductSchema):
    """An edit: any field, each optional."""


class TuckProductQuerySchema(Schema):
    barcode = fields.String(load_default=None, validate=validate.Length(max=32))


class TuckBatchSchema(Schema):
    """A batch received. Give ``expires_on``, or ``produced_on`` for a product with a shelf
    life."""

    id = fields.UUID(dump_only=True)
    product_id = fields.UUID(dump_only=True)
    product = fields.String(dump_only=True, attribute="product_name")
    quantity = fields.Integer(required=True, validate=validate.Range(min=1, max=MAX_BATCH))
    cost_fen = fields.Integer(required=True, validate=validate.Range(min=0, max=MAX_PRICE_FEN),
                              metadata={"description": "cost price of one unit"})
    produced_on = fields.Date(load_default=None, allow_none=True)
    expires_on = fields.Date(load_default=None, allow_none=True,
                             metadata={"description": "the last day it may be sold"})
    received_by = fields.String(required=True, validate=NAME)
    on_hand = fields.Integer(dump_only=True)
    received_on = fields.Date(dump_only=True)
    received_at = fields.DateTime(dump_only=True)


class TuckSaleSchema(Schema):
    """A sale of one product, named by ``product_id`` or by ``barcode``; the price is the
    product's price now."""

    id = fields.UUID(dump_only=True)
    product_id = fields.UUID(load_default=None)
    barcode = fields.String(load_default=None, load_only=True, validate=validate.Length(max=32))
    product = fields.String(dump_only=True, attribute="product_name")
    quantity = fields.Integer(required=True, validate=validate.Range(min=1, max=MAX_SALE))
    sold_by = fields.String(load_default=None, validate=NAME,
                            metadata={"description": "defaults to the person signed in"})
    unit_price_fen = fields.Integer(dump_only=True)
    total_fen = fields.Integer(dump_only=True)
    day = fields.Date(dump_only=True)
    sold_at = fields.DateTime(dump_only=True)
    voided_at = fields.DateTime(dump_only=True, allow_none=True)
    voided_by = fields.String(dump_only=True, allow_none=True)
    void_reason = fields.String(dump_only=True, allow_none=True)

    @validates_schema
    def _one_product(self, data, **_):
        if (data.get("product_id") is None) == (not data.get("barcode")):
            raise ValidationError(str(_l("name the product by its id or by its barcode")),
                                  "product_id")


class TuckSaleVoidSchema(Schema):
    reason = fields.String(required=True, validate=validate.Length(min=2, max=200))
    voided_by = fields.String(load_default=None, validate=NAME)


class TuckRemovalSchema(Schema):
    id = fields.UUID(dump_only=True)
    batch_id = fields.UUID(dump_only=True)
    product = fields.String(dump_only=True, attribute="product_name")
    quantity = fields.Integer(load_default=None, validate=validate.Range(min=1, max=MAX_BATCH),
                              metadata={"description": "defaults to all that is left"})
    reason = fields.String(required=True, validate=validate.Length(min=2, max=200))
    removed_by = fields.String(load_default=None, validate=NAME)
    day = fields.Date(dump_only=True)
    removed_at = fields.DateTime(dump_only=True)


class TuckDaySchema(Schema):
    day = fields.Date(load_default=None, metadata={"description": "default: today"})


class TuckExpiringQuerySchema(Schema):
    day = fields.Date(load_default=None, metadata={"description": "default: today"})
    within_days = fields.Integer(load_default=None, validate=validate.Range(min=0, max=365),
                                 metadata={"description": "default: the school's setting"})


class ProductTakingsSchema(Schema):
    product_id = fields.UUID()
    product = fields.String()
    unit = fields.String()
    quantity = fields.Integer()
    takings_fen = fields.Integer()
    cost_fen = fields.Integer()


class TakingsSchema(Schema):
    day = fields.Date()
    sales = fields.Integer()
    voided = fields.Integer()
    items = fields.Integer()
    takings_fen = fields.Integer()
    cost_fen = fields.Integer()
    products = fields.List(fields.Nested(ProductTakingsSchema))
