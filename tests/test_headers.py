"""Security headers on every kind of response, and HSTS only where HTTPS is in use."""

import pytest
from flask import abort

from core.permissions import public

SECURITY_HEADERS = ("Content-Security-Policy", "X-Frame-Options", "X-Content-Type-Options",
                    "Referrer-Policy", "Permissions-Policy", "Cross-Origin-Opener-Policy")


def directives(response) -> dict[str, str]:
    policy = response.headers["Content-Security-Policy"]
    return {name: rest.strip() for name, _, rest in
            (part.strip().partition(" ") for part in policy.split(";"))}


def assert_protected(response) -> None:
    for name in SECURITY_HEADERS:
        assert response.headers.get(name), f"{response.request.path}: no {name}"
    policy = directives(response)
    assert policy["script-src"] == "'self'"  # no inline script, no eval
    assert "unsafe-inline" not in response.headers["Content-Security-Policy"]
    assert "unsafe-eval" not in response.headers["Content-Security-Policy"]
    assert policy["default-src"] == "'self'" and policy["object-src"] == "'none'"
    assert policy["frame-ancestors"] == "'none'" and policy["base-uri"] == "'self'"
    assert policy["form-action"] == "'self'"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers.get_all("Content-Security-Policy") == [
        response.headers["Content-Security-Policy"]]


@pytest.fixture
def failing_app(app_factory):
    """An app with one route that fails the way a bug would, to see the 500's headers."""
    app = app_factory()

    @app.route("/boom")
    @public
    def boom():
        raise RuntimeError("a bug")

    @app.route("/gone")
    @public
    def gone():
        abort(410)

    app.config["PROPAGATE_EXCEPTIONS"] = False
    with app.app_context():
        yield app


def test_every_kind_of_response_carries_the_headers(app, client, make_school, make_user):
    school = make_school("headers-school")
    user = make_user(school)
    kinds = {
        "page": client.get("/login"),
        "redirect": client.get("/t/headers-school/"),
        "api": client.get("/api/v1/me", headers=user.headers),
        "problem": client.get("/api/v1/me"),
        "not found": client.get("/no/such/page"),
        "api not found": client.get("/api/v1/no-such-thing", headers=user.headers),
        "wrong method": client.delete("/healthz"),
        "static": client.get("/assets/houqin.css"),
        "script": client.get("/assets/houqin.js"),
        "openapi": client.get("/api/v1/openapi.json"),
        "api docs page": client.get("/api/v1/docs"),
        "api docs asset": client.get("/api/v1/docs/assets/swagger-ui-bundle.js"),
        "liveness": client.get("/healthz"),
        "readiness": client.get("/readyz"),
    }
    assert kinds["page"].status_code == 200 and kinds["redirect"].status_code == 302
    assert kinds["api"].status_code == 200 and kinds["problem"].status_code == 401
    assert kinds["problem"].mimetype == "application/problem+json"
    assert kinds["not found"].status_code == 404 and kinds["api not found"].status_code == 404
    assert kinds["wrong method"].status_code == 405
    assert all(kinds[k].status_code == 200 for k in (
        "static", "script", "openapi", "api docs page", "api docs asset", "liveness",
        "readiness"))
    for kind, response in kinds.items():
        assert_protected(response), kind
        # Plain HTTP without secure cookies: HSTS would be ignored, and is not sent.
        assert "Strict-Transport-Security" not in response.headers, kind


def test_errors_from_a_failing_route_carry_the_headers(failing_app):
    client = failing_app.test_client()
    crashed = client.get("/boom")
    assert crashed.status_code == 500
    assert_protected(crashed)
    gone = client.get("/gone")
    assert gone.status_code == 410
    assert_protected(gone)


def test_hsts_only_where_https_is_configured(app_factory):
    plain = app_factory()
    assert "Strict-Transport-Security" not in plain.test_client().get("/healthz").headers
    # The request itself came over HTTPS.
    direct = plain.test_client().get("/healthz", base_url="https://localhost")
    assert direct.headers["Strict-Transport-Security"] == "max-age=31536000"

    # HOUQIN_SECURE_COOKIES=1: the operator says the site is HTTPS (a proxy ends TLS).
    secure = app_factory(SESSION_COOKIE_SECURE=True, HSTS_SECONDS=600)
    sent = secure.test_client().get("/healthz")
    assert sent.headers["Strict-Transport-Security"] == "max-age=600"

    # Through one trusted proxy that says the client used HTTPS.
    proxied = app_factory(PROXY_COUNT=1)
    via_proxy = proxied.test_client().get("/healthz", headers={"X-Forwarded-Proto": "https"})
    assert "Strict-Transport-Security" in via_proxy.headers
    # An untrusted client claiming HTTPS without a proxy in front is not believed.
    claimed = plain.test_client().get("/healthz", headers={"X-Forwarded-Proto": "https"})
    assert "Strict-Transport-Security" not in claimed.headers

    off = app_factory(SESSION_COOKIE_SECURE=True, HSTS_SECONDS=0)
    assert "Strict-Transport-Security" not in off.test_client().get("/healthz").headers


def test_the_api_docs_page_starts_swagger_ui_from_a_file(client):
    page = client.get("/api/v1/docs").get_data(as_text=True)
    assert "/assets/api-docs.js" in page and 'data-spec-url="/api/v1/openapi.json"' in page
    assert "SwaggerUIBundle(" not in page  # the start-up is no longer inline
