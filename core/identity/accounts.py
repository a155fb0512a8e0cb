"""A school's accounts, managed by its people: invitations, roles, deactivation and one-time
links to choose a password. The rules, free of request objects; the school in context is the
one acted in.

Who may do what (``Reach``): a school administrator manages the school's staff and guardians
but not its administrators; a district administrator manages the administrators of the
district's schools; whoever links guardians to students invites guardians. A password is the
person's everywhere, so resetting it is for an administrator over every place they work.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import select, update

from core import audit
from core.cache import invalidate
from core.db import utcnow
from core.extensions import db
from core.identity import sessions
from core.identity.models import AccountLink, ApiToken, DistrictMembership, Membership, User
from core.identity.passwords import hash_password
from core.identity.services import (
    IdentityError,
    create_user,
    grant_school_role,
    normalise_login,
    user_by_login,
)
from core.permissions import SCHOOL_ROLES, STAFF_ROLES, Role
from core.rules import RuleBroken
from core.tenancy import identity_lookup, require_tenant, tenant_context

# Long enough for a message sent on Friday to be opened on Monday.
LINK_LIFETIME = timedelta(days=3)
INVITE, RESET = "invite", "reset"


@dataclass(frozen=True)
class Reach:
    """The roles an actor may give and take away in the school, and whose accounts they may
    manage: ``over_admins`` for a district administrator, who oversees the school's own."""

    roles: frozenset[str]
    over_admins: bool = False


SCHOOL_ADMIN_REACH = Reach(frozenset(STAFF_ROLES - {Role.SCHOOL_ADMIN}) | {Role.GUARDIAN})
DISTRICT_ADMIN_REACH = Reach(frozenset({Role.SCHOOL_ADMIN}), over_admins=True)
GUARDIAN_REACH = Reach(frozenset({Role.GUARDIAN}))


@dataclass(frozen=True)
class Account:
    """One person's place in the school, as the accounts page lists it."""

    user_id: int
    name: str
    email: str | None
    phone: str | None
    roles: tuple[str, ...]
    deactivated: bool
    has_password: bool
    link_pending: bool

    @property
    def login(self) -> str:
        """What the person signs in with: the e-mail address, else the mobile number."""
        return self.email or self.phone or ""


@dataclass(frozen=True)
class Invitation:
    user: User
    created: bool  # a new account (else roles added to an existing one)
    link: str | None  # the one-time link's token, when the person has no password yet


# --- reading ---------------------------------------------------------------------------------


def accounts(roles: frozenset[str] | None = None) -> list[Account]:
    """Everyone holding a role in the school in context (only those holding one of ``roles``,
    when given), by name."""
    rows = db.session.execute(
        select(Membership.user_id, Membership.role, Membership.deactivated_at, User.name,
               User.email, User.phone, User.password_hash)
        .join(User, User.id == Membership.user_id).order_by(User.name, User.id)).all()
    pending = set(db.session.scalars(select(AccountLink.user_id).where(
        AccountLink.used_at.is_(None), AccountLink.withdrawn_at.is_(None),
        AccountLink.expires_at > utcnow())))
    found: dict[int, dict] = {}
    for row in rows:
        entry = found.setdefault(row.user_id, {
            "name": row.name, "email": row.email, "phone": row.phone, "roles": [],
            "deactivated": False,
            "has_password": row.password_hash is not None})
        entry["roles"].append(row.role)
        entry["deactivated"] = entry["deactivated"] or row.deactivated_at is not None
    order = list(SCHOOL_ROLES)
    return [Account(user_id, e["name"], e["email"], e["phone"], tuple(sorted(e["roles"], key=order.index)),
                    e["deactivated"], e["has_password"], user_id in pending)
            for user_id, e in found.items() if roles is None or roles & set(e["roles"])]


def account(user_id: int) -> Account:
    """One person of the school in context; someone with no role here is not found (404)."""
    for row in accounts():
        if row.user_id == user_id:
            return row
    raise IdentityError(_("this person holds no role in this school"), "user_id", 404)


def _memberships(user_id: int) -> list[Membership]:
    return list(db.session.scalars(select(Membership).where(Membership.user_id == user_id)))


# --- who may act on whom ---------------------------------------------------------------------


def _may_give(role: str, reach: Reach) -> None:
    if role not in SCHOOL_ROLES:
        raise IdentityError(_("“%(role)s” is not a school role", role=role), "role")
    if role not in reach.roles:
        raise IdentityError(_("you may not give or take away the role “%(role)s”",
                              role=str(SCHOOL_ROLES[role])), "role", 403)


def _may_manage(target: Account, reach: Reach, actor_id: int) -> None:
    if target.user_id == actor_id:
        raise IdentityError(_("you cannot change your own account here"), "user_id", 403)
    if Role.SCHOOL_ADMIN in target.roles and not reach.over_admins:
        raise IdentityError(_("a school administrator's account is managed by the district"),
                            "user_id", 403)
    if not set(target.roles) & reach.roles:
        raise IdentityError(_("this account is beyond what you manage"), "user_id", 403)


