"""A notification is addressed to a permission in one school; each reader's "read" is a row."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, Integer, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from core.db import TenantScoped, UtcDateTime, tenant_foreign_key, tenant_index, utcnow
from core.extensions import db


class Notification(TenantScoped, db.Model):
    __tablename__ = "notifications"
    __table_args__ = (
        tenant_index("ix_notifications_key", "key", unique=True),
        tenant_index("ix_notifications_updated", "updated_at"),
    )

    # The same key is the same notification: a job that runs twice updates it, never doubles it.
    key: Mapped[str] = mapped_column(String(160))
    permission: Mapped[str] = mapped_column(String(80))
    # When set, only this person (still holding the permission) sees it: a class's head teacher.
    user_id: Mapped[int | None] = mapped_column(BigInteger)
    source: Mapped[str] = mapped_column(String(40))
    # Stored untranslated (a msgid and its parameters) so each reader sees their own language.
    message: Mapped[str] = mapped_column(String(300))
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    endpoint: Mapped[str | None] = mapped_column(String(120))
    endpoint_args: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class NotificationRead(TenantScoped, db.Model):
    __tablename__ = "notification_reads"
    __table_args__ = (
        tenant_foreign_key("notification_id", "notifications"),
        tenant_index("ix_notification_reads_reader", "notification_id", "user_id", unique=True),
    )
    __audited__ = False  # a person marking a reminder read changes nothing of the school's

    notification_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    user_id: Mapped[int] = mapped_column(BigInteger)
    read_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class NotificationChannel(TenantScoped, db.Model):
    """Where a school's notices of the chosen kinds go besides the in-app list: an e-mail
    list or a group robot. Its plain settings are kept as they are; its secrets (a webhook
    address holding the robot's key, a signing secret) only sealed (``sealing``)."""

    __tablename__ = "notification_channels"
    __table_args__ = (tenant_index("ix_notification_channels_kind", "kind"),)
    # The audit shows that the secrets changed, never what they are.
    __audit_redacted__ = ("secrets",)
    # Sealed with this deployment's key, useless elsewhere, and a school file is a copy that
    # travels: the imported school re-enters its robots' secrets.
    __schoolfile_left_out__ = ("secrets",)

    kind: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(80))
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    # The notice kinds sent here (core.notifications.channels.notice_kinds).
    notices: Mapped[list[str]] = mapped_column(JSON, default=list)
    settings: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    secrets: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    # Two people editing one channel: the second save, made on what the first changed, is
    # refused (409) instead of silently undoing the first.
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}
