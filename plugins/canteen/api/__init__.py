"""REST endpoints under /api/v1/canteen: one blueprint, its routes in one module an area."""

from __future__ import annotations

from flask_smorest import Blueprint

blp = Blueprint("canteen_api", __name__, url_prefix="/api/v1/canteen",
                description="Canteen and food safety")

# each registers its routes on blp
from . import exports, health, hygiene, menus, rules, samples  # noqa: E402,F401
