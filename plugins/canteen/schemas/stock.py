"""Food stock: lots, issues, discards, counts and food cost.

Quantities and prices travel as decimal strings ("12.5"), never floats; costs as integer fen.
"""

from __future__ import annotations

from decimal import Decimal

from marshmallow import ValidationError, fields, validate, validates_schema

from core.sdk import MULTILINE, Schema, _

from ..models import MEAL_SLOTS
from ..models.stock import MOVEMENT_KINDS
from . import PeriodSchema

MAX_QUANTITY = Decimal(1_000_000)  # of any unit: more than a school kitchen ever holds
MAX_PRICE_FEN = Decimal(10_000_000)  # 100,000 yuan a unit
QUANTITY_PLACES, PRICE_PLACES = 3, 2


def places(count: int):
    """Refuse more decimal places than are kept, rather than round a quantity silently."""
    def check(value: Decimal) -> None:
        if value.as_tuple().exponent < -count:
            raise ValidationError(_("at most %(n)s decimal places", n=count))
    return check


def quantity_field(minimum: Decimal = Decimal("0.001"), **kwargs) -> fields.Decimal:
    return fields.Decimal(as_string=True, validate=[
        validate.Range(min=minimum, max=MAX_QUANTITY), places(QUANTITY_PLACES)], **kwargs)


def person_field() -> fields.String:
    return fields.String(load_default=None, validate=validate.Length(min=1, max=50),
                         metadata={"description": "who did it; the signed-in person if left out"})


class StockInSchema(Schema):
    """A lot entered by hand (an opening balance); accepted deliveries come in by themselves."""

    food = fields.String(required=True, validate=validate.Length(min=1, max=60))
    unit = fields.String(required=True, validate=validate.Length(min=1, max=10),
                         metadata={"description": "kg, 斤, 袋, L, …: lots of one food and unit "
                                                  "are issued together"})
    quantity = quantity_field(required=True)
    unit_price_fen = fields.Decimal(required=True, as_string=True, validate=[
        validate.Range(min=0, max=MAX_PRICE_FEN), places(PRICE_PLACES)])
    batch = fields.String(load_default="", validate=validate.Length(max=40))
    production_date = fields.Date(load_default=None, allow_none=True)
    expiry_date = fields.Date(required=True, metadata={"description": "the last day of use"})
    received_on = fields.Date(load_default=None, allow_none=True,
                              metadata={"description": "today at the school if left out"})
    received_by = person_field()


class AsOfQuerySchema(Schema):
    as_of = fields.Date(load_default=None, metadata={"description": "now if left out"})


class LotSchema(Schema):
    id = fields.UUID()
    food = fields.String()
    unit = fields.String()
    batch = fields.String()
    production_date = fields.Date(allow_none=True)
    expiry_date = fields.Date()
    unit_price_fen = fields.Decimal(as_string=True)
    received_on = fields.Date()
    delivery_item_id = fields.UUID(allow_none=True)
    on_hand = fields.Decimal(as_string=True)
    value_fen = fields.Integer()


class WarningsQuerySchema(Schema):
    within_days = fields.Integer(load_default=None, validate=validate.Range(min=0, max=365),
                                 metadata={"description": "the school's setting if left out"})


class StockWarningsSchema(Schema):
    today = fields.Date()
    within_days = fields.Integer()
    expiring = fields.List(fields.Nested(LotSchema))
    expired = fields.List(fields.Nested(LotSchema))


class IssueSchema(Schema):
    day = fields.Date(required=True)
    slot = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(MEAL_SLOTS))
    food = fields.String(required=True, validate=validate.Length(min=1, max=60))
    unit = fields.String(required=True, validate=validate.Length(min=1, max=10))
    quantity = quantity_field(required=True)
    issued_by = person_field()


class IssueLineSchema(Schema):
    lot_id = fields.UUID()
    batch = fields.String()
    expiry_date = fields.Date()
    quantity = fields.Decimal(as_string=True)
    unit_price_fen = fields.Decimal(as_string=True)
    cost_fen = fields.Integer()


class IssuedSchema(Schema):
    issue_id = fields.UUID()
    day = fields.Date()
    slot = fields.String(allow_none=True)
    food = fields.String()
    unit = fields.String()
    quantity = fields.Decimal(as_string=True)
    cost_fen = fields.Integer()
    lines = fields.List(fields.Nested(IssueLineSchema))
    skipped = fields.List(fields.Nested(LotSchema),
                          metadata={"description": "expired lots passed over, to discard"})
    warnings = fields.List(fields.String())


