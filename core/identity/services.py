"""Accounts, roles and tokens: the rules, free of request objects."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import select

from core.cache import app_cache, invalidate
from core.db import utcnow
from core.db.races import first_writer
from core.extensions import db
from core.identity.models import ApiToken, DistrictMembership, Membership, User
from core.identity.passwords import hash_password
from core.permissions import DISTRICT_ROLES, SCHOOL_ROLES
from core.rules import RuleBroken
from core.tenancy import identity_lookup, require_tenant

TOKEN_PREFIX = "hq"


class IdentityError(RuleBroken):
    pass


def normalise_email(email: str) -> str:
    email = (email or "").strip().lower()
    if "@" not in email or len(email) > 254 or email.startswith("@") or email.endswith("@"):
        raise IdentityError(_("“%(email)s” is not an e-mail address", email=email), field="email")
    return email


# A mainland mobile number: 11 digits beginning with 1, as people write it, with spaces,
# dashes or the country code (+86, 0086) in front.
_PHONE_SEPARATORS = re.compile(r"[\s\-()]")
_MOBILE = re.compile(r"1[3-9]\d{9}")


def normalise_phone(phone: str, field: str = "phone") -> str:
    """The 11 digits of a mainland mobile number, however it was written."""
    raw = (phone or "").strip()
    digits = _PHONE_SEPARATORS.sub("", raw)
    for prefix in ("+86", "0086"):
        if digits.startswith(prefix):
            digits = digits[len(prefix):]
            break
    if not _MOBILE.fullmatch(digits):
        raise IdentityError(_("“%(phone)s” is not a mainland mobile number (11 digits"
                              " beginning with 1)", phone=raw[:30]), field=field)
    return digits


def looks_like_email(value: str) -> bool:
    return "@" in (value or "")


def normalise_login(value: str, field: str = "login") -> tuple[str, str]:
    """What a person signs in with, as typed into one box: ``("email", address)`` or
    ``("phone", digits)``. A refusal names ``field``, the box it came from."""
    if looks_like_email(value):
        try:
            return "email", normalise_email(value)
        except IdentityError as exc:
            raise IdentityError(str(exc), field) from None
    if not (value or "").strip():
        raise IdentityError(_("enter an e-mail address or a mobile number"), field)
    return "phone", normalise_phone(value, field)


@dataclass(frozen=True)
class UserRef:
    id: int
    name: str
    is_active: bool


def user_ref(user_id: int) -> UserRef | None:
    """A snapshot of an account, as authentication needs it on every request."""
    def load() -> UserRef | None:
        user = db.session.get(User, user_id)
        return UserRef(user.id, user.name, user.is_active) if user else None

    return app_cache("users").get(user_id, load)


def user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == normalise_email(email)))


def user_by_phone(phone: str) -> User | None:
    return db.session.scalar(select(User).where(User.phone == normalise_phone(phone)))


def user_by_login(kind: str, value: str) -> User | None:
    """The account a normalised sign-in name (from ``normalise_login``) belongs to."""
    column = User.email if kind == "email" else User.phone
    return db.session.scalar(select(User).where(column == value))


def login_key(user: User | None, typed: str = "") -> str:
    """What failed sign-ins of an account are counted by: the same key whether the person
    typed their e-mail address or their mobile number, so that switching between the two
    earns no more guesses; for a name with no account, the normalised name typed."""
    return (user.email or user.phone) if user is not None else typed


def emails_of(user_ids: Iterable[int | None]) -> dict[int, str]:
    """What each of these accounts signs in with (e-mail, else mobile number), in one query."""
    ids = {user_id for user_id in user_ids if user_id is not None}
    if not ids:
        return {}
    return {row.id: row.email or row.phone or "" for row in db.session.execute(
        select(User.id, User.email, User.phone).where(User.id.in_(ids)))}


def names_of(user_ids: Iterable[int | None]) -> dict[int, str]:
    """The name each of these accounts goes by, in one query (for logs that keep ids)."""
    ids = {user_id for user_id in user_ids if user_id is not None}
    if not ids:
        return {}
    return dict(db.session.execute(select(User.id, User.name).where(User.id.in_(ids))).all())


def create_user(email: str | None, name: str, password: str | None = None,
                phone: str | None = None) -> User:
    """A new account signing in with an e-mail address, a mobile number, or either."""
    email = normalise_email(email) if email else None
    phone = normalise_phone(phone) if phone else None
    if email is None and phone is None:
        raise IdentityError(_("enter an e-mail address or a mobile number"), field="email")
    if email and user_by_email(email) is not None:
        raise IdentityError(_("an account for %(email)s exists already", email=email), field="email")
    if phone and user_by_phone(phone) is not None:
        raise IdentityError(_("an account for %(phone)s exists already", phone=phone),
                            field="phone")
    if not name or not name.strip():
        raise IdentityError(_("a name is required"), field="name")
    user = User(email=email, phone=phone, name=name.strip(),
                password_hash=hash_password(password) if password else None)
    # Two administrators inviting the same number at once: the second hears 409, naming it.
    return first_writer(user, message=_("an account for this e-mail address or mobile number"
                                        " was made at the same moment; reload and check"))


def grant_school_role(user: User, role: str) -> bool:
    """Give ``user`` ``role`` in the school in context; False if they had it already."""
    require_tenant()
    if role not in SCHOOL_ROLES:
        raise IdentityError(
            f"{role!r} is not a school role (one of: {', '.join(SCHOOL_ROLES)})", field="role"
        )
    exists = db.session.scalar(
        select(Membership).where(Membership.user_id == user.id, Membership.role == role)
    )
    if exists:
        return False
    db.session.add(Membership(user_id=user.id, role=role))
    db.session.flush()
    invalidate("school_roles", (user.id, require_tenant().id))
    return True


def grant_district_role(user: User, district_id: int, role: str) -> bool:
    if role not in DISTRICT_ROLES:
        raise IdentityError(
            f"{role!r} is not a district role (one of: {', '.join(DISTRICT_ROLES)})", field="role"
        )
    exists = db.session.scalar(select(DistrictMembership).where(
        DistrictMembership.user_id == user.id,
        DistrictMembership.district_id == district_id,
        DistrictMembership.role == role,
    ))
    if exists:
        return False
    db.session.add(DistrictMembership(user_id=user.id, district_id=district_id, role=role))
    db.session.flush()
    invalidate("district_roles", (user.id, district_id))
    return True


def school_roles(user_id: int) -> frozenset[str]:
    """The person's roles in the school in context."""
    tenant = require_tenant()
    return app_cache("school_roles").get((user_id, tenant.id), lambda: frozenset(
        db.session.scalars(select(Membership.role).where(
            Membership.user_id == user_id, Membership.deactivated_at.is_(None)))))