def _works_only_within(user_id: int, reach: Reach) -> bool:
    """Whether every place the person works is within the actor's oversight: this school
    alone for a school administrator; the district's schools for a district administrator."""
    tenant = require_tenant()
    with identity_lookup(user_id=user_id):
        schools = set(db.session.scalars(select(Membership.tenant_id)))
    districts = set(db.session.scalars(
        select(DistrictMembership.district_id).where(DistrictMembership.user_id == user_id)))
    if reach.over_admins:
        from core.schools.models import Tenant

        elsewhere = db.session.scalar(select(Tenant.id).where(
            Tenant.id.in_(schools), Tenant.district_id != tenant.district_id).limit(1))
        return elsewhere is None and districts <= {tenant.district_id}
    return schools <= {tenant.id} and not districts


# --- links -----------------------------------------------------------------------------------


def _digest(secret: str) -> str:
    # 256 random bits: a fast hash is enough, as for API tokens and session keys.
    return hashlib.sha256(secret.encode()).hexdigest()


def _withdraw_links(user_id: int, now: datetime) -> None:
    db.session.execute(update(AccountLink).where(
        AccountLink.user_id == user_id, AccountLink.used_at.is_(None),
        AccountLink.withdrawn_at.is_(None)).values(withdrawn_at=now)
        .execution_options(synchronize_session=False))


def issue_link(user: User, purpose: str, now: datetime | None = None) -> str:
    """A new one-time link for ``user`` from the school in context; any earlier unused one
    stops working. Returns the token the link carries (kept nowhere else)."""
    now = now or utcnow()
    _withdraw_links(user.id, now)
    public_id, secret = secrets.token_hex(8), secrets.token_urlsafe(32)
    db.session.add(AccountLink(public_id=public_id, user_id=user.id, purpose=purpose,
                               secret_hash=_digest(secret), created_at=now,
                               expires_at=now + LINK_LIFETIME))
    db.session.flush()
    return f"{public_id}.{secret}"


@dataclass(frozen=True)
class LinkState:
    """What a link stands for: ``problem`` is None when it may be used now."""

    tenant_id: int | None
    user_id: int | None
    purpose: str | None
    problem: str | None  # "unknown", "used", "expired"


def read_link(token: str, now: datetime | None = None) -> LinkState:
    """The link a token names, found by its public id before any school is known."""
    public_id, _sep, secret = (token or "").partition(".")
    if len(public_id) != 16 or not secret:
        return LinkState(None, None, None, "unknown")
    with identity_lookup(token_public_id=public_id):
        found = db.session.scalars(select(AccountLink).where(
            AccountLink.public_id == public_id)).all()
        if len(found) != 1 or not hmac.compare_digest(found[0].secret_hash, _digest(secret)):
            return LinkState(None, None, None, "unknown")
        link = found[0]
        state = (link.tenant_id, link.user_id, link.purpose)
        problem = ("used" if link.used_at or link.withdrawn_at else
                   "expired" if link.expires_at <= (now or utcnow()) else None)
        db.session.expunge(link)
    return LinkState(*state, problem)


def use_link(token: str, password: str, now: datetime | None = None) -> User:
    """Set the password a link was sent for; the link is then spent, and every browser the
    person was signed in on is signed out. Refused when the link is unknown, used or expired
    (the caller says which), or the password too weak (nothing written)."""
    now = now or utcnow()
    state = read_link(token, now)
    if state.problem:
        raise IdentityError(state.problem, "token", 404 if state.problem == "unknown" else 410)
    password_hash = hash_password(password)
    from core.schools.models import Tenant

    school = db.session.get(Tenant, state.tenant_id).ref()
    with tenant_context(school):
        # Spent by whichever of two tabs submits first; the other finds it used.
        spent = db.session.execute(update(AccountLink).where(
            AccountLink.public_id == token.partition(".")[0], AccountLink.used_at.is_(None),
            AccountLink.withdrawn_at.is_(None)).values(used_at=now)
            .execution_options(synchronize_session=False)).rowcount
        if spent != 1:
            raise IdentityError("used", "token", 410)
        user = db.session.get(User, state.user_id)
        user.password_hash = password_hash
        sessions.end_everywhere(user.id, sessions.Reason.PASSWORD_RESET)
        audit.record("set_password", "users", entity_id=str(user.id),
                     after={"purpose": state.purpose})
        db.session.flush()
    return user


# --- acting ----------------------------------------------------------------------------------


