"""How a request finds its school: host name, path prefix, or X-Tenant for the API."""

import pytest

from core.testing import signed_in

pytestmark = pytest.mark.houqin_plugins("notes")


@pytest.fixture
def setup(app, make_school, make_user):
    a = make_school("east", modules=("notes",), domains=("east.school.example.cn",))
    b = make_school("west", modules=("notes",))
    c = make_school("closed", status="suspended", modules=("notes",))
    return {
        "a": a, "b": b, "c": c,
        "admin_a": make_user(a, "school_admin"),
        "admin_b": make_user(b, "school_admin"),
        "admin_c": make_user(c, "school_admin"),
    }


def school_of(response):
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()["slug"]


def test_token_alone_names_its_school(client, setup):
    assert school_of(client.get("/api/v1/school", headers=setup["admin_a"].headers)) == "east"


def test_path_prefix(client, setup):
    response = client.get("/t/east/api/v1/school", headers=setup["admin_a"].headers)
    assert school_of(response) == "east"


def test_custom_domain(client, setup):
    response = client.get("/api/v1/school", headers=setup["admin_a"].headers,
                          base_url="http://east.school.example.cn")
    assert school_of(response) == "east"


def test_subdomain_of_server_name(app, client, setup):
    app.config["SERVER_NAME_FOR_TENANTS"] = "houqin.example.cn"
    response = client.get("/api/v1/school", headers=setup["admin_b"].headers,
                          base_url="http://west.houqin.example.cn")
    assert school_of(response) == "west"


def test_x_tenant_header(client, setup):
    headers = {**setup["admin_a"].headers, "X-Tenant": "east"}
    assert school_of(client.get("/api/v1/school", headers=headers)) == "east"


def test_header_and_prefix_that_disagree_are_refused(client, setup):
    headers = {**setup["admin_a"].headers, "X-Tenant": "west"}
    response = client.get("/t/east/api/v1/school", headers=headers)
    assert response.status_code == 400
    assert "different schools" in response.get_json()["detail"]


def test_token_of_another_school_is_refused(client, setup):
    response = client.get("/t/west/api/v1/notes", headers=setup["admin_a"].headers)
    assert response.status_code == 403
    response = client.get("/api/v1/notes",
                          headers={**setup["admin_a"].headers, "X-Tenant": "west"})
    assert response.status_code == 403


def test_unknown_school_is_404(client, setup):
    response = client.get("/t/nowhere/api/v1/school", headers=setup["admin_a"].headers)
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"


def test_suspended_school_is_a_clear_403(client, setup):
    response = client.get("/api/v1/school", headers=setup["admin_c"].headers)
    assert response.status_code == 403
    assert "suspended" in response.get_json()["detail"]


def test_x_tenant_is_checked_against_the_callers_memberships(client, app, setup, make_user):
    from core.extensions import db
    from core.identity import services
    from core.tenancy import tenant_context

    # A person who holds roles in both schools, with a session (no token binds the school).
    user = make_user(setup["a"], "class_teacher", token=False)
    signed_in(client, user)
    assert school_of(client.get("/api/v1/school", headers={"X-Tenant": "east"})) == "east"
    response = client.get("/api/v1/school", headers={"X-Tenant": "west"})
    assert response.status_code == 403
    with tenant_context(setup["b"]):
        services.grant_school_role(db.session.get(services.User, user.id), "class_teacher")
        db.session.commit()
    assert school_of(client.get("/api/v1/school", headers={"X-Tenant": "west"})) == "west"


def test_x_tenant_is_ignored_outside_the_api(client, setup):
    # Pages find their school by host or prefix only; a header cannot steer them.
    response = client.get("/m/notes/", headers={**setup["admin_a"].headers, "X-Tenant": "west"})
    assert response.status_code == 200


def test_url_for_keeps_the_prefix(client, setup):
    signed_in(client, setup["admin_a"])
    response = client.get("/t/east/")
    assert response.status_code == 200
    assert 'href="/t/east/m/notes/"' in response.get_data(as_text=True)
