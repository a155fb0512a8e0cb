"""Who is acting in this request, in which school, and what they may do there."""

from __future__ import annotations

from dataclasses import dataclass

from flask import g, request, session
from sqlalchemy import select

from core.api.errors import Unauthorized
from core.extensions import db
from core.identity import sessions
from core.identity.models import DistrictMembership
from core.identity.services import (
    TokenIdentity,
    UserRef,
    district_roles,
    school_roles,
    user_ref,
    verify_token,
)
from core.permissions import DISTRICT_ROLES, Role
from core.state import kernel
from core.tenancy import TenantRef

SELF_PERMISSION = "core.self"


@dataclass(frozen=True)
class Principal:
    user_id: int
    name: str
    tenant_id: int | None
    school_roles: frozenset[str]
    district_roles: frozenset[str]
    permissions: frozenset[str]
    token: TokenIdentity | None = None

    @property
    def via_district(self) -> bool:
        """Acting in a school only through a district role (no role of their own there)."""
        return self.tenant_id is not None and not self.school_roles and bool(self.district_roles)

    @property
    def is_member(self) -> bool:
        return bool(self.school_roles or self.district_roles)


def authenticate() -> tuple[UserRef | None, TokenIdentity | None]:
    """The person behind the request: a bearer token, or a signed-in web session."""
    header = request.headers.get("Authorization", "")
    if header:
        scheme, _, credential = header.partition(" ")
        if scheme.lower() != "bearer" or not credential.strip():
            raise Unauthorized("use 'Authorization: Bearer <token>'")
        identity = verify_token(credential.strip())
        if identity is None:
            raise Unauthorized("the token is unknown, expired or revoked")
        user = user_ref(identity.user_id)
        if user is None or not user.is_active:
            raise Unauthorized("the token's account is disabled")
        return user, identity
    signed_in = sessions.resolve(session.get(sessions.SESSION_KEY))
    if signed_in is not None:
        user = user_ref(signed_in.user_id)
        if user is not None and user.is_active:
            return user, None
    return None, None


def build_principal(user: UserRef, tenant: TenantRef | None, token: TokenIdentity | None
                    ) -> Principal:
    registry = kernel().permissions
    if tenant is not None:
        own = frozenset(school_roles(user.id))
        district = frozenset(district_roles(user.id, tenant.district_id))
    else:
        own = frozenset()
        district = frozenset(db.session.scalars(
            select(DistrictMembership.role).where(DistrictMembership.user_id == user.id)
        ))
    permissions = set(registry.granted(own))
    if district:
        # Inspectors read, never write; only a district admin acts on a school's data.
        permissions |= registry.granted(district, read_only=Role.DISTRICT_ADMIN not in district)
    if tenant is None:
        # Outside a school a person can only see themselves and district-wide pages.
        permissions = {p for p in permissions if p.startswith("core.district.")}
    permissions.add(SELF_PERMISSION)
    return Principal(
        user_id=user.id, name=user.name, tenant_id=tenant.id if tenant else None,
        school_roles=own, district_roles=district & frozenset(DISTRICT_ROLES),
        permissions=frozenset(permissions), token=token,
    )


def current_principal() -> Principal | None:
    return getattr(g, "principal", None)


def acting_name(by: str | None = None) -> str:
    """The name a record keeps of who did something: ``by`` when given, else the person
    signed in, else "system" (a scheduled job, the shell)."""
    if by and by.strip():
        return by.strip()[:50]
    principal = current_principal()
    return principal.name[:50] if principal else "system"
