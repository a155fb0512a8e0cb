"""The rules in force and the reconciliation of the school's money records."""

from __future__ import annotations

from core.sdk import RuleSchema, requires

from ..regulations import rules
from ..schemas.ledger import DiscrepancySchema
from ..services import ledger
from . import blp


@blp.route("/rules")
@blp.response(200, RuleSchema(many=True))
@requires("fees.read")
def rules_in_force():
    """The rules the fee module follows here, each with its citation and any district
    override."""
    return list(rules().values())


@blp.route("/reconciliation")
@blp.response(200, DiscrepancySchema(many=True))
@requires("fees.read")
def reconciliation():
    """Every disagreement between bills, ledger, payments, receipts and refunds; an empty
    list means they reconcile."""
    return ledger.reconcile()
