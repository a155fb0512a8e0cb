"""REST endpoints under /api/v1/safety: hidden hazards, from report to closure."""

from __future__ import annotations

from flask_smorest import Blueprint

from .. import models  # noqa: F401  (every table known before the first request)

blp = Blueprint("safety_api", __name__, url_prefix="/api/v1/safety",
                description="Campus safety: hidden hazards, from report to closure")

from . import (  # noqa: E402,F401
    drills,
    duty,
    equipment,
    hazards,
    incidents,
    pickup,
    rounds,
    visitors,
)
