"""Notification channels: where a school's notices go besides the in-app list.

A channel kind (e-mail, a 企业微信 or 钉钉 group robot, or one a plugin adds through the
``houqin_notification_channels`` hook) says what it is called, which settings it needs (a
marshmallow schema whose secret fields carry ``metadata={"secret": True}``) and how it sends
one message. A notice kind (``houqin_notice_kinds``) names a family of notices a school
routes to its channels; a module may declare several (the canteen's food-safety warnings
apart from its stock reminders), each named ``<module>.<what>``. Both are collected once at
start-up, from core and every loaded plugin.

Secrets (a robot's webhook address holds its key; a signing secret) are kept sealed
(``sealing``) and are write-only: answers and pages say whether one is set, never what it
is; they are never logged, audited or put in an error message (``redact_url`` cuts an
address's key to its last characters where a reason must name the address).
"""

from __future__ import annotations

import json
import logging
import re
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, quote, urlsplit, urlunsplit

from flask import current_app
from flask_babel import gettext as _
from marshmallow import Schema, ValidationError

log = logging.getLogger("houqin.notifications")


@dataclass(frozen=True)
class Message:
    """One notice as a channel sends it: a title, the text in the school's language, and
    the page it leads to (an absolute address; None when the deployment has no BASE_URL)."""

    title: str
    text: str
    link: str | None = None
    # The e-mail addresses of the people the notice is for (the holders of its permission
    # in the school), for a channel set to write to them; empty otherwise.
    readers: tuple[str, ...] = ()


class ChannelFailed(RuntimeError):
    """A send that did not go through: the reason, readable and free of secrets. The job
    system retries it with back-off and, when it gives up, shows it in the failed list."""


@dataclass(frozen=True)
class ChannelKind:
    """A kind of channel a school may configure.

    ``send(settings, message)`` delivers one message with the channel's loaded settings
    (secrets included) within ``timeout`` seconds, and raises ``ChannelFailed`` (with no
    secret in its text) when the service refuses or cannot be reached.
    """

    name: str
    title: Any  # a lazy_gettext string
    settings: type[Schema]
    send: Callable[[dict[str, Any], Message, float], None]

    def secret_fields(self) -> list[str]:
        return [name for name, item in self.settings().fields.items()
                if item.metadata.get("secret")]


@dataclass(frozen=True)
class NoticeKind:
    """A family of notices (``notify(kind=...)``) a school routes to its channels. A
    plugin's kinds are named after it: ``canteen`` or ``canteen.<what>``."""

    name: str
    title: Any  # a lazy_gettext string
    owner: str | None = field(default=None, compare=False)

    @property
    def module(self) -> str:
        return self.name.split(".", 1)[0]


def channel_kinds() -> dict[str, ChannelKind]:
    return current_app.extensions["houqin_channels"]["channels"]


def notice_kinds() -> dict[str, NoticeKind]:
    return current_app.extensions["houqin_channels"]["notices"]


def collect(app, host) -> None:
    """At start-up: core's kinds, then each loaded plugin's; a name given twice is refused."""
    from core.notifications.robots import CORE_CHANNELS, CORE_NOTICES

    channels: dict[str, ChannelKind] = {}
    notices: dict[str, NoticeKind] = {}
    found_channels = [(None, CORE_CHANNELS)]
    found_notices = [(None, CORE_NOTICES)]
    for name in host.names:
        hooks = host.hooks_of(name)
        found_channels += [(name, kinds) for kinds in hooks.houqin_notification_channels()]
        found_notices += [(name, kinds) for kinds in hooks.houqin_notice_kinds()]
    for owner, kinds in found_channels:
        for kind in kinds or []:
            if kind.name in channels:
                raise ValueError(f"two channel kinds are named {kind.name!r} ({owner})")
            channels[kind.name] = kind
    for owner, kinds in found_notices:
        for kind in kinds or []:
            if kind.name in notices:
                raise ValueError(f"two notice kinds are named {kind.name!r} ({owner})")
            if owner is not None and kind.module != owner:
                raise ValueError(f"notice kind {kind.name!r} of {owner} must be named "
                                 f"{owner!r} or {owner + '.<what>'!r}")
            notices[kind.name] = NoticeKind(kind.name, kind.title, owner)
    app.extensions["houqin_channels"] = {"channels": channels, "notices": notices}


