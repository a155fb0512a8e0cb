"""Structured logs: one JSON object a line, each naming the school and the request."""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime

from flask import Flask, g, has_request_context

from core.tenancy import current_tenant


class ContextFilter(logging.Filter):
    """Adds the school and request id (or job id) to every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        tenant = current_tenant()
        record.tenant = tenant.slug if tenant else None
        record.request_id = g.get("request_id") if has_request_context() else None
        if not hasattr(record, "job_id"):
            record.job_id = None
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "at": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
            "tenant": getattr(record, "tenant", None),
            "request_id": getattr(record, "request_id", None),
        }
        if getattr(record, "job_id", None):
            entry["job_id"] = record.job_id
        if record.exc_info:
            entry["error"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


TEXT_FORMAT = "%(asctime)s %(levelname)s [%(tenant)s %(request_id)s] %(name)s: %(message)s"


def configure(app: Flask) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(ContextFilter())
    if app.config.get("LOG_FORMAT") == "text":
        handler.setFormatter(logging.Formatter(TEXT_FORMAT))
    else:
        handler.setFormatter(JsonFormatter())
    root = logging.getLogger("houqin")
    root.handlers[:] = [handler]
    root.setLevel(logging.INFO)
    root.propagate = False
    app.logger.handlers[:] = [handler]
    app.logger.propagate = False
