"""The reconciliation page: whether the school's money records agree."""

from __future__ import annotations

from flask import render_template

from core.sdk import requires

from ..services import ledger
from . import bp


@bp.route("/reconciliation")
@requires("fees.read")
def reconciliation():
    return render_template("fees/reconciliation.html", found=ledger.reconcile())
