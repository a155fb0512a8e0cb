"""REST endpoints under /api/v1/canteen: one blueprint, its routes in one module an area."""

from __future__ import annotations

from flask_smorest import Blueprint

blp = Blueprint("canteen_api", __name__, url_prefix="/api/v1/canteen",
                description="Canteen and food safety")

from . import (  # noqa: E402,F401
    counts,
    dish_photos,
    exports,
    fees,
    health,
    hygiene,
    menus,
    receiving,
    report,
    rules,
    samples,
    stock,
    suppliers,
    tuckshop,
)
# each registers its routes on blp
# each module registers its routes on the blueprint
# each registers its routes on blp
