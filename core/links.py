"""Absolute addresses that leave the request: links in mail, addresses given to payment
providers. They are built from the configured base address (HOUQIN_BASE_URL), never from
the Host header a client sent: a forged Host would otherwise put an attacker's site in a
password-reset mail, and the reset token with it."""

from __future__ import annotations

import logging

from flask import current_app, request
from flask_babel import gettext as _

from core.api.errors import Problem

log = logging.getLogger("houqin.links")
# A one-machine install is reached by these names; nobody outside can make them mean elsewhere.
LOOPBACK = frozenset({"localhost", "127.0.0.1", "[::1]", "::1"})


class UnknownHost(Problem):
    status, slug = 400, "unknown-host"


def _hostname(host: str) -> str:
    host = host.lower()
    if host.startswith("["):
        return host.split("]", 1)[0] + "]"
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


def trusted_host(host: str) -> bool:
    """Without a base address: the host names this deployment is configured to answer to
    (HOUQIN_SERVER_NAME and its schools' sub-domains) and the loopback names."""
    name = _hostname(host)
    server = (current_app.config.get("SERVER_NAME_FOR_TENANTS") or "").lower()
    return name in LOOPBACK or (bool(server) and (name == server or name.endswith("." + server)))


def public_base() -> str:
    """The scheme and host every absolute address starts with. Without HOUQIN_BASE_URL, the
    request's own serves only when its host is trusted; any other is refused (400) rather
    than written into a link."""
    base = current_app.config.get("BASE_URL")
    if base:
        return base.rstrip("/")
    if not trusted_host(request.host):
        log.warning("refused to build a link for host %r; set HOUQIN_BASE_URL", request.host[:80])
        raise UnknownHost(_("This server does not know its public address; the operator sets"
                            " HOUQIN_BASE_URL."))
    return request.host_url.rstrip("/")


def external_url(path: str) -> str:
    """``path`` (as ``url_for`` gives it, with any /t/<school> prefix) as an absolute address."""
    return public_base() + path
