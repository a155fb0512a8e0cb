"""How a request finds its school, its person and its module, before any view runs.

Order: a request id; the school named by host, path prefix ``/t/<slug>/`` or (API only)
the ``X-Tenant`` header, which must all agree; the person (bearer token or session); the
school's status; the module the route belongs to, which must be on for that school; and
the person's roles there. Whatever is bound here is unbound when the request ends.
"""

from __future__ import annotations

import logging
import re
import time
import uuid

from flask import Flask, current_app
from flask import g as g_proxy
from flask import request as request_proxy
from flask_babel import gettext as _

from core import audit
from core.api.body import UnreadableJson, loaded
from core.api.errors import Forbidden, Invalid, NotFound, Problem, Unauthorized
from core.auth import authenticate, build_principal
from core.extensions import db
from core.permissions import PUBLIC, declared, enforce
from core.schools.models import TenantStatus
from core.schools.modules import enabled_modules
from core.schools.registry import slug_from_host, tenant_by_id, tenant_by_slug
from core.state import kernel
from core.tenancy import bind_request_tenant, unbind_request_tenant
from core.text import refused_in, shown

log = logging.getLogger("houqin.requests")
# Probes at the root answer about the process itself, even when the database is down.
PROBE_ENDPOINTS = frozenset({"health.healthz", "health.readyz"})
_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
_PREFIX = re.compile(r"^/t/([a-z0-9][a-z0-9-]{0,62})(/.*|)$")
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class TenantPrefixMiddleware:
    """Moves ``/t/<slug>`` from the path into SCRIPT_NAME, so routes are declared once and
    ``url_for`` keeps the prefix in every link."""

    def __init__(self, wsgi_app) -> None:
        self.wsgi_app = wsgi_app

    def __call__(self, environ, start_response):
        match = _PREFIX.match(environ.get("PATH_INFO", ""))
        if match:
            slug, rest = match.groups()
            environ["houqin.prefix_slug"] = slug
            environ["SCRIPT_NAME"] = environ.get("SCRIPT_NAME", "") + f"/t/{slug}"
            environ["PATH_INFO"] = rest or "/"
        return self.wsgi_app(environ, start_response)


class BadTenantRequest(Problem):
    status, slug = 400, "school-mismatch"


def _requested_slug(app: Flask) -> tuple[str | None, bool]:
    """The school the request names, and whether it came from the X-Tenant header."""
    request = request_proxy._get_current_object()
    named = {}
    if host_slug := slug_from_host(request.host, app.config.get("SERVER_NAME_FOR_TENANTS")):
        named["host"] = host_slug
    if prefix_slug := request.environ.get("houqin.prefix_slug"):
        named["path"] = prefix_slug
    header = request.headers.get("X-Tenant")
    if header is not None and request.path.startswith("/api/"):
        header = header.strip().lower()
        if not _SLUG.match(header):
            raise BadTenantRequest(_("X-Tenant must be a school's short name (lowercase letters, "
                                     "digits and hyphens)"))
        named["X-Tenant"] = header
    if len(set(named.values())) > 1:
        raise BadTenantRequest(
            "the request names different schools: "
            + ", ".join(f"{where} {slug!r}" for where, slug in named.items())
        )
    slug = next(iter(named.values()), None)
    return slug, "X-Tenant" in named


def _is_public(app: Flask) -> bool:
    request = request_proxy._get_current_object()
    view = app.view_functions.get(request.endpoint)
    return view is not None and declared(view, request.method) == PUBLIC


# Per-request values on ``g``; cleared first, so nothing of an earlier request that shared the
# app context (a CLI command, a test, a job) can stand in for this one's.
_REQUEST_KEYS = ("principal", "tenant", "enabled_modules", "_flask_babel")


