"""REST endpoints under /api/v1/energy: meters, readings (with the .xlsx import) and use."""

from __future__ import annotations

from flask_smorest import Blueprint

from .. import models  # noqa: F401  (every table known before the first request)

blp = Blueprint("energy_api", __name__, url_prefix="/api/v1/energy",
                description="Energy: meters, readings and use")

from . import meters, readings, use  # noqa: E402,F401
