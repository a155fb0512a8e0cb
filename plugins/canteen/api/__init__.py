"""REST endpoints under /api/v1/canteen: one blueprint, its routes in one module an area."""

from __future__ import annotations

from flask_smorest import Blueprint

blp = Blueprint("canteen_api", __name__, url_prefix="/api/v1/canteen",
                description="Canteen and food safety")

# each module registers its routes on the blueprint
from . import dish_photos, exports, menus, rules, samples, tuckshop  # noqa: E402,F401
