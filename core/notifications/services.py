"""Raise, list and read notifications, for the school in context."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext
from sqlalchemy import delete, or_, select

from core.db import utcnow
from core.db.races import first_writer
from core.extensions import db
from core.rules import RuleBroken
from core.tenancy import require_tenant

from .models import Notification, NotificationRead


def notify(key: str, permission: str, message: str, params: dict[str, Any] | None = None,
           source: str = "core", endpoint: str | None = None,
           endpoint_args: dict[str, Any] | None = None,
           user_id: int | None = None, kind: str | None = None) -> Notification:
    """Raise the notification ``key`` for everyone here who holds ``permission`` (or only for
    ``user_id``, when given, if they hold it).

    ``kind`` is the notice kind (declared with ``houqin_notice_kinds``; the ``source`` when
    not given) by which the school routes it to its channels: a new notice, or one whose
    text changed, is sent once to each channel that takes its kind (a job per channel).

    ``message`` is an untranslated msgid (mark it with ``N_`` so it is extracted) with
    ``%(name)s`` placeholders filled from ``params``. Raising the same key again updates it;
    when its text changes, it becomes unread again for everyone.
    """
    require_tenant()
    params, endpoint_args = params or {}, endpoint_args or {}
    found = _by_key(key)
    if found is None:
        # Raised by two requests at once (a notice is a side effect of their own writes, which
        # must not fail for it): the first one's row is the notification, updated below.
        new = Notification(key=key, permission=permission, source=source, message=message,
                           params=params, endpoint=endpoint, endpoint_args=endpoint_args,
                           user_id=user_id)
        found = first_writer(new, field="key", winner=lambda: _by_key(key))
        if found is new:
            _send(found, kind or source)
            return found
    if (found.message, found.params) != (message, params):
        found.message, found.params, found.updated_at = message, params, utcnow()
        found.endpoint, found.endpoint_args = endpoint, endpoint_args
        db.session.execute(delete(NotificationRead)
                           .where(NotificationRead.notification_id == found.id))
        db.session.flush()
        _send(found, kind or source)
    db.session.flush()
    return found


def _send(found: Notification, kind: str) -> None:
    from core.notifications.delivery import route

    route(found, kind)


@dataclass(frozen=True)
class Shown:
    notification: Notification
    text: str
    read: bool


def text_of(found: Notification) -> str:
    return gettext(found.message, **found.params)


def inbox(user_id: int, permissions: frozenset[str], unread_only: bool = False,
          limit: int = 100) -> list[Shown]:
    """The notifications this person may see here, newest first."""
    require_tenant()
    read = set(db.session.scalars(select(NotificationRead.notification_id)
                                  .where(NotificationRead.user_id == user_id)))
    rows = db.session.scalars(select(Notification)
                              .where(Notification.permission.in_(sorted(permissions)),
                                     or_(Notification.user_id.is_(None),
                                         Notification.user_id == user_id))
                              .order_by(Notification.updated_at.desc(), Notification.key)
                              .limit(limit)).all()
    shown = [Shown(row, text_of(row), row.id in read) for row in rows]
    return [s for s in shown if not s.read] if unread_only else shown


def _by_key(key: str) -> Notification | None:
    return db.session.scalar(select(Notification).where(Notification.key == key)
                             .execution_options(populate_existing=True))


def unread_count(user_id: int, permissions: frozenset[str]) -> int:
    return len(inbox(user_id, permissions, unread_only=True))


def mark_read(notification_id: uuid.UUID, user_id: int, permissions: frozenset[str]) -> None:
    found = db.session.scalar(select(Notification).where(Notification.id == notification_id))
    if found is None or found.permission not in permissions or \
            found.user_id not in (None, user_id):
        raise RuleBroken(gettext("no such notification for you in this school"),
                         "notification_id", status=404)
    def already() -> uuid.UUID | None:
        return db.session.scalar(select(NotificationRead.notification_id).where(
            NotificationRead.notification_id == found.id, NotificationRead.user_id == user_id))

    if already() is None:  # read on two screens at once: once is enough
        first_writer(NotificationRead(notification_id=found.id, user_id=user_id),
                     field="notification_id", winner=already)


def mark_all_read(user_id: int, permissions: frozenset[str]) -> int:
    unread = inbox(user_id, permissions, unread_only=True, limit=10_000)

    def add_all() -> int:
        for shown in unread:
            db.session.add(NotificationRead(notification_id=shown.notification.id,
                                            user_id=user_id))
        db.session.flush()
        return len(unread)

    # One of them read on another screen meanwhile: mark what is still unread now.
    return first_writer(add_all, field="notification_id",
                        winner=lambda: mark_all_read(user_id, permissions))