def _begin_request() -> None:
    # The objects behind the proxies, looked up once: each proxied access is a context lookup.
    app = current_app._get_current_object()
    request, g = request_proxy._get_current_object(), g_proxy._get_current_object()
    for key in _REQUEST_KEYS:
        g.pop(key, None)
    g.started = time.perf_counter()
    supplied = request.headers.get("X-Request-Id", "")
    g.request_id = supplied if _REQUEST_ID.match(supplied) else uuid.uuid4().hex
    if request.endpoint in PROBE_ENDPOINTS and "houqin.prefix_slug" not in request.environ:
        return

    slug, from_header = _requested_slug(app)
    user, token = authenticate()
    g.actor_token = audit.set_request_actor(audit.Actor(
        user_id=user.id if user else None,
        source="api" if request.path.startswith("/api/") else "web",
        address=request.remote_addr, request_id=g.request_id,
    ))
    tenant = None
    if slug is not None:
        tenant = tenant_by_slug(slug)
        if tenant is None:
            raise NotFound(_("there is no school '%(slug)s' here", slug=slug))
    elif token is not None:
        tenant = tenant_by_id(token.tenant_id)
    if tenant is not None and token is not None and token.tenant_id != tenant.id:
        raise Forbidden(_("this token belongs to another school"))
    if tenant is not None and tenant.status == TenantStatus.SUSPENDED:
        raise Forbidden(_("%(school)s is suspended; ask the district administrator",
                          school=tenant.name))
    g.tenant = tenant
    g.tenant_token = bind_request_tenant(tenant)

    owner = kernel().blueprint_owners.get(request.blueprint or "")
    if owner is not None and user is None and not _is_public(app):
        # Sign-in first, so that no one can probe which modules a school has switched on.
        raise Unauthorized()
    if owner is not None:
        g.enabled_modules = enabled_modules() if tenant else set()
        if owner not in g.enabled_modules:
            raise NotFound()

    if user is not None:
        principal = build_principal(user, tenant, token)
        if tenant is not None and from_header and not principal.is_member:
            raise Forbidden(_("you hold no role in %(school)s", school=tenant.name))
        g.principal = principal
    # The permission before the input, so that a request learns nothing of how its input
    # would be judged before it is known to be allowed at all.
    _require_declared_permission(app)
    if user is not None or _is_public(app):
        _refuse_unholdable_values()


def _require_declared_permission(app: Flask) -> None:
    """The permission the view declares, checked before its input is: whoever may not do a
    thing gets 401 or 403, never a 422 about a field. The view checks it again itself."""
    request = request_proxy._get_current_object()
    if request.method == "OPTIONS":
        return
    view = app.view_functions.get(request.endpoint)
    if view is None:
        return
    permission = declared(view, request.method)
    if permission is not None and permission != PUBLIC:
        enforce(permission)


def _refuse_unholdable_values() -> None:
    """What no field can keep, refused before any view reads it (``core.text``). The address's
    parts and the query's arguments are one line each. A text anywhere in a JSON body is
    refused for a character no text holds; whether it may break lines is for the schema that
    loads it. A form value is refused here only for a NUL, which no one types: the schema
    that loads the form judges the rest, so the page shows the refusal next to the field."""
    request = request_proxy._get_current_object()
    errors = {}
    for name, value in (request.view_args or {}).items():
        if why := refused_in(value, multiline=False):
            errors[shown(name)] = why
    for name, values in request.args.lists():
        texts = (refused_in(text, multiline=False) for text in (name, *values))
        if why := next(filter(None, texts), None):
            errors[shown(name)] = why
    # Not an upload's form: reading it here would read the file before the view can bound it.
    form = request.form if request.mimetype == "application/x-www-form-urlencoded" else {}
    for name, values in (form.lists() if form else ()):
        if "\x00" in name or any("\x00" in value for value in values):
            errors[shown(name)] = refused_in("\x00")
    # The body is read here, within bounds, so that no decoder after this one can fail on it.
    if request.is_json and (data := request.get_data(cache=True)).strip():
        try:
            body = loaded(data)
        except UnreadableJson as exc:
            raise Problem(str(exc), errors={"json": [str(exc)]}) from None
        if why := refused_in(body):
            errors.update(why if isinstance(why, dict) else {"json": why})
    if errors:
        # The detail names each field too: a page shows the detail, not the list of errors.
        raise Invalid("; ".join(f"{name}: {' '.join(why) if isinstance(why, list) else why}"
                                for name, why in errors.items()), errors=errors)


def _finish_request(response):
    request = request_proxy._get_current_object()
    g = g_proxy._get_current_object()
    principal = getattr(g, "principal", None)
    # District staff reading a school is itself a fact the school can see.
    if (principal is not None and principal.via_district and request.method == "GET"
            and response.status_code < 400):
        audit.record("district_read", "request", entity_id=request.path)
        db.session.commit()
    response.headers["X-Request-Id"] = g.get("request_id", "")
    if request.endpoint not in PROBE_ENDPOINTS:
        took = (time.perf_counter() - g.get("started", time.perf_counter())) * 1000
        log.info("%s %s %s %.1fms", request.method, request.full_path.rstrip("?"),
                 response.status_code, took)
    return response


def _end_request(exc) -> None:
    g = g_proxy._get_current_object()
    # Popped, so a context that is torn down twice (a preserved test context) unbinds once.
    if (tenant_token := g.pop("tenant_token", None)) is not None:
        unbind_request_tenant(tenant_token)
    if (actor_token := g.pop("actor_token", None)) is not None:
        audit.reset_actor(actor_token)


def install(app: Flask) -> None:
    app.wsgi_app = TenantPrefixMiddleware(app.wsgi_app)
    app.before_request(_begin_request)
    app.after_request(_finish_request)
    app.teardown_request(_end_request)

