"""Web pages under /m/fees: one blueprint, its routes in one module an area. Pages use the
same schemas and services as the API."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("fees_pages", __name__, url_prefix="/m/fees", template_folder="../templates")

# each module registers its routes on bp
from . import (  # noqa: E402,F401
    absences,
    billing,
    catalogue,
    documents,
    family,
    ledger,
    payments,
    refunds,
    reports,
)
