"""The ledger's reconciliation, as the API and the page show it."""

from __future__ import annotations

from marshmallow import fields

from core.sdk import Schema


class DiscrepancySchema(Schema):
    check = fields.String(metadata={"description": "which agreement failed: bill_total, "
                                    "line_charged, draft_charged, receipt, payment_ledger, "
                                    "refund_ledger, receipt_numbers"})
    subject = fields.String(metadata={"description": "the bill line, payment, refund or year"})
    detail = fields.String()
