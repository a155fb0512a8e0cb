"""Deliveries as inspected on arrival."""

from __future__ import annotations

from decimal import Decimal

from marshmallow import ValidationError, fields, validate

from core.sdk import MULTILINE, Schema, _

from ..models.receiving import RESULTS, STORAGE

MAX_QUANTITY = 100_000  # of any unit: a school kitchen takes no more in one delivery
MAX_UNIT_PRICE_FEN = 10_000_000  # ¥100,000 a unit
COLDEST, WARMEST = -40, 80  # °C: deep-frozen goods to food delivered hot


def at_most_places(places: int):
    """Refuse more decimals than are kept, rather than round a legal record silently."""
    def check(value: Decimal) -> None:
        # Read the digits rather than quantize: quantizing a number far out of range raises
        # InvalidOperation, and the range check beside this one refuses such a number anyway.
        digits, exponent = value.as_tuple()[1:]
        if not isinstance(exponent, int):
            return  # NaN and infinities are refused by the field itself
        trailing_zeros = len(digits) - len("".join(map(str, digits)).rstrip("0"))
        if any(digits) and exponent + trailing_zeros < -places:
            raise ValidationError(_("at most %(n)s decimal places", n=places))
    return check


def not_blank(value: str) -> None:
    if not value.strip():
        raise ValidationError(_("write it out"))


class DeliveryItemSchema(Schema):
    id = fields.UUID(dump_only=True)
    food = fields.String(required=True, validate=[validate.Length(min=1, max=60), not_blank])
    quantity = fields.Decimal(required=True, as_string=True, validate=[
        validate.Range(min=0, min_inclusive=False, max=MAX_QUANTITY), at_most_places(3)])
    unit = fields.String(required=True, validate=[validate.Length(min=1, max=10), not_blank],
                         metadata={"description": "kg, 斤, 箱, 袋, …"})
    unit_price_fen = fields.Integer(required=True, strict=True,
                                    validate=validate.Range(min=0, max=MAX_UNIT_PRICE_FEN))
    amount_fen = fields.Integer(dump_only=True, metadata={
        "description": "quantity × unit price, rounded half up to the fen"})
    batch = fields.String(load_default="", validate=validate.Length(max=40))
    production_date = fields.Date(load_default=None, allow_none=True)
    shelf_life_days = fields.Integer(load_default=None, allow_none=True, strict=True,
                                     validate=validate.Range(min=1, max=3650))
    expiry_date = fields.Date(load_default=None, allow_none=True, metadata={
        "description": "the last day of the shelf life; computed from the production date and "
                       "the shelf life when not given"})
    storage = fields.String(load_default="ambient", validate=validate.OneOf(STORAGE))
    temperature_c = fields.Decimal(load_default=None, allow_none=True, as_string=True, validate=[
        validate.Range(min=COLDEST, max=WARMEST), at_most_places(1)],
        metadata={"description": "on arrival, °C; required for chilled and frozen food accepted"})
    result = fields.String(required=True, validate=validate.OneOf(RESULTS))
    reject_reason = fields.String(load_default="", validate=validate.Length(max=200),
                                  metadata={"description": "required when rejected"})


class DeliverySchema(Schema):
    id = fields.UUID(dump_only=True)
    supplier_id = fields.UUID(required=True)
    supplier = fields.String(dump_only=True, attribute="supplier_name")
    day = fields.Date(required=True)
    inspector = fields.String(required=True, validate=[validate.Length(min=1, max=50),
                                                       not_blank])
    second_inspector = fields.String(required=True, validate=[validate.Length(min=1, max=50),
                                                              not_blank],
                                     metadata={"description": "another person (双人验收)"})
    note = fields.String(load_default="", validate=validate.Length(max=500), metadata=MULTILINE)
    items = fields.List(fields.Nested(DeliveryItemSchema), required=True,
                        validate=validate.Length(min=1, max=60))
    total_fen = fields.Integer(dump_only=True, metadata={"description": "of the accepted items"})
    keep_until = fields.Date(dump_only=True, metadata={
        "description": "kept at least until this day (the cited retention rule)"})
    created_at = fields.DateTime(dump_only=True)
    voided_at = fields.DateTime(dump_only=True, allow_none=True)
    voided_by = fields.String(dump_only=True, allow_none=True)
    void_reason = fields.String(dump_only=True, allow_none=True)


class DeliveryVoidSchema(Schema):
    reason = fields.String(required=True, validate=[validate.Length(min=1, max=500), not_blank])
