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
from flask_babel import ngettext
from marshmallow import ValidationError
from sqlalchemy import select

from core.db import utcnow
from core.db.races import first_writer
from core.extensions import db
from core.jobs import JobContext, enqueue
from core.jobs.models import JobRun
from core.notifications import sealing
from core.notifications.channels import (
    ChannelFailed,
    ChannelKind,
    Message,
    channel_kinds,
    chosen_kinds,
    notice_kinds,
)
from core.notifications.models import Notification, NotificationChannel
from core.rules import RuleBroken
from core.tenancy import current_tenant, require_tenant

log = logging.getLogger("houqin.notifications")

TEST_TITLE = _l("Houqin test message")
# Whoever asks for a test message manages the channels: they receive it.
TEST_READERS_PERMISSION = "core.channels.manage"


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


# What each secret setting of a channel is, as answers and pages say it (never its value).
SET, NOT_SET, REENTER = "set", "not set", "re-enter"
SECRET_STATES = {SET: _l("Set"), NOT_SET: _l("Not set"),
                 REENTER: _l("Must be re-entered")}


def secret_fields(found: NotificationChannel) -> list[str]:
    kind = kind_of(found)
    return kind.secret_fields() if kind else []


def _opened(found: NotificationChannel) -> dict[str, Any] | None:
    """The channel's secrets; None when this deployment's keys cannot open them."""
    try:
        return sealing.unseal(found.secrets)
    except sealing.Unreadable:
        return None


def secret_states(found: NotificationChannel) -> dict[str, str]:
    """Each secret setting: set, not set, or to be re-entered (sealed with a key this
    deployment no longer has, or left behind by a school file; a required one missing)."""
    kind = kind_of(found)
    if kind is None:
        return {}
    opened = _opened(found)
    fields_of = kind.settings().fields
    states = {}
    for key in kind.secret_fields():
        if opened is not None and opened.get(key) not in (None, ""):
            states[key] = SET
        elif opened is None or fields_of[key].required:
            states[key] = REENTER
        else:
            states[key] = NOT_SET
    return states


def needs_secrets(found: NotificationChannel) -> bool:
    return REENTER in secret_states(found).values()


def shown_settings(found: NotificationChannel) -> dict[str, Any]:
    """The settings as they may be shown back: the plain ones only."""
    secrets = set(secret_fields(found))
    return {key: value for key, value in (found.settings or {}).items() if key not in secrets}


def _settings(kind: ChannelKind, given: dict[str, Any], found: NotificationChannel | None
              ) -> tuple[dict[str, Any], str | None]:
    """The kind's settings loaded from what was sent over what is stored, split into the
    plain ones and the sealed secrets. A secret left out or empty keeps its stored value;
    a secret given as None is cleared. Errors name ``settings.<field>``."""
    secrets = set(kind.secret_fields())
    opened = (_opened(found) or {}) if found is not None else {}
    merged = {**(found.settings if found is not None else {}), **opened}
    for key, value in given.items():
        if key in secrets and value is None:
            merged.pop(key, None)
        elif key in secrets and value == "":
            continue
        else:
            merged[key] = value
    try:
        loaded = kind.settings().load(merged)
    except ValidationError as exc:
        messages = exc.normalized_messages()
        raise ValidationError({f"settings.{key}": value for key, value in messages.items()}
                              if isinstance(messages, dict) else {"settings": messages}) from None
    plain = {key: value for key, value in loaded.items() if key not in secrets}
    sealed = {key: value for key, value in loaded.items()
              if key in secrets and value not in (None, "")}
    if found is not None and sealed == opened and sealing.sealed_with_current_key(found.secrets):
        return plain, found.secrets  # unchanged: the audit trail shows no change of secret
    return plain, sealing.seal(sealed)


def create(data: dict[str, Any]) -> NotificationChannel:
    require_tenant()
    kind = channel_kinds()[data["kind"]]
    notices = data.get("notices")
    plain, sealed = _settings(kind, data.get("settings") or {}, None)
    made = NotificationChannel(
        kind=kind.name, title=data["title"].strip(), enabled=data.get("enabled", True),
        notices=sorted(notice_kinds()) if notices is None else sorted(set(notices)),
        settings=plain, secrets=sealed)
    db.session.add(made)
    db.session.flush()
    log.info("notification channel %s (%s) added", made.id, made.kind)
    return made


