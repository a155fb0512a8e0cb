"""API conventions: problem+json, pagination bounds, OpenAPI, probes, request ids, logs."""

import json
import logging

import pytest
from houqin_testnotes.models import Note

from core.extensions import db
from core.tenancy import tenant_context

pytestmark = pytest.mark.houqin_plugins("notes")


@pytest.fixture
def admin(app, make_school, make_user):
    school = make_school("api-school", modules=("notes",))
    with tenant_context(school):
        db.session.add_all([Note(title=f"note {i:03}") for i in range(120)])
        db.session.commit()
    return make_user(school, "school_admin")


def test_validation_errors_are_problem_json_naming_each_field(client, admin):
    response = client.post("/api/v1/notes", json={"title": "", "body": 5, "extra": 1},
                           headers=admin.headers)
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    problem = response.get_json()
    assert problem["type"].endswith("/invalid") and problem["status"] == 422
    assert set(problem["errors"]) == {"title", "body", "extra"}


def test_a_service_rule_is_a_4xx_and_writes_nothing(client, admin, app):
    client.put("/api/v1/modules/notes", json={"enabled": True,
                                              "settings": {"max_body_length": 10}},
               headers=admin.headers)
    response = client.post("/api/v1/notes", json={"title": "long", "body": "x" * 11},
                           headers=admin.headers)
    assert response.status_code == 422
    assert response.get_json()["errors"] == {"body": ["at most 10 characters in this school"]}
    listing = client.get("/api/v1/notes?page_size=100&page=2", headers=admin.headers)
    assert "long" not in [n["title"] for n in listing.get_json()]


def test_lists_are_paginated_with_a_hard_maximum(client, admin):
    first = client.get("/api/v1/notes", headers=admin.headers)
    assert len(first.get_json()) == 50
    pagination = json.loads(first.headers["X-Pagination"])
    assert pagination["total"] == 121 and pagination["total_pages"] == 3
    last = client.get("/api/v1/notes?page=3", headers=admin.headers)
    assert len(last.get_json()) == 21
    too_big = client.get("/api/v1/notes?page_size=101", headers=admin.headers)
    assert too_big.status_code == 422 and "page_size" in too_big.get_json()["errors"]


def test_missing_sign_in_and_missing_permission(client, admin, make_user, app):
    response = client.get("/api/v1/notes", headers={"X-Tenant": "api-school"})
    assert response.status_code == 401
    assert response.get_json()["title"]
    from core.schools.registry import tenant_by_slug

    guardian = make_user(tenant_by_slug("api-school"), "guardian")
    response = client.post("/api/v1/notes", json={"title": "x"}, headers=guardian.headers)
    assert response.status_code == 403
    assert "notes.write" in response.get_json()["detail"]


def test_sign_in_and_permission_come_before_the_input_is_checked(client, admin, make_user):
    from core.schools.registry import tenant_by_slug

    bad = {"title": "", "body": 5, "extra": 1}
    anonymous = client.post("/api/v1/notes", json=bad, headers={"X-Tenant": "api-school"})
    assert anonymous.status_code == 401
    guardian = make_user(tenant_by_slug("api-school"), "guardian")
    refused = client.post("/api/v1/notes", json=bad, headers=guardian.headers)
    assert refused.status_code == 403 and "errors" not in refused.get_json()
    nul = client.post("/api/v1/notes", json={"title": "a\x00b"}, headers=guardian.headers)
    assert nul.status_code == 403
    allowed = client.post("/api/v1/notes", json=bad, headers=admin.headers)
    assert allowed.status_code == 422


def test_school_required_is_explained(client, app):
    response = client.get("/api/v1/school")
    assert response.status_code in (400, 401)
    response = client.get("/api/v1/modules")
    assert response.mimetype == "application/problem+json"


def test_openapi_document_and_docs_page_are_served_without_a_cdn(client, app):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert spec["info"]["title"] == "Houqin API"
    assert "/api/v1/notes" in spec["paths"] and "/api/v1/modules/{name}" in spec["paths"]
    page = client.get("/api/v1/docs").get_data(as_text=True)
    assert "//cdn" not in page and "https://" not in page
    assert client.get("/api/v1/docs/assets/swagger-ui-bundle.js").status_code == 200


def test_health_and_readiness(client, app):
    assert client.get("/healthz").get_json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.get_json()["checks"]["database"] == "ok"


def test_readiness_fails_when_the_database_is_gone(app_factory, tmp_path):
    app = app_factory(plugins=["notes"], SQLALCHEMY_DATABASE_URI="sqlite:///" + str(
        tmp_path / "missing" / "nowhere.db"))
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["checks"]["database"].startswith("error")


def test_request_id_is_echoed_and_logged_with_the_school(client, admin, app):
    from core.logs import ContextFilter, JsonFormatter

    assert isinstance(logging.getLogger("houqin").handlers[0].formatter, JsonFormatter)
    records: list[logging.LogRecord] = []
    capture = logging.Handler()
    capture.addFilter(ContextFilter())
    capture.emit = records.append
    logging.getLogger("houqin").addHandler(capture)
    try:
        response = client.get("/api/v1/notes?page_size=5",
                              headers={**admin.headers, "X-Request-Id": "abc-123"})
    finally:
        logging.getLogger("houqin").removeHandler(capture)
    assert response.headers["X-Request-Id"] == "abc-123"
    line = json.loads(JsonFormatter().format(records[-1]))
    assert (line["tenant"], line["request_id"]) == ("api-school", "abc-123")
    assert line["message"].startswith("GET /api/v1/notes?page_size=5 200 ")


def test_absurd_page_and_malformed_school_header_are_4xx(client, admin):
    response = client.get("/api/v1/notes?page=100000000000000000000", headers=admin.headers)
    assert response.status_code == 422 and "page" in response.get_json()["errors"]
    response = client.get("/api/v1/school", headers={**admin.headers, "X-Tenant": "api\x00school"})
    assert response.status_code == 400 and "X-Tenant" in response.get_json()["detail"]
