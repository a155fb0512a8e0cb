"""CSRF tokens for cookie-authenticated changes, and throttled sign-in."""

from __future__ import annotations

import hmac
import secrets
from datetime import datetime, timedelta

from flask import Flask, request, session
from sqlalchemy import BigInteger, String, delete, func, select
from sqlalchemy.orm import Mapped, mapped_column

from core.api.errors import Problem
from core.db import BigId, UtcDateTime, utcnow
from core.extensions import db

MAX_FAILURES = 5
FAILURE_WINDOW = timedelta(minutes=15)
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


class LoginFailure(db.Model):
    """A failed sign-in; enough of them in the window locks the account for a while."""

    __tablename__ = "login_failures"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    email: Mapped[str] = mapped_column(String(254), index=True)
    address: Mapped[str | None] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    user_id: Mapped[int | None] = mapped_column(BigInteger)


class TooManyAttempts(Problem):
    status, slug = 429, "too-many-requests"


def check_not_locked(email: str) -> None:
    since = utcnow() - FAILURE_WINDOW
    failures = db.session.scalar(select(func.count()).select_from(LoginFailure).where(
        LoginFailure.email == email, LoginFailure.at >= since))
    if failures >= MAX_FAILURES:
        raise TooManyAttempts(f"too many failed sign-ins; try again in "
                              f"{int(FAILURE_WINDOW.total_seconds() // 60)} minutes")


def record_failure(email: str, address: str | None) -> None:
    db.session.add(LoginFailure(email=email, address=address))
    db.session.commit()


def clear_failures(email: str) -> None:
    db.session.execute(delete(LoginFailure).where(LoginFailure.email == email))


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
    if "user_id" not in session and request.endpoint != "web.login":
        return
    sent = request.form.get("csrf_token") or request.headers.get("X-CSRF-Token") or ""
    if not hmac.compare_digest(sent, session.get("csrf", "") or "-"):
        raise CsrfRefused("the form expired or came from elsewhere; reload the page and retry")


def install(app: Flask) -> None:
    app.before_request(_check_csrf)
    app.jinja_env.globals["csrf_token"] = csrf_token
