"""Accounts are global (a person is one person); what they may do lives per school."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.db import (
    BigId,
    TenantScoped,
    UtcDateTime,
    cross_school_index,
    tenant_index,
    tenant_unique,
    utcnow,
)
from core.db.rls import CURRENT_TOKEN_PUBLIC_ID, CURRENT_USER_ID
from core.extensions import db


class User(db.Model):
    """A person's account. They sign in with an e-mail address or a mainland mobile number
    (cooks and guards often have no e-mail): at least one of the two, each unique."""

    __tablename__ = "users"
    __audit_deployment__ = True
    __audit_redacted__ = ("password_hash",)
    __table_args__ = (
        CheckConstraint("email IS NOT NULL OR phone IS NOT NULL", name="email_or_phone"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    email: Mapped[str | None] = mapped_column(String(254), unique=True)
    # The 11 digits of a mainland mobile number, without +86, spaces or dashes.
    phone: Mapped[str | None] = mapped_column(String(11), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    password_hash: Mapped[str | None] = mapped_column(String(200))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    locale: Mapped[str | None] = mapped_column(String(10))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    @property
    def login(self) -> str:
        """What the person signs in with, as shown beside their name: the e-mail address,
        else the mobile number."""
        return self.email or self.phone or ""

class Membership(TenantScoped, db.Model):
    """A person's role in one school; a person may hold several roles in several schools."""

    __tablename__ = "memberships"
    __table_args__ = (
        tenant_unique("user_id", "role"),
        tenant_index("ix_memberships_user", "user_id"),
        # A person's schools, read before any school is chosen (sign-in, /schools, /me).
        cross_school_index("ix_memberships_user_id", "user_id"),
        {"info": {"rls_policies": [("houqin_self_read", "SELECT", f"user_id = {CURRENT_USER_ID}")]}},
    )

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    role: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    # Set on every role of a person whose place in this school is withdrawn (they left, or
    # are on leave): they keep their roles for a return, but act in this school no more.
    deactivated_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    @classmethod
    def identity_criteria(cls, lookup):
        return cls.user_id == lookup.user_id if lookup.user_id else None

class DistrictMembership(db.Model):
    """A district role (district admin, district inspector) spanning the district's schools."""

    __tablename__ = "district_memberships"
    __audit_deployment__ = True
    __table_args__ = (UniqueConstraint("district_id", "user_id", "role"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    district_id: Mapped[int] = mapped_column(ForeignKey("districts.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    role: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

def found_by_public_id(table: str) -> tuple:
    """The table arguments of a school's row that is found by its public id alone, before any
    school is known (a bearer token, a one-time link): the school comes from the row. Unique
    in its school, indexed across schools, and readable by that id through row-level
    security's lookup policy."""
    return (
        tenant_unique("public_id"),
        cross_school_index(f"ix_{table}_public_id", "public_id"),
        {"info": {"rls_policies": [
            ("houqin_token_lookup", "SELECT", f"public_id = {CURRENT_TOKEN_PUBLIC_ID}"),
        ]}},
    )


class FoundByPublicId:
    """Before a school is chosen, such a row is visible by its public id and nothing else."""

    @classmethod
    def identity_criteria(cls, lookup):
        if lookup.token_public_id:
            return cls.public_id == lookup.token_public_id
        return None


class ApiToken(FoundByPublicId, TenantScoped, db.Model):
    """A bearer token bound to a person and a school. Only a hash of its secret is stored."""

    __tablename__ = "api_tokens"
    __audit_redacted__ = ("secret_hash",)
    __table_args__ = (tenant_index("ix_api_tokens_user", "user_id"),
                      *found_by_public_id("api_tokens"))

    public_id: Mapped[str] = mapped_column(String(32))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    name: Mapped[str] = mapped_column(String(100))
    secret_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class AccountLink(FoundByPublicId, TenantScoped, db.Model):
    """A one-time link to choose a password: sent when a school invites someone or resets
    their password. It belongs to the school that sent it (its administrators list and
    withdraw their school's links; the audit trail is the school's), and is found from the
    link itself by its public id, as API tokens are, before any school is known. Only a hash
    of its secret is stored."""

    __tablename__ = "account_links"
    __audit_redacted__ = ("secret_hash",)
    __table_args__ = (tenant_index("ix_account_links_user", "user_id"),
                      *found_by_public_id("account_links"))

    public_id: Mapped[str] = mapped_column(String(32))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    # "invite" for a new account, "reset" for a password an administrator reset.
    purpose: Mapped[str] = mapped_column(String(10))
    secret_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # A newer link for the same person, or their deactivation, withdraws an unused one.
    withdrawn_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class UserSession(db.Model):
    """A browser signed in as a person. The cookie carries a random key; only its hash is kept,
    so a copy of this table signs no one in. A person's sessions span every school they work
    in, so the row belongs to no school."""

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # Why it ended: signed out, password changed, password reset, ended by its owner or an admin.
    ended_reason: Mapped[str | None] = mapped_column(String(20))
    # Enough for the person to recognise the device, nothing more.
    address: Mapped[str | None] = mapped_column(String(64))
    agent: Mapped[str | None] = mapped_column(String(120))
