"""Password-reset links: signed, time-limited, and void once the password has changed."""

from __future__ import annotations

from datetime import timedelta

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import select

from core.db import utcnow
from core.extensions import db
from core.identity.models import User
from core.mail import OutboxMail

SALT = "houqin-password-reset"
RESEND_AFTER = timedelta(minutes=2)


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt=SALT)


def _fingerprint(user: User) -> str:
    # Part of the current hash: any password change makes every earlier link useless.
    return (user.password_hash or "none")[-16:]


def make_token(user: User) -> str:
    return _serializer().dumps([user.id, _fingerprint(user)])


def user_for_token(token: str) -> User | None:
    """The account a link stands for, or None if it is forged, expired or already used."""
    try:
        user_id, fingerprint = _serializer().loads(
            token, max_age=current_app.config["PASSWORD_RESET_SECONDS"])
    except (BadSignature, SignatureExpired, ValueError, TypeError):
        return None
    user = db.session.get(User, user_id)
    if user is None or not user.is_active or _fingerprint(user) != fingerprint:
        return None
    return user


def sent_recently(email: str) -> bool:
    since = utcnow() - RESEND_AFTER
    return db.session.scalar(select(OutboxMail.id).where(
        OutboxMail.to == email, OutboxMail.created_at >= since)) is not None
