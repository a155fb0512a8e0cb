"""Security headers on every response: what a browser may load, run and frame for our pages.

Every script comes from a file the app serves (no inline script, no eval), so a stored
name that slipped past escaping still cannot run. A page's own <style> block carries the
request's nonce (``csp_nonce()`` in a template); nothing else inline is styled.
"""

from __future__ import annotations

import secrets

from flask import Flask, Response, current_app, request

from core.web import api_docs

# Hosts of photos, assets and the API are the app itself; `data:` covers the small SVG
# icons that stylesheets (ours and Swagger UI's) embed.
POLICY = (
    ("default-src", "'self'"),
    ("script-src", "'self'"),
    ("style-src", "'self'"),
    ("img-src", "'self' data:"),
    ("font-src", "'self'"),
    ("connect-src", "'self'"),
    ("object-src", "'none'"),
    ("base-uri", "'self'"),
    ("form-action", "'self'"),
    ("frame-ancestors", "'none'"),
)
# Nothing in Houqin uses these, so a page made to ask for them is refused; the camera stays
# ours, for photos of dishes and certificates taken from a file field on a phone.
PERMISSIONS = "camera=(self), microphone=(), geolocation=(), payment=(), usb=()"


NONCE_KEY = "houqin.csp_nonce"


def csp_nonce() -> str:
    """This response's nonce for a template's own <style> block. Kept with the request, not
    in ``g``: an app context (a test's, a job's) may outlive many requests."""
    if NONCE_KEY not in request.environ:
        request.environ[NONCE_KEY] = secrets.token_urlsafe(18)
    return request.environ[NONCE_KEY]


def content_security_policy(style_nonce: str | None = None) -> str:
    parts = []
    for directive, sources in POLICY:
        if directive == "style-src" and style_nonce:
            sources = f"{sources} 'nonce-{style_nonce}'"
        parts.append(f"{directive} {sources}")
    return "; ".join(parts)


def https_in_use() -> bool:
    """HTTPS is configured when the operator says so (secure cookies) or the request came
    over it (directly, or through the trusted proxies of HOUQIN_PROXY_COUNT)."""
    return bool(current_app.config.get("SESSION_COOKIE_SECURE")) or request.is_secure


def _add_headers(response: Response) -> Response:
    headers = response.headers
    headers.setdefault("Content-Security-Policy", content_security_policy(request.environ.get(NONCE_KEY)))
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("X-Content-Type-Options", "nosniff")
    # A school's host name and paths (which name pupils and bills) stay on our own pages.
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("Permissions-Policy", PERMISSIONS)
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    max_age = current_app.config.get("HSTS_SECONDS", 0)
    if max_age and https_in_use():
        headers.setdefault("Strict-Transport-Security", f"max-age={max_age}")
    return response


def install(app: Flask) -> None:
    app.after_request(_add_headers)
    app.jinja_env.globals["csp_nonce"] = csp_nonce
    api_docs.install(app)
