"""Sign-in sessions kept on the server: the cookie names one, and ending it here signs that
browser out, whoever holds a copy of the cookie.

Each request looks its session up through the auth cache (``core.cache``): ending a session
forgets it at once in this process and, in other worker processes, within
``AUTH_CACHE_SECONDS`` (5 by default). Last-seen is written at most once a minute per
session, not on every request.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import delete, or_, select, update

from core.cache import app_cache, invalidate
from core.db import utcnow
from core.extensions import db
from core.identity.models import DistrictMembership, Membership, UserSession
from core.permissions import Role
from core.rules import RuleBroken
from core.tenancy import TenantRef, identity_lookup

CACHE = "web_sessions"
# The signed Flask cookie carries nothing else that signs a person in.
SESSION_KEY = "sid"
TOUCH_EVERY = timedelta(minutes=1)


class Reason:
    SIGNED_OUT = "signed_out"
    PASSWORD_CHANGED = "password_changed"
    PASSWORD_RESET = "password_reset"
    ENDED_BY_OWNER = "ended_by_owner"
    ENDED_BY_ADMIN = "ended_by_admin"
    GUESSED = "password_guessed"


@dataclass(frozen=True)
class SessionRef:
    id: int
    user_id: int
    last_seen_at: datetime
    expires_at: datetime
    ended: bool


def _digest(key: str) -> str:
    # Keys are 256 random bits, so a fast hash is enough (as for API tokens).
    return hashlib.sha256(key.encode()).hexdigest()


def idle_limit() -> timedelta:
    return timedelta(minutes=current_app.config["SESSION_IDLE_MINUTES"])


def lifetime() -> timedelta:
    return timedelta(days=current_app.config["SESSION_MAX_DAYS"])


_BROWSERS = (("MicroMessenger", "WeChat"), ("DingTalk", "DingTalk"), ("Edg/", "Edge"),
             ("Firefox/", "Firefox"), ("Chrome/", "Chrome"), ("Chromium/", "Chromium"),
             ("Safari/", "Safari"))
_SYSTEMS = (("Windows", "Windows"), ("Android", "Android"), ("iPhone", "iOS"), ("iPad", "iPadOS"),
            ("Mac OS X", "macOS"), ("Linux", "Linux"))


def device_summary(agent: str | None) -> str | None:
    """'Chrome · Windows' from a User-Agent header: enough to recognise one's own devices."""
    if not agent:
        return None
    browser = next((name for mark, name in _BROWSERS if mark in agent), None)
    system = next((name for mark, name in _SYSTEMS if mark in agent), None)
    if browser or system:
        return " · ".join(part for part in (browser, system) if part)
    return re.sub(r"[^\x20-\x7e]", "", agent)[:60] or None


def start(user_id: int, address: str | None, agent: str | None,
          now: datetime | None = None) -> str:
    """Open a session for ``user_id``; returns the key its cookie carries (kept nowhere else)."""
    now = now or utcnow()
    key = secrets.token_urlsafe(32)
    db.session.add(UserSession(
        key_hash=_digest(key), user_id=user_id, created_at=now, last_seen_at=now,
        expires_at=now + lifetime(), address=(address or "")[:64] or None,
        agent=device_summary(agent),
    ))
    db.session.flush()
    return key


def _stored(key_hash: str) -> SessionRef | None:
    def load() -> SessionRef | None:
        row = db.session.execute(select(
            UserSession.id, UserSession.user_id, UserSession.last_seen_at,
            UserSession.expires_at, UserSession.ended_at,
        ).where(UserSession.key_hash == key_hash)).first()
        if row is None:
            return None
        return SessionRef(row.id, row.user_id, row.last_seen_at, row.expires_at,
                          row.ended_at is not None)

    return app_cache(CACHE).get(key_hash, load)


def _live(ref: SessionRef | None, now: datetime) -> bool:
    return (ref is not None and not ref.ended and now < ref.expires_at
            and now < ref.last_seen_at + idle_limit())


def resolve(key: object, now: datetime | None = None) -> SessionRef | None:
    """The live session a cookie's key stands for, or None when it ended, expired or sat idle
    too long. Notes the visit when the last one is more than a minute old."""
    if not isinstance(key, str) or not key:
        return None
    now = now or utcnow()
    key_hash = _digest(key)
    ref = _stored(key_hash)
    if not _live(ref, now):
        return None
    if now - ref.last_seen_at >= TOUCH_EVERY:
        db.session.execute(
            update(UserSession).where(UserSession.id == ref.id, UserSession.ended_at.is_(None))
            .values(last_seen_at=now).execution_options(synchronize_session=False))
        invalidate(CACHE, key_hash)
        db.session.commit()
    return ref


