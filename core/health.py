"""Liveness and readiness probes, and the landing page, for operators and load balancers."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, send_from_directory
from sqlalchemy import text

from core.extensions import db
from core.permissions import public

bp = Blueprint("health", __name__)


@bp.route("/healthz")
@public
def healthz():
    """The process is up and answering."""
    return jsonify(status="ok")


@bp.route("/readyz")
@public
def readyz():
    """The database and, when configured, Redis are reachable."""
    checks = {}
    try:
        db.session.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except Exception as exc:  # a probe reports; it does not raise
        checks["database"] = f"error: {type(exc).__name__}"
    finally:
        db.session.rollback()
    if current_app.config.get("REDIS_URL"):
        try:
            current_app.extensions["houqin_jobs"].ping()
            checks["redis"] = "ok"
        except Exception as exc:
            checks["redis"] = f"error: {type(exc).__name__}"
    ready = all(v == "ok" for v in checks.values())
    return jsonify(status="ok" if ready else "unavailable", checks=checks), 200 if ready else 503


@bp.route("/api/v1/docs/assets/<path:filename>")
@public
def api_docs_assets(filename: str):
    """Swagger UI's files, served from the installed package (no CDN)."""
    from swagger_ui_bundle import swagger_ui_path

    return send_from_directory(swagger_ui_path, filename, max_age=86400)
