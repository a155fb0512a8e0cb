"""The API document is valid OpenAPI 3 and says what the routes really answer."""

from __future__ import annotations

import json
import re

import pytest
from openapi_spec_validator import validate

METHODS = ("get", "put", "post", "patch", "delete")


@pytest.fixture
def spec(client):
    return client.get("/api/v1/openapi.json").get_json()


@pytest.fixture
def school_admin(app, make_school, make_user):
    return make_user(make_school("openapi-school"))


def operations(spec):
    for path, item in spec["paths"].items():
        for method in METHODS:
            if method in item:
                yield path, method, item[method]


def component(spec, ref: dict) -> dict:
    kind, name = ref["$ref"].split("/")[-2:]
    return spec["components"][kind][name]


def test_the_document_is_valid_openapi_3(spec):
    assert spec["openapi"].startswith("3.")
    validate(spec)  # raises with the first error it finds


def test_form_fields_beside_a_file_are_one_multipart_body(spec):
    assert '"formData"' not in json.dumps(spec)
    body = spec["paths"]["/api/v1/people/imports"]["post"]["requestBody"]
    schema = body["content"]["multipart/form-data"]["schema"]
    assert {"file", "kind", "dry_run"} <= set(schema["properties"])
    assert {"file", "kind"} <= set(schema["required"])
    assert schema["properties"]["file"]["format"] == "binary"
    certificate = spec["paths"]["/api/v1/canteen/suppliers/{supplier_id}/certificates"]["post"]
    assert "parameters" not in certificate
    fields = certificate["requestBody"]["content"]["multipart/form-data"]["schema"]["properties"]
    assert {"kind", "number", "scan"} <= set(fields)


def test_decimals_are_documented_as_the_strings_they_are_sent_as(spec):
    quantity = spec["components"]["schemas"]["DeliveryItem"]["properties"]["quantity"]
    assert (quantity["type"], quantity["format"]) == ("string", "decimal")
    # Limits are numbers, as OpenAPI wants them, not the strings a Decimal dumps to.
    assert quantity["maximum"] == 100000 and isinstance(quantity["minimum"], int | float)
    temperature = spec["components"]["schemas"]["Disinfection"]["properties"]["temperature"]
    assert temperature["type"] == "string" and temperature["nullable"] is True
    assert temperature["minimum"] == 50 and temperature["maximum"] == 250


def test_fields_that_stay_empty_until_something_happens_are_nullable(spec):
    schemas = spec["components"]["schemas"]
    for field in ("voided_at", "voided_by", "void_reason", "bill_id"):
        assert schemas["FeePayment"]["properties"][field]["nullable"] is True, field
    for field in ("approved_by", "approved_at", "notice_id", "effective_on", "retired_at"):
        assert schemas["FeeItem"]["properties"][field]["nullable"] is True, field


def test_every_error_is_documented_as_problem_json(spec):
    for path, method, operation in operations(spec):
        responses = operation["responses"]
        assert "default" in responses, (method, path)
        for code, response in responses.items():
            if code != "default" and int(code) < 400:
                continue
            content = component(spec, response)["content"]
            assert list(content) == ["application/problem+json"], (method, path, code)
            assert content["application/problem+json"]["schema"] == {
                "$ref": "#/components/schemas/Problem"}
        assert "404" in responses, (method, path)
        if method != "get":
            assert {"409", "422"} <= set(responses), (method, path)
    problem = spec["components"]["schemas"]["Problem"]
    assert set(problem["required"]) == {"type", "title", "status"}


def test_open_routes_need_no_token_and_the_others_say_401_and_403(spec):
    public_notice = spec["paths"]["/api/v1/fees/public/notice"]["get"]
    assert public_notice["security"] == []
    assert "401" not in public_notice["responses"]
    me = spec["paths"]["/api/v1/me"]["get"]
    assert "security" not in me  # the document's bearer requirement applies
    assert {"401", "403"} <= set(me["responses"])
    open_ones = [(m, p) for p, m, op in operations(spec) if op.get("security") == []]
    assert ("get", "/api/v1/fees/public/notice") in open_ones
    assert ("post", "/api/v1/fees/online/{provider}/notify") in open_ones
    assert len(open_ones) < 10


def test_an_answered_problem_matches_the_documented_schema(client, spec):
    from jsonschema import validate as validate_json

    response = client.get("/api/v1/me")
    assert response.status_code == 401 and response.mimetype == "application/problem+json"
    validate_json(response.get_json(), spec["components"]["schemas"]["Problem"])


def test_a_method_a_route_does_not_answer_is_405_naming_those_it_does(client):
    response = client.delete("/api/v1/me")
    assert response.status_code == 405
    assert response.mimetype == "application/problem+json"
    assert set(response.headers["Allow"].replace(" ", "").split(",")) >= {"GET", "HEAD"}
    response = client.patch("/api/v1/canteen/dishes")
    assert response.status_code == 405 and "POST" in response.headers["Allow"]


def test_the_pagination_header_is_documented_as_the_json_it_is(client, spec, school_admin):
    from jsonschema import validate as validate_json

    header = spec["components"]["headers"]["PAGINATION"]
    assert "schema" not in header  # a bare schema would mean "total,4,page,1"
    schema = component(spec, header["content"]["application/json"]["schema"])
    response = client.get("/api/v1/jobs", headers=school_admin.headers)
    assert response.status_code == 200
    validate_json(json.loads(response.headers["X-Pagination"]), schema)


def test_the_pagination_header_says_what_flask_smorest_would():
    from flask_smorest import Blueprint

    from core.api.openapi import page_metadata

    for item_count in (0, 1, 2, 49, 50, 51, 100, 101, 999):
        for page_size in (1, 10, 50):
            for page in (1, 2, 3, 10, 11, 1000):
                ours = page_metadata(page, page_size, item_count)
                theirs = Blueprint._make_pagination_metadata(page, page_size, item_count)
                assert json.dumps(ours) == json.dumps(theirs), (page, page_size, item_count)


def test_every_api_view_is_documented_once_however_often_the_document_is_read(app, client, spec):
    # The document is written when first read, not as blueprints are registered: no view may
    # be left out, and reading it again must not add anything twice.
    api = app.extensions["flask-smorest"]["apis"][""]["ext_obj"]
    documented_blueprints = set(app.extensions["flask-smorest"]["blp_name_to_api"])
    views = {re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule)
             for rule in app.url_map.iter_rules()
             if rule.endpoint.split(".")[0] in documented_blueprints}
    assert views and views == set(spec["paths"])
    assert client.get("/api/v1/openapi.json").get_json() == spec
    assert api.spec.to_dict()["paths"].keys() == spec["paths"].keys()
    tags = [tag["name"] for tag in spec["tags"]]
    assert sorted(tags) == sorted(documented_blueprints)

def test_readers_racing_for_the_first_document_all_get_the_whole_of_it(app_factory):
    from concurrent.futures import ThreadPoolExecutor

    api = app_factory().extensions["flask-smorest"]["apis"][""]["ext_obj"]
    with ThreadPoolExecutor(4) as pool:
        documents = list(pool.map(lambda _: api.spec.to_dict(), range(4)))
    assert all(document == documents[0] for document in documents)
    assert documents[0]["paths"] and len(documents[0]["tags"]) == len(
        {tag["name"] for tag in documents[0]["tags"]})
