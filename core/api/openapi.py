"""The API document at /api/v1/openapi.json, made to say what the routes really do.

flask-smorest and apispec write most of it; this module corrects what they get wrong for
Houqin, once for core and every module:

- a decimal is sent as a string (``"37.5"``), so it is documented as ``type: string,
  format: decimal``, and its limits are numbers, not the strings JSON makes of a Decimal;
- a form with a file is one ``multipart/form-data`` body holding every field, not
  OpenAPI 2's ``in: formData`` parameters;
- every error is ``application/problem+json`` with its schema; each operation lists the
  ones it can answer (401/403 unless it is open, 404, 409 and 422 where they apply);
- an open (``@public``) route needs no bearer token: ``security: []``;
- the ``X-Pagination`` header is a JSON object.
"""

from __future__ import annotations

import http
import threading
from copy import deepcopy
from decimal import Decimal
from typing import Any

from apispec import BasePlugin
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import Flask
from flask_smorest import Api
from flask_smorest.pagination import PaginationMetadataSchema
from flask_smorest.utils import prepare_response
from marshmallow import INCLUDE, fields
from marshmallow import Schema as PlainSchema
from webargs.flaskparser import FlaskParser

from core.api.schema import Schema
from core.permissions import PUBLIC, declared

PROBLEM_JSON = "application/problem+json"
# What a decimal looks like on the wire: an optional sign, digits, an optional fraction.
DECIMAL_PATTERN = r"^-?[0-9]+(\.[0-9]+)?$"
CHANGES = ("post", "put", "patch", "delete")
NUMERIC_LIMITS = ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf")


class ProblemSchema(Schema):
    """An error, as RFC 9457 describes it; ``errors`` lists the messages of each bad field."""

    class Meta:
        unknown = INCLUDE

    type = fields.String(required=True, metadata={"format": "uri"})
    title = fields.String(required=True)
    status = fields.Integer(required=True)
    detail = fields.String()
    instance = fields.String()
    errors = fields.Dict(keys=fields.String(), metadata={
        "description": "field name → messages (a nested record nests its fields)"})