def _end_where(*criteria, reason: str, now: datetime | None = None) -> int:
    now = now or utcnow()
    live = (*criteria, UserSession.ended_at.is_(None))
    hashes = db.session.scalars(select(UserSession.key_hash).where(*live)).all()
    if not hashes:
        return 0
    db.session.execute(update(UserSession).where(*live).values(ended_at=now, ended_reason=reason)
                       .execution_options(synchronize_session=False))
    for key_hash in hashes:
        invalidate(CACHE, key_hash)
    return len(hashes)


def end_key(key: object, reason: str = Reason.SIGNED_OUT) -> bool:
    """End the session a cookie's key stands for (signing out)."""
    if not isinstance(key, str) or not key:
        return False
    return _end_where(UserSession.key_hash == _digest(key), reason=reason) > 0


def end_everywhere(user_id: int, reason: str, keep_key: object = None) -> int:
    """End every session of ``user_id``, except the one ``keep_key`` names (the browser that
    changed the password stays signed in)."""
    criteria = [UserSession.user_id == user_id]
    if isinstance(keep_key, str) and keep_key:
        criteria.append(UserSession.key_hash != _digest(keep_key))
    return _end_where(*criteria, reason=reason)


def end_own(user_id: int, session_id: int) -> None:
    """A person ends one of their own sessions; another person's is 'not found'."""
    owned = db.session.scalar(select(UserSession.id).where(
        UserSession.id == session_id, UserSession.user_id == user_id))
    if owned is None:
        raise RuleBroken(_("there is no such session of yours"), "session_id", 404)
    _end_where(UserSession.id == session_id, reason=Reason.ENDED_BY_OWNER)


def active(user_id: int, now: datetime | None = None) -> list[UserSession]:
    """The person's live sessions, most recently used first."""
    now = now or utcnow()
    return list(db.session.scalars(
        select(UserSession).where(
            UserSession.user_id == user_id, UserSession.ended_at.is_(None),
            UserSession.expires_at > now, UserSession.last_seen_at > now - idle_limit(),
        ).order_by(UserSession.last_seen_at.desc(), UserSession.id.desc())))


def is_current(row: UserSession, key: object) -> bool:
    return isinstance(key, str) and bool(key) and row.key_hash == _digest(key)


def purge(now: datetime | None = None) -> int:
    """Remove ended, expired and idle sessions, all schools' people at once (one statement)."""
    now = now or utcnow()
    result = db.session.execute(delete(UserSession).where(or_(
        UserSession.ended_at.is_not(None), UserSession.expires_at <= now,
        UserSession.last_seen_at <= now - idle_limit(),
    )).execution_options(synchronize_session=False))
    db.session.commit()
    return result.rowcount


# --- who may end whose sessions -------------------------------------------------------------


def may_end_sessions_of(target_id: int, tenant: TenantRef, actor_school_roles: frozenset[str],
                        actor_district_roles: frozenset[str]) -> bool:
    """A school administrator ends the sessions of people who work only in this school; a
    district administrator, of people who work only in the district (district staff included).
    Ending sessions signs someone out everywhere, so it is the call of whoever oversees every
    place the person works: a principal cannot sign out a district administrator."""
    with identity_lookup(user_id=target_id):
        schools = set(db.session.scalars(select(Membership.tenant_id)))
    if tenant.id not in schools:
        return False
    districts = set(db.session.scalars(
        select(DistrictMembership.district_id).where(DistrictMembership.user_id == target_id)))
    if Role.DISTRICT_ADMIN in actor_district_roles:
        from core.schools.models import Tenant

        elsewhere = db.session.scalar(select(Tenant.id).where(
            Tenant.id.in_(schools), Tenant.district_id != tenant.district_id).limit(1))
        return elsewhere is None and districts <= {tenant.district_id}
    if Role.SCHOOL_ADMIN in actor_school_roles:
        return schools == {tenant.id} and not districts
    return False


def end_sessions_of(target_id: int | None, tenant: TenantRef,
                    actor_school_roles: frozenset[str], actor_district_roles: frozenset[str]
                    ) -> int:
    """An administrator signs a person of the school out of every browser; recorded in the
    school's audit trail. Refused (403) for someone outside the administrator's reach."""
    from core import audit

    if target_id is None:
        raise RuleBroken(_("this person has no account to sign out of"), "user_id")
    if not may_end_sessions_of(target_id, tenant, actor_school_roles, actor_district_roles):
        raise RuleBroken(_("only an administrator over every school this person works in may"
                           " sign them out"), "user_id", 403)
    ended = _end_where(UserSession.user_id == target_id, reason=Reason.ENDED_BY_ADMIN)
    audit.record("end_sessions", "users", entity_id=str(target_id), after={"ended": ended})
    return ended