def _check_version(found: NotificationChannel, version: int | None) -> None:
    if version != found.version:
        raise RuleBroken(_("Someone else changed this channel meanwhile (now version "
                           "%(version)s); reload it and check.", version=found.version),
                         "version", status=409)


def change(channel_id: uuid.UUID, data: dict[str, Any]) -> NotificationChannel:
    """Change a channel as it was at ``data["version"]`` (the version its editor saw): a
    channel changed since is refused with 409 naming ``version``."""
    found = channel(channel_id)
    _check_version(found, data.get("version"))
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
        found.settings, found.secrets = _settings(kind, data["settings"] or {}, found)
    found.updated_at = utcnow()
    # Another save that passed the check at the same moment moved the version first.
    first_writer(db.session.flush, field="version",
                 message=_("Someone else changed this channel meanwhile; reload it and "
                           "check."))
    log.info("notification channel %s (%s) changed", found.id, found.kind)
    return found


def remove(channel_id: uuid.UUID) -> None:
    """Remove a channel; the audit trail keeps who removed it and what it was."""
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
        if kind in chosen_kinds(found.notices) or kind in (found.notices or [])]
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


def _loaded(found: NotificationChannel, kind: ChannelKind) -> dict[str, Any]:
    """The settings a send uses, secrets opened; a secret that must be re-entered is a
    failure that says so (the job lists it as failed), never the secret."""
    opened = _opened(found)
    if opened is None or needs_secrets(found):
        raise ChannelFailed(_("The channel's secret must be re-entered on its page."))
    if found.secrets and not sealing.sealed_with_current_key(found.secrets):
        found.secrets = sealing.seal(opened)  # opened with a fallback key: take the new one
    return kind.settings().load({**(found.settings or {}), **opened})


def _deliver(found: NotificationChannel, message: Message) -> None:
    kind = kind_of(found)
    if kind is None:
        raise RuntimeError(_("The module that sends this kind of channel is not installed."))
    kind.send(_loaded(found, kind), message, _timeout())
    log.info("notice sent through channel %s (%s)", found.id, found.kind)


def readers(permission: str, user_id: int | None = None) -> tuple[list[str], int]:
    """The e-mail addresses of the people of this school who hold ``permission`` through
    their roles here (only ``user_id``, when given), and how many of them have none: the
    people a notice is for, as the in-app list shows it to them."""
    from core.auth import SELF_PERMISSION
    from core.identity.models import Membership, User
    from core.state import kernel

    granted = {role for role, in db.session.execute(
        select(Membership.role).where(Membership.deactivated_at.is_(None)).distinct())
        if permission == SELF_PERMISSION
        or permission in kernel().permissions.granted([role])}
    if not granted:
        return [], 0
    query = (select(User.id, User.email).join(Membership, Membership.user_id == User.id)
             .where(Membership.role.in_(sorted(granted)), Membership.deactivated_at.is_(None),
                    User.is_active.is_(True)).distinct())
    if user_id is not None:
        query = query.where(User.id == user_id)
    found = db.session.execute(query.order_by(User.id)).all()
    emails = sorted({email for _id, email in found if email})
    return emails, sum(1 for _id, email in found if not email)


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
    emails, skipped = readers(notice.permission, notice.user_id) \
        if (found.settings or {}).get("readers") else ([], 0)
    _deliver(found, Message(title, text_of(notice), _link(), tuple(emails)))
    if skipped:
        log.info("notice %s: %s readers without an e-mail address skipped", notice.id, skipped)
        return ngettext("Sent; %(num)s person without an e-mail address was skipped.",
                        "Sent; %(num)s people without an e-mail address were skipped.",
                        skipped)
    return "sent"


def send_test(ctx: JobContext, channel_id: str) -> str:
    found = db.session.scalar(select(NotificationChannel)
                              .where(NotificationChannel.id == uuid.UUID(channel_id)))
    if found is None:
        return "skipped"
    # Written to the people a notice is for: the test goes to the one who asked for it.
    emails = readers(TEST_READERS_PERMISSION, ctx.run.user_id)[0] \
        if (found.settings or {}).get("readers") and ctx.run.user_id is not None else []
    _deliver(found, Message(str(TEST_TITLE), _(
        "If you can read this, notices of this school reach the channel %(channel)s.",
        channel=found.title), _link(), tuple(emails)))
    return "sent"


JOBS = [send_notice, send_test]