# --- secrets, shown ------------------------------------------------------------------------

_SECRET_PARAMS = re.compile(r"(key|token|access_token|sign|secret|password)", re.I)


def _tail(value: str) -> str:
    return "…" + value[-4:] if len(value) >= 12 else "…"


def redact_url(url: str) -> str:
    """The address with the values of its key/token/sign parameters cut to their last four
    characters, so a reader can tell robots apart without learning their keys."""
    try:
        parts = urlsplit(url)
        query = "&".join(
            f"{quote(k)}={_tail(v) if _SECRET_PARAMS.search(k) else quote(v)}"
            for k, v in parse_qsl(parts.query, keep_blank_values=True))
        netloc = parts.hostname or ""  # never a user:password@ part
        if parts.port:
            netloc += f":{parts.port}"
        return urlunsplit((parts.scheme, netloc, parts.path, query, ""))
    except ValueError:
        return "…"


def chosen_kinds(notices: list[str] | None) -> list[str]:
    """The notice kinds a channel's list takes. A module's bare name (what a channel kept
    from before the module declared several kinds) stands for each kind of that module."""
    known = notice_kinds()
    chosen = set()
    for name in notices or []:
        expanded = [] if name in known else [
            kind.name for kind in known.values() if kind.module == name]
        chosen.update(expanded or [name])
    return sorted(chosen)


# --- robots: one HTTPS POST of JSON, checked ----------------------------------------------

PLAIN_HOSTS = {"127.0.0.1", "localhost", "::1"}


def check_robot_url(url: str, official_host: str) -> None:
    """A robot's address must be HTTPS on the service's own host. Plain HTTP to this machine
    is allowed only for the hosts the deployment lists in CHANNEL_LOCAL_HOSTS (tests and a
    local relay); any other host is refused, so a school cannot make the server POST into
    its own network."""
    parts = urlsplit(url)
    local = set(current_app.config.get("CHANNEL_LOCAL_HOSTS") or ()) & PLAIN_HOSTS
    if parts.hostname in local and parts.scheme in ("http", "https"):
        return
    if parts.scheme != "https":
        raise ValidationError(_("The address must start with https://."))
    if parts.hostname != official_host:
        raise ValidationError(_("The address must be on %(host)s.", host=official_host))


def post_json(url: str, body: dict[str, Any], timeout: float, service: str) -> dict[str, Any]:
    """POST ``body`` as JSON; the answer's JSON. Both robot services answer HTTP 200 with an
    ``errcode`` (0: sent); anything else is a ``ChannelFailed`` naming the service, never the
    address's key."""
    request = urllib.request.Request(
        url, data=json.dumps(body, ensure_ascii=False).encode(), method="POST",
        headers={"Content-Type": "application/json; charset=utf-8"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            raw = response.read(65536)
    except urllib.error.HTTPError as exc:
        raise ChannelFailed(_("%(service)s answered HTTP %(status)s.", service=service,
                              status=exc.code)) from None
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise ChannelFailed(_("%(service)s could not be reached at %(url)s: %(reason)s",
                              service=service, url=redact_url(url),
                              reason=type(reason).__name__)) from None
    try:
        answer = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise ChannelFailed(_("%(service)s did not answer with JSON.",
                              service=service)) from None
    code = answer.get("errcode") if isinstance(answer, dict) else None
    if code != 0:
        raise ChannelFailed(_("%(service)s refused the message: errcode %(code)s (%(why)s).",
                              service=service, code=code,
                              why=str(answer.get("errmsg", ""))[:120]
                              if isinstance(answer, dict) else ""))
    return answer
