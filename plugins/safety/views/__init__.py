"""Web pages under /m/safety: one blueprint, its routes in one module an area. Pages use the
same schemas and services as the API."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("safety_pages", __name__, url_prefix="/m/safety", template_folder="../templates")

from . import drills, equipment, hazards, home, pickup  # noqa: E402,F401
