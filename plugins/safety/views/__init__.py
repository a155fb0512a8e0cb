"""Web pages under /m/safety: one blueprint, its routes in one module an area. Pages use the
same schemas and services as the API."""

from __future__ import annotations

from flask import Blueprint, request

bp = Blueprint("safety_pages", __name__, url_prefix="/m/safety", template_folder="../templates")


def uploaded_photo(name: str = "photo") -> tuple[str, bytes] | None:
    """The photo a form sent in the file input ``name``, as the services take it; None when
    the input was left empty."""
    upload = request.files.get(name)
    return (upload.filename or "photo", upload.read()) if upload and upload.filename else None

from . import (  # noqa: E402,F401
    drills,
    duty,
    equipment,
    hazards,
    home,
    incidents,
    pickup,
    rounds,
    visitors,
    weekly,
)