class ReasonSchema(Schema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=200))
    by = person_field()


class DiscardSchema(ReasonSchema):
    quantity = quantity_field(load_default=None, allow_none=True,
                              metadata={"description": "all that is on hand if left out"})


class StockPeriodSchema(PeriodSchema):
    @validates_schema
    def _in_order(self, data, **_kwargs):
        if data["end"] < data["start"]:
            raise ValidationError(_("the end lies before the start"), "end")


class MovementQuerySchema(StockPeriodSchema):
    kind = fields.String(load_default=None, validate=validate.OneOf(MOVEMENT_KINDS))


class MovementSchema(Schema):
    id = fields.UUID()
    lot_id = fields.UUID()
    food = fields.String()
    unit = fields.String()
    batch = fields.String()
    kind = fields.String()
    quantity = fields.Decimal(as_string=True)
    cost_fen = fields.Integer()
    day = fields.Date()
    slot = fields.String(allow_none=True)
    issue_id = fields.UUID(allow_none=True)
    count_id = fields.UUID(allow_none=True)
    reason = fields.String()
    recorded_by = fields.String()
    recorded_at = fields.DateTime()


class CountLineSchema(Schema):
    lot_id = fields.UUID(required=True)
    counted = quantity_field(minimum=Decimal(0), required=True)
    book = fields.Decimal(load_default=None, allow_none=True, as_string=True, metadata={
        "description": "the book quantity the counter was shown; if the lot has moved since, "
                       "the count of that lot is refused (409) rather than mis-adjusted"})


class CountSchema(Schema):
    day = fields.Date(load_default=None, allow_none=True,
                      metadata={"description": "today at the school if left out"})
    counted_by = person_field()
    note = fields.String(load_default="", validate=validate.Length(max=500), metadata=MULTILINE)
    lines = fields.List(fields.Nested(CountLineSchema), required=True,
                        validate=validate.Length(min=1, max=2000))


class CountedLineSchema(Schema):
    lot_id = fields.UUID()
    food = fields.String()
    unit = fields.String()
    batch = fields.String()
    expiry_date = fields.Date()
    book = fields.Decimal(as_string=True)
    counted = fields.Decimal(as_string=True)
    difference = fields.Decimal(as_string=True)
    difference_fen = fields.Integer()


class CountResultSchema(Schema):
    id = fields.UUID()
    day = fields.Date()
    counted_by = fields.String()
    note = fields.String()
    recorded_at = fields.DateTime()
    lines = fields.List(fields.Nested(CountedLineSchema))
    difference_fen = fields.Integer()


class CountSummarySchema(Schema):
    id = fields.UUID()
    day = fields.Date()
    counted_by = fields.String()
    recorded_at = fields.DateTime()


class CostDaySchema(Schema):
    day = fields.Date()
    cost_fen = fields.Integer()
    by_slot = fields.Dict(keys=fields.String(), values=fields.Integer(),
                          metadata={"description": "by meal; the key '' holds issues for no "
                                                   "meal in particular"})
    eaters = fields.Integer(allow_none=True)
    per_eater_fen = fields.Integer(allow_none=True)


class FoodCostSchema(Schema):
    start = fields.Date()
    end = fields.Date()
    days = fields.List(fields.Nested(CostDaySchema))
    by_slot = fields.Dict(keys=fields.String(), values=fields.Integer())
    cost_fen = fields.Integer()
    eaters = fields.Integer(allow_none=True)
    per_eater_fen = fields.Integer(allow_none=True)
    cost_without_eaters_fen = fields.Integer(
        metadata={"description": "cost on days with no eaters counted (left out of nothing, "
                                 "but a sign the per-eater figure runs high)"})


class LotDetailSchema(LotSchema):
    movements = fields.List(fields.Nested(MovementSchema))


class FoodOnHandSchema(Schema):
    food = fields.String()
    unit = fields.String()
    usable = fields.Decimal(as_string=True)
    expired = fields.Decimal(as_string=True)


class IssueSummarySchema(Schema):
    issue_id = fields.UUID()
    slot = fields.String(allow_none=True)
    food = fields.String()
    unit = fields.String()
    quantity = fields.Decimal(as_string=True)
    cost_fen = fields.Integer()
    by = fields.String()
    at = fields.DateTime()
    cancelled = fields.Boolean()
