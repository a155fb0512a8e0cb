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


# Worked out once: a response without a page's own style block (every API answer) carries
# the same policy, and the other headers never change.
_PLAIN_POLICY = content_security_policy()
_FIXED = (
    ("X-Frame-Options", "DENY"),
    ("X-Content-Type-Options", "nosniff"),
    # A school's host name and paths (which name pupils and bills) stay on our own pages.
    ("Referrer-Policy", "same-origin"),
    ("Permissions-Policy", PERMISSIONS),
    ("Cross-Origin-Opener-Policy", "same-origin"),
)


def _add_headers(response: Response) -> Response:
    headers = response.headers
    # A header the view set itself is kept (it is the more particular); the rest are added.
    present = {key.lower() for key, _value in headers}
    if "content-security-policy" not in present:
        nonce = request.environ.get(NONCE_KEY)
        headers.add("Content-Security-Policy",
                    content_security_policy(nonce) if nonce else _PLAIN_POLICY)
    for name, value in _FIXED:
        if name.lower() not in present:
            headers.add(name, value)
    max_age = current_app.config.get("HSTS_SECONDS", 0)
    if max_age and https_in_use() and "strict-transport-security" not in present:
        headers.add("Strict-Transport-Security", f"max-age={max_age}")
    return response


def install(app: Flask) -> None:
    app.after_request(_add_headers)
    app.jinja_env.globals["csp_nonce"] = csp_nonce
    api_docs.install(app)
