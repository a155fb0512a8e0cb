"""Web pages under /m/energy: one blueprint, its routes in one module an area. Pages use the
same schemas and services as the API."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("energy_pages", __name__, url_prefix="/m/energy", template_folder="../templates")

from . import home, meters, readings  # noqa: E402,F401
