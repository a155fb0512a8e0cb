"""Deliveries as inspected on arrival. There is no DELETE: a record is kept for its retention
period and taken out of use only by voiding it with a reason."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import select

from core.sdk import MAX_PAGE_SIZE, PAGE_SIZE, current_principal, page_of, requires, transactional

from ..models.receiving import Delivery
from ..schemas import PeriodSchema
from ..schemas.receiving import DeliverySchema, DeliveryVoidSchema
from ..services import receiving as services
from . import blp


def _named(deliveries: list[Delivery]) -> list[Delivery]:
    names = services.supplier_names(deliveries)
    for delivery in deliveries:
        delivery.supplier_name = names.get(delivery.supplier_id, "")
    return deliveries


@blp.route("/deliveries")
@blp.arguments(PeriodSchema, location="query")
@blp.response(200, DeliverySchema(many=True))
@blp.paginate(page_size=PAGE_SIZE, max_page_size=MAX_PAGE_SIZE)
@requires("canteen.read")
def list_deliveries(period, pagination_parameters):
    """The deliveries from ``start`` to ``end``, voided ones included (marked)."""
    query = (select(Delivery).where(Delivery.day >= period["start"], Delivery.day <= period["end"])
             .order_by(Delivery.day, Delivery.created_at, Delivery.id))
    return _named(list(page_of(query, pagination_parameters)))


@blp.route("/deliveries", methods=["POST"])
@blp.arguments(DeliverySchema)
@blp.response(201, DeliverySchema)
@requires("canteen.receiving.write")
@transactional
def create_delivery(data):
    """Record a delivery as inspected by two people. A rule broken by one item names it as
    ``items.<row>.<field>`` (rows counted from 0)."""
    return _named([services.create_delivery(data)])[0]


@blp.route("/deliveries/<uuid:delivery_id>")
@blp.response(200, DeliverySchema)
@requires("canteen.read")
@transactional
def get_delivery(delivery_id: uuid.UUID):
    return _named([services.get_delivery(delivery_id)])[0]


@blp.route("/deliveries/<uuid:delivery_id>/void", methods=["POST"])
@blp.arguments(DeliveryVoidSchema)
@blp.response(200, DeliverySchema)
@requires("canteen.receiving.void")
@transactional
def void_delivery(data, delivery_id: uuid.UUID):
    """Take a delivery's record out of use, saying why; it stays, marked void."""
    voided = services.void_delivery(delivery_id, data["reason"], current_principal().name,
                                    datetime.now(UTC))
    return _named([voided])[0]
