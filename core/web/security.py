"""CSRF tokens for cookie-authenticated changes, and throttled sign-in.

Sign-in failures are kept in the database, the one store every worker process and host
shares whether or not Redis is configured, so a limit holds across a gunicorn pool. Two
limits apply to browsers that never signed in to the account being tried: failures from
one client address (many accounts guessed from one place), and failures on the account
(one account guessed from many places). A browser that signed in to the account before
carries a signed device cookie; its attempts count against that browser alone, so a stranger
hammering the finance clerk's address cannot keep the clerk out (OWASP's device cookies).
"""

from __future__ import annotations

import hmac
import ipaddress
import math
import secrets
from datetime import datetime, timedelta

from flask import Flask, Response, current_app, request, session
from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import BigInteger, Index, String, delete, select
from sqlalchemy.orm import Mapped, mapped_column

from core.api.errors import Problem, problem_response
from core.db import BigId, UtcDateTime, utcnow
from core.extensions import db
from core.identity.sessions import SESSION_KEY

UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
DEVICE_COOKIE = "houqin_device"
DEVICE_SALT = "houqin-device"
DEVICE_DAYS = 365
DEVICES_KEPT = 8  # a shared office PC remembers the last few people who signed in on it


class LoginFailure(db.Model):
    """A failed sign-in: by address, by account, and by device cookie when one was shown."""

    __tablename__ = "login_failures"
    __table_args__ = (
        Index("ix_login_failures_address_at", "address", "at"),
        Index("ix_login_failures_device_at", "device", "at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    email: Mapped[str] = mapped_column(String(254), index=True)
    address: Mapped[str | None] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    user_id: Mapped[int | None] = mapped_column(BigInteger)
    # The device cookie's nonce when the attempt came from a browser that signed in to this
    # account before: such failures count against that browser only, never the account.
    device: Mapped[str | None] = mapped_column(String(32))


class TooManyAttempts(Problem):
    status, slug = 429, "too-many-requests"

    def __init__(self, retry_after: int) -> None:
        self.retry_after = retry_after
        super().__init__(_("Too many failed sign-ins. Try again in %(minutes)s minutes.",
                           minutes=max(1, math.ceil(retry_after / 60))))


def address_key(address: str | None) -> str | None:
    """The client address a limit counts by; an IPv6 client by its /64, which one household
    or one attacker gets whole."""
    if not address:
        return None
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address[:64]
    if isinstance(parsed, ipaddress.IPv6Address):
        if parsed.ipv4_mapped is not None:
            return str(parsed.ipv4_mapped)
        return str(ipaddress.ip_network(f"{parsed}/64", strict=False))
    return str(parsed)


def _window() -> timedelta:
    return timedelta(minutes=current_app.config["SIGNIN_WINDOW_MINUTES"])


def _wait(criteria, limit: int, now: datetime) -> int | None:
    """Seconds until fewer than ``limit`` failures match ``criteria`` in the window, or None
    when fewer do already: the limit-th newest failure is the one that must age out."""
    window = _window()
    at = db.session.scalar(
        select(LoginFailure.at).where(*criteria, LoginFailure.at > now - window)
        .order_by(LoginFailure.at.desc()).offset(max(limit, 1) - 1).limit(1))
    if at is None:
        return None
    return max(1, math.ceil((at + window - now).total_seconds()))


def check_not_locked(email: str, address: str | None, device: str | None,
                     now: datetime | None = None) -> None:
    """Refuse the attempt (429) while one of its limits is reached."""
    now = now or utcnow()
    config = current_app.config
    if device:
        checks = [((LoginFailure.device == device,), config["SIGNIN_ACCOUNT_FAILURES"])]
    else:
        checks = [
            ((LoginFailure.address == address_key(address), LoginFailure.device.is_(None)),
             config["SIGNIN_ADDRESS_FAILURES"]),
            ((LoginFailure.email == email, LoginFailure.device.is_(None)),
             config["SIGNIN_ACCOUNT_FAILURES"]),
        ]
    waits = [wait for criteria, limit in checks if (wait := _wait(criteria, limit, now))]
    if waits:
        raise TooManyAttempts(max(waits))


def record_failure(email: str, address: str | None, user_id: int | None = None,
                   device: str | None = None) -> None:
    db.session.add(LoginFailure(email=email, address=address_key(address), user_id=user_id,
                                device=device))
    db.session.commit()


def clear_failures(email: str, device: str | None = None) -> None:
    """Forget the failures a successful sign-in answers: the account's from unknown browsers,
    or only this browser's when it showed a device cookie (the account may still be under
    attack from elsewhere)."""
    where = LoginFailure.device == device if device else LoginFailure.device.is_(None)
    db.session.execute(delete(LoginFailure).where(LoginFailure.email == email, where))


def purge_failures(now: datetime | None = None) -> int:
    """Remove failures older than the window (one statement for the whole deployment)."""
    now = now or utcnow()
    result = db.session.execute(delete(LoginFailure).where(LoginFailure.at <= now - _window()))
    db.session.commit()
    return result.rowcount


# --- device cookies -------------------------------------------------------------------------


def _devices() -> dict[str, str]:
    raw = request.cookies.get(DEVICE_COOKIE)
    if not raw:
        return {}
    try:
        value = URLSafeSerializer(current_app.secret_key, salt=DEVICE_SALT).loads(raw)
    except BadSignature:
        return {}
    return value if isinstance(value, dict) else {}


def trusted_device(user_id: int | None) -> str | None:
    """The nonce of this browser's device cookie for ``user_id``, if it signed in to it before."""
    if user_id is None:
        return None
    nonce = _devices().get(str(user_id))
    return nonce if isinstance(nonce, str) and nonce else None


def remember_device(response: Response, user_id: int) -> None:
    """After a successful sign-in: a fresh nonce for this account on this browser."""
    devices = {key: nonce for key, nonce in _devices().items() if key != str(user_id)}
    devices = dict(list(devices.items())[-(DEVICES_KEPT - 1):])
    devices[str(user_id)] = secrets.token_hex(16)
    value = URLSafeSerializer(current_app.secret_key, salt=DEVICE_SALT).dumps(devices)
    response.set_cookie(
        DEVICE_COOKIE, value, max_age=int(timedelta(days=DEVICE_DAYS).total_seconds()),
        secure=current_app.config["SESSION_COOKIE_SECURE"], httponly=True, samesite="Lax")


def too_many_response(exc: TooManyAttempts) -> Response:
    response = problem_response(exc.status, exc.slug, exc.title, exc.detail)
    response.headers["Retry-After"] = str(exc.retry_after)
    return response


# --- CSRF -----------------------------------------------------------------------------------


def csrf_token() -> str:
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(32)
    return session["csrf"]


class CsrfRefused(Problem):
    status, slug = 400, "csrf"


def _check_csrf() -> None:
    # Bearer-token API calls carry no cookie, so a forged cross-site request has nothing to
    # ride on; anything that relies on the session cookie must prove it came from our pages.
    if request.method not in UNSAFE or request.headers.get("Authorization"):
        return
    if SESSION_KEY not in session and request.endpoint != "web.login":
        return
    sent = request.form.get("csrf_token") or request.headers.get("X-CSRF-Token") or ""
    if not hmac.compare_digest(sent, session.get("csrf", "") or "-"):
        raise CsrfRefused(_("the form expired or came from elsewhere; reload the page and retry"))


def install(app: Flask) -> None:
    app.before_request(_check_csrf)
    app.register_error_handler(TooManyAttempts, too_many_response)
    app.jinja_env.globals["csrf_token"] = csrf_token
