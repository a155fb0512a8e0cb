"""REST endpoints under /api/v1/fees: one blueprint, its routes in one module an area."""

from __future__ import annotations

from flask_smorest import Blueprint

from .. import models  # noqa: F401  (every table known before the first request)

blp = Blueprint("fees_api", __name__, url_prefix="/api/v1/fees",
                description="Fee collection")

# each module registers its routes on blp
from . import absences, billing, catalogue, family, ledger, online, payments, refunds, reports  # noqa: E402,F401
