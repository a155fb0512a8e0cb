"""Settling held fees (多退少不补) and the refund list: start a settlement, record real costs,
publish it (bills lowered, refunds decided), then pay refunds out, one at a time or in bulk."""

from __future__ import annotations

import uuid

from flask_smorest import Page
from sqlalchemy import select

from core.sdk import MAX_PAGE_SIZE, PAGE_SIZE, page_of, requires, transactional

from ..models import Refund, Settlement
from ..schemas.refunds import (
    FeeRefundSchema,
    RefundBulkPaySchema,
    RefundPaySchema,
    RefundQuerySchema,
    SettlementCostsSchema,
    SettlementLineSchema,
    SettlementQuerySchema,
    SettlementSchema,
)
from ..services import refunds, settlements
from . import blp


@blp.route("/settlements")
@blp.arguments(SettlementQuerySchema, location="query")
@blp.response(200, SettlementSchema(many=True))
@blp.paginate(page_size=PAGE_SIZE, max_page_size=MAX_PAGE_SIZE)
@requires("fees.read")
def list_settlements(query, pagination_parameters):
    """The settlements of held fees, newest first (of one term with ``term_id``)."""
    statement = select(Settlement).order_by(Settlement.created_at.desc(), Settlement.id)
    if query["term_id"]:
        statement = statement.where(Settlement.term_id == query["term_id"])
    return [settlements.summary(s) for s in page_of(statement, pagination_parameters)]


@blp.route("/settlements", methods=["POST"])
@blp.arguments(SettlementSchema)
@blp.response(201, SettlementSchema)
@requires("fees.refunds.manage")
@transactional
def create_settlement(data):
    """Start settling a published held-fee item for a term (one settlement per item and
    term)."""
    return settlements.summary(settlements.create(data["term_id"], data["fee_item_id"],
                                                  data["remarks"]))


@blp.route("/settlements/<uuid:settlement_id>")
@blp.response(200, SettlementSchema)
@requires("fees.read")
@transactional
def get_settlement(settlement_id: uuid.UUID):
    return settlements.summary(settlements.get_settlement(settlement_id))


@blp.route("/settlements/<uuid:settlement_id>", methods=["DELETE"])
@blp.response(204)
@requires("fees.refunds.manage")
@transactional
def delete_settlement(settlement_id: uuid.UUID):
    """Drop a draft settlement started by mistake; a published one stays."""
    settlements.delete_draft(settlement_id)


@blp.route("/settlements/<uuid:settlement_id>/lines")
@blp.response(200, SettlementLineSchema(many=True))
@blp.paginate(Page, page_size=PAGE_SIZE, max_page_size=MAX_PAGE_SIZE)
@requires("fees.read")
@transactional
def settlement_lines(settlement_id: uuid.UUID):
    """Every student charged the item, by class: real cost (none while not recorded), what
    they paid for it, the refund and how much their bill is lowered."""
    return settlements.named_rows(settlements.rows(settlements.get_settlement(settlement_id)))


@blp.route("/settlements/<uuid:settlement_id>/lines", methods=["POST"])
@blp.arguments(SettlementCostsSchema)
@blp.response(200, SettlementSchema)
@requires("fees.refunds.manage")
@transactional
def record_settlement_costs(data, settlement_id: uuid.UUID):
    """Record real costs, many students at once (``lines``: ``student_id``,
    ``real_cost_fen``); recording a student again replaces their cost. A broken row is named
    ``lines.<row>.<field>``; nothing is written then."""
    settlements.record_costs(settlement_id, data["lines"])
    return settlements.summary(settlements.get_settlement(settlement_id))


@blp.route("/settlements/<uuid:settlement_id>/publish", methods=["POST"])
@blp.response(200, SettlementSchema)
@requires("fees.refunds.manage")
@transactional
def publish_settlement(settlement_id: uuid.UUID):
    """Settle every student at once: each bill lowered by what the item charged over its real
    cost, a refund decided of what was paid over it, the shortfall never charged. All or
    nothing; publishing again changes nothing."""
    return settlements.summary(settlements.publish(settlement_id))


@blp.route("/refunds")
@blp.arguments(RefundQuerySchema, location="query")
@blp.response(200, FeeRefundSchema(many=True))
@blp.paginate(page_size=PAGE_SIZE, max_page_size=MAX_PAGE_SIZE)
@requires("fees.read")
def list_refunds(query, pagination_parameters):
    """The refund list: every refund decided (of a term, status, source, settlement or class),
    by class and student."""
    found: list[Refund] = page_of(refunds.listing(**query), pagination_parameters)
    return refunds.named_refunds(found)


@blp.route("/refunds/<uuid:refund_id>/pay", methods=["POST"])
@blp.arguments(RefundPaySchema)
@blp.response(200, FeeRefundSchema)
@requires("fees.refunds.manage")
@transactional
def pay_refund(data, refund_id: uuid.UUID):
    """Record a due refund as handed over, by which method and on which day."""
    return refunds.named_refunds([refunds.pay(refund_id, data["method"], data["paid_on"])])[0]


@blp.route("/refunds/pay", methods=["POST"])
@blp.arguments(RefundBulkPaySchema)
@blp.response(200, FeeRefundSchema(many=True))
@requires("fees.refunds.manage")
@transactional
def pay_refunds(data):
    """Record several due refunds as paid by one method on one day: all or none (one
    another school's or already paid is named ``refund_ids.<n>``)."""
    return refunds.named_refunds(refunds.pay_many(data["refund_ids"], data["method"],
                                                  data["paid_on"]))