def district_roles(user_id: int, district_id: int) -> frozenset[str]:
    return app_cache("district_roles").get((user_id, district_id), lambda: frozenset(
        db.session.scalars(select(DistrictMembership.role).where(
            DistrictMembership.user_id == user_id, DistrictMembership.district_id == district_id,
        ))))


def caller_district(user_id: int, slug: str | None = None) -> int:
    """The district whose schools a district role lets this person read; ``slug`` chooses one
    when they hold roles in several."""
    from core.schools.models import District

    rows = db.session.execute(
        select(District.id, District.slug)
        .join(DistrictMembership, DistrictMembership.district_id == District.id)
        .where(DistrictMembership.user_id == user_id).distinct()
    ).all()
    if slug is not None:
        rows = [row for row in rows if row.slug == slug]
        if not rows:
            raise IdentityError(_("you hold no role in district '%(slug)s'", slug=slug),
                                "district", 404)
    if len(rows) != 1:
        raise IdentityError(_("you hold roles in several districts or none; name one"),
                            "district")
    return rows[0].id


def member_tenant_ids(user_id: int) -> set[int]:
    """Every school where the person holds a role (read through their own identity scope);
    a school that deactivated them is not one of them."""
    with identity_lookup(user_id=user_id):
        return set(db.session.scalars(select(Membership.tenant_id).where(
            Membership.deactivated_at.is_(None))))


# --- API tokens -----------------------------------------------------------------------------


def _digest(secret: str) -> str:
    # Token secrets are 256 random bits, so a fast hash is safe here (unlike passwords).
    return hashlib.sha256(secret.encode()).hexdigest()


@dataclass(frozen=True)
class IssuedToken:
    public_id: str
    plaintext: str


def create_token(user: User, name: str, expires_in: timedelta | None = timedelta(days=90)
                 ) -> IssuedToken:
    """A token for ``user`` in the school in context; the plaintext is shown once."""
    require_tenant()
    public_id = secrets.token_hex(8)
    secret = secrets.token_urlsafe(32)
    token = ApiToken(
        public_id=public_id, user_id=user.id, name=name, secret_hash=_digest(secret),
        expires_at=utcnow() + expires_in if expires_in else None,
    )
    db.session.add(token)
    db.session.flush()
    return IssuedToken(public_id, f"{TOKEN_PREFIX}_{public_id}_{secret}")


@dataclass(frozen=True)
class TokenIdentity:
    token_id: object
    tenant_id: int
    user_id: int


@dataclass(frozen=True)
class _StoredToken:
    identity: TokenIdentity
    secret_hash: str
    expires_at: datetime | None
    revoked: bool


def _stored_token(public_id: str) -> _StoredToken | None:
    def load() -> _StoredToken | None:
        with identity_lookup(token_public_id=public_id):
            found = db.session.scalars(select(ApiToken).where(ApiToken.public_id == public_id)).all()
            # Public ids are 64 random bits, unique per school; should two schools ever share
            # one, neither token is accepted rather than guessing which was meant.
            if len(found) != 1:
                return None
            token = found[0]
            stored = _StoredToken(TokenIdentity(token.id, token.tenant_id, token.user_id),
                                  token.secret_hash, token.expires_at, token.revoked_at is not None)
            db.session.expunge(token)
            return stored

    return app_cache("tokens").get(public_id, load)


def verify_token(plaintext: str, now: datetime | None = None) -> TokenIdentity | None:
    """The person and school a token stands for, or None if it is unknown, expired or revoked."""
    parts = plaintext.split("_", 2)
    if len(parts) != 3 or parts[0] != TOKEN_PREFIX or len(parts[1]) != 16:
        return None
    stored = _stored_token(parts[1])
    if stored is None or not hmac.compare_digest(stored.secret_hash, _digest(parts[2])):
        return None
    now = now or utcnow()
    if stored.revoked or (stored.expires_at and stored.expires_at <= now):
        return None
    return stored.identity


def revoke_token(public_id: str) -> bool:
    require_tenant()
    token = db.session.scalar(select(ApiToken).where(ApiToken.public_id == public_id))
    if token is None or token.revoked_at is not None:
        return False
    token.revoked_at = utcnow()
    db.session.flush()
    invalidate("tokens", public_id)
    return True
