"""Configuration from the environment, with embedded defaults that need nothing installed."""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path
from typing import Any


def _instance_path() -> Path:
    return Path(os.environ.get("HOUQIN_INSTANCE_PATH", Path.cwd() / "instance")).resolve()


def _secret_key(instance: Path) -> str:
    """A key from the environment, or one generated once and kept in the instance folder."""
    if key := os.environ.get("SECRET_KEY"):
        return key
    key_file = instance / "secret_key"
    instance.mkdir(parents=True, exist_ok=True)
    try:
        # O_EXCL: when several workers start at once, exactly one writes the key.
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return key_file.read_text().strip()
    with os.fdopen(fd, "w") as handle:
        handle.write(secrets.token_urlsafe(48))
    return key_file.read_text().strip()


def _split(value: str | None) -> list[str] | None:
    if value is None or not value.strip():
        return None
    return [part.strip() for part in value.split(",") if part.strip()]


def _int(name: str, default: int) -> int:
    return int(os.environ.get(name) or default)


def load_config(overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """Build the app configuration; ``overrides`` win over the environment."""
    overrides = dict(overrides or {})
    instance = Path(overrides.pop("INSTANCE_PATH", None) or _instance_path())
    database_url = os.environ.get("DATABASE_URL") or f"sqlite:///{instance / 'houqin.db'}"
    config: dict[str, Any] = {
        "INSTANCE_PATH": str(instance),
        "SQLALCHEMY_DATABASE_URI": database_url,
        # Migrations and RLS policies are owned by this role; the app role owns nothing.
        "MIGRATION_DATABASE_URL": os.environ.get("MIGRATION_DATABASE_URL") or database_url,
        "REDIS_URL": os.environ.get("REDIS_URL") or None,
        "HOUQIN_PLUGINS": _split(os.environ.get("HOUQIN_PLUGINS")),
        "SERVER_NAME_FOR_TENANTS": os.environ.get("HOUQIN_SERVER_NAME") or None,
        # The public address links in mail and addresses given to payment providers start with
        # (https://houqin.example.cn); never taken from a request's Host header (core.links).
        "BASE_URL": os.environ.get("HOUQIN_BASE_URL") or None,
        "RQ_QUEUE": os.environ.get("HOUQIN_QUEUE", "houqin"),
        "JOB_RETRY_INTERVALS": [10, 60, 300],
        "JOB_TIMEOUT": 3600,
        # A notice sent to a school's channel (core.notifications.delivery): how long one
        # send may wait for the robot or mail server, and the loopback hosts a robot address
        # may name over plain HTTP (none in production; tests' local receivers, a local relay).
        "CHANNEL_TIMEOUT_SECONDS": _int("HOUQIN_CHANNEL_TIMEOUT_SECONDS", 10),
        "CHANNEL_LOCAL_HOSTS": _split(os.environ.get("HOUQIN_CHANNEL_LOCAL_HOSTS")),
        # A job still queued this long after it was due is handed over again (core.jobs.recovery).
        "JOB_STALL_SECONDS": 600,
        # A running job writes a heartbeat this often; one silent for HEARTBEAT_STALE seconds
        # has lost its worker and is taken again from its last checkpoint (core.jobs.recovery).
        "JOB_HEARTBEAT_SECONDS": _int("HOUQIN_JOB_HEARTBEAT_SECONDS", 15),
        "JOB_HEARTBEAT_STALE_SECONDS": _int("HOUQIN_JOB_HEARTBEAT_STALE_SECONDS", 90),
        # Minutes the scheduler starts late after a stop (beyond: counted as skipped, logged).
        "SCHEDULER_CATCH_UP_MINUTES": _int("HOUQIN_SCHEDULER_CATCH_UP_MINUTES", 180),
        # Finished job records and schedule slots are pruned hourly after this many days.
        "JOB_RUNS_KEEP_DAYS": _int("HOUQIN_JOB_RUNS_KEEP_DAYS", 30),
        "SCHEDULE_TICKS_KEEP_DAYS": _int("HOUQIN_SCHEDULE_TICKS_KEEP_DAYS", 7),
        # Spreadsheet imports (core.transfer.reader): the upload's size, and what reading it
        # may meet. A school's registers fit comfortably; a file beyond any of them is refused.
        "IMPORT_MAX_BYTES": _int("HOUQIN_IMPORT_MAX_BYTES", 5_000_000),
        "IMPORT_MAX_ROWS": _int("HOUQIN_IMPORT_MAX_ROWS", 20_000),
        "IMPORT_MAX_COLUMNS": _int("HOUQIN_IMPORT_MAX_COLUMNS", 300),
        "IMPORT_MAX_CELL_CHARS": _int("HOUQIN_IMPORT_MAX_CELL_CHARS", 32_767),  # Excel's own
        "IMPORT_MAX_ZIP_MEMBERS": _int("HOUQIN_IMPORT_MAX_ZIP_MEMBERS", 1_000),
        "IMPORT_MAX_UNZIPPED_BYTES": _int("HOUQIN_IMPORT_MAX_UNZIPPED_BYTES", 50_000_000),
        "IMPORT_MAX_ZIP_RATIO": _int("HOUQIN_IMPORT_MAX_ZIP_RATIO", 200),
        # Scans and photos (certificates, dishes): images and PDFs up to this size.
        "UPLOAD_MAX_BYTES": 5_000_000,
        # A request body larger than this is refused (413) before any of it is read.
        "MAX_CONTENT_LENGTH": _int("HOUQIN_MAX_CONTENT_LENGTH", 16_000_000),
        # How long a worker may reuse a token's, school's, modules' or roles' lookup (core.cache).
        "AUTH_CACHE_SECONDS": float(os.environ.get("HOUQIN_AUTH_CACHE_SECONDS", "5")),
        # How often, at most, a worker asks whether any school changed (core.schools.registry).
        "REGISTRY_CHECK_SECONDS": float(os.environ.get("HOUQIN_REGISTRY_CHECK_SECONDS", "1")),
        "LOG_FORMAT": os.environ.get("HOUQIN_LOG_FORMAT", "json"),
        # A demo deployment (``make run``): ``houqin demo`` may generate school life, and the
        # sign-in page lists the demo accounts with their passwords. Never on real schools.
        "DEMO": os.environ.get("HOUQIN_DEMO", "0") in ("1", "true"),
        # How many reverse proxies stand in front: their X-Forwarded-* headers are trusted.
        "PROXY_COUNT": int(os.environ.get("HOUQIN_PROXY_COUNT", "0")),
        # How long a write on the embedded SQLite waits for the one before it, then answers 503.
        "SQLITE_BUSY_SECONDS": float(os.environ.get("HOUQIN_SQLITE_BUSY_SECONDS", "15")),
        "BABEL_DEFAULT_LOCALE": "zh_CN",
        "BABEL_DEFAULT_TIMEZONE": "Asia/Shanghai",
        # PostgreSQL connections are checked on checkout without a round trip, and pinged
        # only after this long idle (core.db.checkout).
        "DB_PING_IDLE_SECONDS": float(os.environ.get("HOUQIN_DB_PING_IDLE_SECONDS", "30")),
        "API_TITLE": "Houqin API",
        "API_VERSION": "v1",
        "OPENAPI_VERSION": "3.0.3",
        "OPENAPI_URL_PREFIX": "/api/v1",
        "OPENAPI_JSON_PATH": "openapi.json",
        "OPENAPI_SWAGGER_UI_PATH": "docs",
        # Served by the app itself: schools' networks are often closed to CDNs.
        "OPENAPI_SWAGGER_UI_URL": "/api/v1/docs/assets/",
        "API_SPEC_OPTIONS": {
            "security": [{"bearer": []}],
            "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
            "info": {"description": (
                "Authenticate with `Authorization: Bearer <token>` (houqin tokens create). Name"
                " the school with the X-Tenant header, the /t/<school>/ path prefix or the"
                " school's host name; a token bound to one school needs none of them. Errors"
                " are application/problem+json with per-field messages under `errors`."
            )},
        },
        # Outgoing mail; without SMTP_HOST messages stay in the outbox (houqin mail outbox).
        "SMTP_HOST": os.environ.get("SMTP_HOST") or None,
        "SMTP_PORT": int(os.environ.get("SMTP_PORT", "587")),
        "SMTP_USER": os.environ.get("SMTP_USER") or None,
        "SMTP_PASSWORD": os.environ.get("SMTP_PASSWORD") or None,
        "SMTP_STARTTLS": os.environ.get("SMTP_STARTTLS", "1") not in ("0", "false", "no"),
        "MAIL_FROM": os.environ.get("MAIL_FROM", "houqin@localhost"),
        "PASSWORD_RESET_SECONDS": 3600,
        # A sign-in ends after this long without a request (a kitchen PC left on overnight is
        # signed out by morning; a working day with long pauses is not interrupted) ...
        "SESSION_IDLE_MINUTES": int(os.environ.get("HOUQIN_SESSION_IDLE_MINUTES", "480")),
        # ... and this long after it began, however busy it was.
        "SESSION_MAX_DAYS": int(os.environ.get("HOUQIN_SESSION_MAX_DAYS", "7")),
        # Failed sign-ins in this window slow down further tries: from one client address (many
        # accounts guessed from one place), and for one account from browsers that never
        # signed in to it (a browser that has keeps getting in with the right password).
        "SIGNIN_WINDOW_MINUTES": int(os.environ.get("HOUQIN_SIGNIN_WINDOW_MINUTES", "15")),
        "SIGNIN_ACCOUNT_FAILURES": int(os.environ.get("HOUQIN_SIGNIN_ACCOUNT_FAILURES", "5")),
        "SIGNIN_ADDRESS_FAILURES": int(os.environ.get("HOUQIN_SIGNIN_ADDRESS_FAILURES", "20")),
        "SESSION_COOKIE_SECURE": os.environ.get("HOUQIN_SECURE_COOKIES", "0") in ("1", "true"),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        # Strict-Transport-Security max-age, sent when HTTPS is in use (core.web.headers); 0
        # sends none. Browsers then refuse plain HTTP to this host for that long.
        "HSTS_SECONDS": int(os.environ.get("HOUQIN_HSTS_SECONDS", "31536000")),
        # Keys SECRET_KEY had before, comma-separated: sessions signed and channel secrets
        # sealed with one of them are still read after SECRET_KEY changes (docs/operators.md).
        "SECRET_KEY_FALLBACKS": _split(os.environ.get("SECRET_KEY_FALLBACKS")) or [],
    }
    config.update(overrides)
    # The cookie lives no longer than the session it names.
    config.setdefault("PERMANENT_SESSION_LIFETIME", timedelta(days=config["SESSION_MAX_DAYS"]))
    if "SECRET_KEY" not in config:
        config["SECRET_KEY"] = _secret_key(instance)
    return config