class PageParser(FlaskParser):
    """Reads a list's ``?page=&page_size=``. flask-smorest hands the parser its page-parameter
    schema as a class, which the parser would build anew for every request (deep-copying its
    fields, a tenth of a small list's cost); one instance per class serves them all, as the
    response schemas do (loading keeps no state in the schema)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._schemas: dict[type, PlainSchema] = {}

    def _get_schema(self, argmap, req) -> PlainSchema:
        if isinstance(argmap, type) and issubclass(argmap, PlainSchema):
            schema = self._schemas.get(argmap)
            if schema is None:
                schema = self._schemas[argmap] = argmap()
            return schema
        return super()._get_schema(argmap, req)


def page_metadata(page: int, page_size: int, item_count: int) -> dict[str, int]:
    """A list's ``X-Pagination`` object, as ``PaginationMetadataSchema`` documents it: the
    total, the number of pages, the first and last, and this page with its neighbours when it
    lies within them. flask-smorest builds a schema for every request to write these few
    integers; they need none."""
    found = {"total": item_count}
    if item_count == 0:
        found["total_pages"] = 0
        return found
    last = (item_count - 1) // page_size + 1
    found.update(total_pages=last, first_page=1, last_page=last)
    if page <= last:
        found["page"] = page
        if page > 1:
            found["previous_page"] = page - 1
        if page < last:
            found["next_page"] = page + 1
    return found


class DocumentedApi(Api):
    """flask-smorest's Api, with problem+json error responses, writing a blueprint's part of
    the document when the document is first read rather than when the blueprint is registered.

    Documenting a view (its parameters, bodies and answers, through apispec) is most of what
    registering an API blueprint costs, and every worker paid it at start-up for every module's
    views although few workers are ever asked for the document. Every read of ``spec`` first
    documents the blueprints registered so far, in their order, so the document is the one
    eager registration would have written, whatever else was added to it in between.
    """

    ERROR_SCHEMA = ProblemSchema
    PAGE_PARSER = PageParser()

    def __init__(self, *args, **kwargs) -> None:
        self._undocumented: list[tuple[Any, str, list | None]] = []
        self._documenting = threading.RLock()
        self._in_progress = False
        super().__init__(*args, **kwargs)

    @property
    def spec(self):
        if self._undocumented:
            self._document_registered()
        return self._spec

    @spec.setter
    def spec(self, value) -> None:
        self._spec = value

    def register_blueprint(self, blp, *, parameters=None, **options) -> None:
        # flask-smorest's own register_blueprint, less the documenting, which waits.
        blp.PAGINATION_ARGUMENTS_PARSER = self.PAGE_PARSER
        blp._make_pagination_metadata = page_metadata
        name = options.get("name", blp.name)
        self._app.extensions["flask-smorest"]["blp_name_to_api"][name] = self
        self._app.register_blueprint(blp, **options)
        self._undocumented.append((blp, name, parameters))

    def _document_registered(self) -> None:
        with self._documenting:
            if self._in_progress:  # read again from within the documenting (same thread)
                return
            self._in_progress = True
            try:
                while self._undocumented:
                    blp, name, parameters = self._undocumented[0]
                    blp.register_views_in_doc(self, self._app, self._spec, name=name,
                                              parameters=parameters)
                    self._spec.tag({"name": name, "description": blp.description})
                    del self._undocumented[0]
            finally:
                self._in_progress = False

    def _register_responses(self):
        for status in http.HTTPStatus:
            response: dict[str, Any] = {"description": status.phrase}
            if status >= 400:
                response["schema"] = self.ERROR_SCHEMA
            prepare_response(response, self.spec, PROBLEM_JSON)
            self.spec.components.response(status.name, response, lazy=True)
        default = {"description": "An error (problem+json)", "schema": self.ERROR_SCHEMA}
        prepare_response(default, self.spec, PROBLEM_JSON)
        self.spec.components.response(self.DEFAULT_ERROR_RESPONSE_NAME, default, lazy=True)

    def _register_pagination_header(self):
        # X-Pagination holds a JSON object: documented as such, not as a "simple" style header
        # (comma-separated keys and values), which is what a header's bare schema means.
        self.spec.components.header("PAGINATION", {
            "description": "The whole list: total, total_pages, first_page, last_page, page",
            "content": {"application/json": {"schema": PaginationMetadataSchema}},
        }, lazy=True)


def create_api(app: Flask) -> DocumentedApi:
    return DocumentedApi(app, spec_kwargs={"extra_plugins": [TruthfulDocument(app)]})


class TruthfulDocument(BasePlugin):
    """An apispec plugin: runs after the marshmallow plugin on every schema and operation."""

    def __init__(self, app: Flask) -> None:
        self.app = app

    def init_spec(self, spec) -> None:
        super().init_spec(spec)
        self.spec = spec
        converter = next(p for p in spec.plugins if isinstance(p, MarshmallowPlugin)).converter
        converter.add_attribute_function(decimal_as_text)
        converter.add_attribute_function(plain_numbers)

    def operation_helper(self, path=None, operations=None, **kwargs) -> None:
        rule = kwargs.get("rule")
        view = self.app.view_functions.get(rule.endpoint) if rule is not None else None
        for method, operation in (operations or {}).items():
            if not isinstance(operation, dict):
                continue
            one_multipart_body(operation, self.spec.components.schemas)
            is_public = view is not None and declared(view, method) == PUBLIC
            if is_public:
                operation["security"] = []
            document_errors(operation, method, is_public)


def decimal_as_text(self, field: fields.Field, ret: dict) -> dict:
    # Flask's JSON writes a Decimal as a string; marshmallow's Decimal reads either.
    if isinstance(field, fields.Decimal):
        out = {"type": "string", "format": "decimal", "pattern": DECIMAL_PATTERN}
        if isinstance(ret.get("default"), Decimal):
            out["default"] = str(ret["default"])
        return out
    return {}


def plain_numbers(self, field: fields.Field, ret: dict) -> dict:
    # apispec writes a Range's bounds as the field dumps them: "43.0" for a decimal.
    return {key: _number(Decimal(str(ret[key]))) for key in NUMERIC_LIMITS
            if isinstance(ret.get(key), str | Decimal)}


def _number(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


def one_multipart_body(operation: dict, components: dict) -> None:
    """Fold ``in: formData`` parameters (form fields declared beside a file) into the body."""
    parameters = operation.get("parameters") or []
    form = [p for p in parameters if isinstance(p, dict) and p.get("in") == "formData"]
    if not form:
        return
    body = operation.setdefault("requestBody", {"required": True, "content": {}})
    merged: dict[str, Any] = {"type": "object", "properties": {}}
    for media in body.get("content", {}).values():
        declared_body = media.get("schema") or {}
        if "$ref" in declared_body:
            declared_body = components.get(declared_body["$ref"].rsplit("/", 1)[-1], {})
        merged["properties"].update(deepcopy(declared_body.get("properties", {})))
        merged["required"] = list(declared_body.get("required", []))
        if "additionalProperties" in declared_body:
            merged["additionalProperties"] = declared_body["additionalProperties"]
    for parameter in form:
        schema = dict(parameter.get("schema") or {})
        if parameter.get("description"):
            schema.setdefault("description", parameter["description"])
        merged["properties"].setdefault(parameter["name"], schema)
        if parameter.get("required") and parameter["name"] not in merged.get("required", []):
            merged.setdefault("required", []).append(parameter["name"])
    if not merged.get("required"):
        merged.pop("required", None)
    remaining = [p for p in parameters if p not in form]
    if remaining:
        operation["parameters"] = remaining
    else:
        operation.pop("parameters", None)
    body["content"] = {"multipart/form-data": {"schema": merged}}


def document_errors(operation: dict, method: str, is_public: bool) -> None:
    responses = operation.setdefault("responses", {})
    wanted = ["NOT_FOUND"]
    if not is_public:
        wanted += ["UNAUTHORIZED", "FORBIDDEN"]
    if method in CHANGES:
        wanted += ["CONFLICT", "UNPROCESSABLE_ENTITY"]
    for name in wanted:
        code = str(http.HTTPStatus[name].value)
        if code not in responses and int(code) not in responses:
            responses[code] = name
    responses.setdefault("default", DocumentedApi.DEFAULT_ERROR_RESPONSE_NAME)