def invite(login: str, name: str, roles: list[str], reach: Reach,
           field: str = "email") -> Invitation:
    """Give ``roles`` in the school to the person who signs in with this e-mail address or
    mobile number, making their account when there is none. A person without a password yet
    gets a one-time link. A refusal about the address or number names ``field``, the box it
    was typed in."""
    if not roles:
        raise IdentityError(_("choose at least one role"), "roles")
    for role in roles:
        _may_give(role, reach)
    kind, value = normalise_login(login, field)
    user = user_by_login(kind, value)
    created = user is None
    if created:
        try:
            user = (create_user(value, name) if kind == "email"
                    else create_user(None, name, phone=value))
        except IdentityError as exc:  # the name, or another invitation of the same person
            raise IdentityError(str(exc), "name" if exc.field == "name" else field,
                                exc.status) from None
        except RuleBroken as exc:
            raise RuleBroken(str(exc), field, exc.status) from None
    elif not user.is_active:
        raise IdentityError(_("this account is disabled for the whole deployment"), field)
    elif any(m.role == Role.SCHOOL_ADMIN for m in _memberships(user.id)) \
            and not reach.over_admins:
        raise IdentityError(_("a school administrator's account is managed by the district"),
                            field, 403)
    for role in roles:
        grant(user.id, role, reach, inviting=True)
    link = issue_link(user, INVITE) if user.password_hash is None else None
    audit.record("invite", "users", entity_id=str(user.id),
                 after={"name": user.name, "roles": sorted(roles), "created": created})
    return Invitation(user, created, link)


def grant(user_id: int, role: str, reach: Reach, actor_id: int = -1,
          inviting: bool = False) -> bool:
    """Give a person of the school another role (``inviting``: someone who may not belong to
    it yet); a deactivated person's new role is deactivated with the others. False when they
    hold it already."""
    _may_give(role, reach)
    held = _memberships(user_id)
    if not held and not inviting:
        raise IdentityError(_("this person holds no role in this school"), "user_id", 404)
    if held and not inviting:
        _may_manage(account(user_id), reach, actor_id)
    user = db.session.get(User, user_id)
    if not grant_school_role(user, role):
        return False
    off = next((m.deactivated_at for m in held if m.deactivated_at), None)
    if off is not None:
        db.session.scalar(select(Membership).where(
            Membership.user_id == user_id, Membership.role == role)).deactivated_at = off
        db.session.flush()
    return True


def revoke(user_id: int, role: str, reach: Reach, actor_id: int) -> None:
    """Take a role away; a person left with none no longer belongs to the school."""
    target = account(user_id)
    _may_give(role, reach)
    _may_manage(target, reach, actor_id)
    row = next((m for m in _memberships(user_id) if m.role == role), None)
    if row is None:
        raise IdentityError(_("this person does not hold that role"), "role", 404)
    db.session.delete(row)
    db.session.flush()
    invalidate("school_roles", (user_id, require_tenant().id))


def deactivate(user_id: int, reach: Reach, actor_id: int, now: datetime | None = None) -> None:
    """The person acts in this school no more: their roles stop counting, their API tokens
    for it are revoked, their unused links withdrawn, and, when they work nowhere else,
    every browser they were signed in on is signed out."""
    now = now or utcnow()
    target = account(user_id)
    _may_manage(target, reach, actor_id)
    if target.deactivated:
        return
    for row in _memberships(user_id):
        row.deactivated_at = now
    tokens = db.session.scalars(select(ApiToken).where(
        ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None))).all()
    for token in tokens:
        token.revoked_at = now
    _withdraw_links(user_id, now)
    db.session.flush()
    tenant = require_tenant()
    invalidate("school_roles", (user_id, tenant.id))
    for token in tokens:
        invalidate("tokens", token.public_id)
    with identity_lookup(user_id=user_id):
        elsewhere = db.session.scalar(select(Membership.id).where(
            Membership.tenant_id != tenant.id, Membership.deactivated_at.is_(None)).limit(1))
    district = db.session.scalar(select(DistrictMembership.id).where(
        DistrictMembership.user_id == user_id).limit(1))
    if elsewhere is None and district is None:
        sessions.end_everywhere(user_id, sessions.Reason.ENDED_BY_ADMIN)
    audit.record("deactivate", "users", entity_id=str(user_id),
                 after={"tokens_revoked": len(tokens)})


def reactivate(user_id: int, reach: Reach, actor_id: int) -> None:
    target = account(user_id)
    _may_manage(target, reach, actor_id)
    if not target.deactivated:
        return
    for row in _memberships(user_id):
        row.deactivated_at = None
    db.session.flush()
    invalidate("school_roles", (user_id, require_tenant().id))
    audit.record("reactivate", "users", entity_id=str(user_id))


def reset_password(user_id: int, reach: Reach, actor_id: int) -> tuple[User, str]:
    """A new one-time link to choose a password; the current password keeps working until
    the link is used. Refused for someone who also works where the actor has no say."""
    target = account(user_id)
    _may_manage(target, reach, actor_id)
    if target.deactivated:
        raise IdentityError(_("reactivate this account first"), "user_id", 409)
    if not _works_only_within(user_id, reach):
        raise IdentityError(_("this person also works elsewhere, so only an administrator over"
                              " every place they work may reset their password"), "user_id", 403)
    user = db.session.get(User, user_id)
    token = issue_link(user, RESET)
    audit.record("reset_password", "users", entity_id=str(user_id))
    return user, token
