"""A school's notification channels: configure them, route notices to them, send as jobs.

A notice raised (or changed) with ``notify`` stays in the in-app list for whoever holds its
permission, always; besides, each of the school's channels that takes the notice's kind gets
it, one job per channel (``send_notice``), so a robot that is down is retried with back-off
and, when the job system gives up, shows in the failed list with its reason. Nothing is sent
during the request that raised the notice.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError
from sqlalchemy import select

from core.db import utcnow
from core.extensions import db
from core.jobs import JobContext, enqueue
from core.jobs.models import JobRun
from core.notifications.channels import (
    ChannelKind,
    Message,
    channel_kinds,
    masked,
    notice_kinds,
)
from core.notifications.models import Notification, NotificationChannel
from core.rules import RuleBroken
from core.tenancy import current_tenant, require_tenant

log = logging.getLogger("houqin.notifications")

TEST_TITLE = _l("Houqin test message")


# --- configuring ------------------------------------------------------------------------------

def channels() -> list[NotificationChannel]:
    require_tenant()
    return list(db.session.scalars(select(NotificationChannel)
                                   .order_by(NotificationChannel.created_at,
                                             NotificationChannel.title)))


def channel(channel_id: uuid.UUID) -> NotificationChannel:
    require_tenant()
    found = db.session.scalar(select(NotificationChannel)
                              .where(NotificationChannel.id == channel_id))
    if found is None:
        raise RuleBroken(_("This school has no such channel."), "channel_id", status=404)
    return found


def kind_of(found: NotificationChannel) -> ChannelKind | None:
    """The channel's kind; None when the plugin that added it is no longer installed."""
    return channel_kinds().get(found.kind)


def shown_settings(found: NotificationChannel) -> dict[str, Any]:
    """The settings as they may be shown back: every secret masked."""
    kind = kind_of(found)
    secrets = set(kind.secret_fields()) if kind else set(found.settings)
    return {key: masked(value) if key in secrets else value
            for key, value in (found.settings or {}).items()}


def _settings(kind: ChannelKind, given: dict[str, Any],
              stored: dict[str, Any]) -> dict[str, Any]:
    """The kind's settings loaded from what was sent over what is stored: a secret left out,
    empty or sent back masked keeps its stored value. Errors name ``settings.<field>``."""
    secrets = set(kind.secret_fields())
    merged = dict(stored)
    for key, value in given.items():
        if key in secrets and (value in (None, "") or value == masked(stored.get(key))):
            continue
        merged[key] = value
    try:
        return kind.settings().load(merged)
    except ValidationError as exc:
        messages = exc.normalized_messages()
        raise ValidationError({f"settings.{key}": value for key, value in messages.items()}
                              if isinstance(messages, dict) else {"settings": messages}) from None


def create(data: dict[str, Any]) -> NotificationChannel:
    require_tenant()
    kind = channel_kinds()[data["kind"]]
    notices = data.get("notices")
    made = NotificationChannel(
        kind=kind.name, title=data["title"].strip(), enabled=data.get("enabled", True),
        notices=sorted(notice_kinds()) if notices is None else sorted(set(notices)),
        settings=_settings(kind, data.get("settings") or {}, {}))
    db.session.add(made)
    db.session.flush()
    log.info("notification channel %s (%s) added", made.id, made.kind)
    return made


def change(channel_id: uuid.UUID, data: dict[str, Any]) -> NotificationChannel:
    found = channel(channel_id)
    if "kind" in data and data["kind"] != found.kind:
        raise RuleBroken(_("A channel's kind cannot change; add another channel."), "kind")
    kind = kind_of(found)
    if kind is None:
        raise RuleBroken(_("The module that sends this kind of channel is not installed."),
                         "kind")
    if "title" in data:
        found.title = data["title"].strip()
    if "enabled" in data:
        found.enabled = data["enabled"]
    if data.get("notices") is not None:
        found.notices = sorted(set(data["notices"]))
    if "settings" in data:
        found.settings = _settings(kind, data["settings"] or {}, found.settings or {})
    found.updated_at = utcnow()
    db.session.flush()
    log.info("notification channel %s (%s) changed", found.id, found.kind)
    return found


def remove(channel_id: uuid.UUID) -> None:
    found = channel(channel_id)
    db.session.delete(found)
    db.session.flush()
    log.info("notification channel %s (%s) removed", channel_id, found.kind)


def test(channel_id: uuid.UUID) -> JobRun:
    """Send a test message through the channel, as a job (its result shows whether it went)."""
    found = channel(channel_id)
    return enqueue(send_test, str(found.id),
                   description=_("Test message to %(channel)s", channel=found.title)[:200])


# --- routing ----------------------------------------------------------------------------------

def route(notice: Notification, kind: str) -> list[JobRun]:
    """One send job for each of the school's channels that takes notices of ``kind``: one
    read of the school's channels (a handful of rows), whatever the number of readers."""
    wanted = [found for found in db.session.scalars(
        select(NotificationChannel).where(NotificationChannel.enabled.is_(True)))
        if kind in (found.notices or [])]
    return [enqueue(send_notice, str(found.id), str(notice.id), kind,
                    description=_("Notice to %(channel)s", channel=found.title)[:200])
            for found in wanted]


# --- sending (jobs) ---------------------------------------------------------------------------

def _timeout() -> float:
    return float(current_app.config.get("CHANNEL_TIMEOUT_SECONDS", 10))


def _link() -> str | None:
    base = current_app.config.get("BASE_URL")
    tenant = current_tenant()
    if not base or tenant is None:
        return None
    return f"{base.rstrip('/')}/t/{tenant.slug}/notifications"


def _deliver(found: NotificationChannel, message: Message) -> None:
    kind = kind_of(found)
    if kind is None:
        raise RuntimeError(_("The module that sends this kind of channel is not installed."))
    settings = kind.settings().load(found.settings or {})
    kind.send(settings, message, _timeout())
    log.info("notice sent through channel %s (%s)", found.id, found.kind)


def send_notice(ctx: JobContext, channel_id: str, notification_id: str,
                kind: str | None = None) -> str:
    """Send one notice through one channel; a refusal raises, and the job system retries."""
    from core.notifications.services import text_of

    found = db.session.scalar(select(NotificationChannel)
                              .where(NotificationChannel.id == uuid.UUID(channel_id)))
    notice = db.session.scalar(select(Notification)
                               .where(Notification.id == uuid.UUID(notification_id)))
    if found is None or notice is None or not found.enabled:
        return "skipped"  # removed or switched off since: nothing to send
    declared = notice_kinds().get(kind or notice.source)
    title = str(declared.title) if declared else _("Houqin notice")
    _deliver(found, Message(title, text_of(notice), _link()))
    return "sent"


def send_test(ctx: JobContext, channel_id: str) -> str:
    found = db.session.scalar(select(NotificationChannel)
                              .where(NotificationChannel.id == uuid.UUID(channel_id)))
    if found is None:
        return "skipped"
    _deliver(found, Message(str(TEST_TITLE), _(
        "If you can read this, notices of this school reach the channel %(channel)s.",
        channel=found.title), _link()))
    return "sent"


JOBS = [send_notice, send_test]
