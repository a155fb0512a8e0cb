"""Errors as RFC 9457 ``application/problem+json``, with per-field messages for bad input.

Every error a person can meet carries a title and a detail they can act on; validation
errors list each field with its messages under ``errors``.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, current_app, json, render_template_string, request, url_for
from flask_babel import gettext as _
from marshmallow import ValidationError
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge
from werkzeug.routing import BuildError

from core.messages import translate_tree
from core.tenancy import CrossTenantWrite, NoTenantInContext, ReadOnlyScope

PROBLEM_TYPE = "https://houqin.invalid/problems/"


class Problem(Exception):
    """An error answered as ``application/problem+json`` (a page shows it as an error page).

    Arguments (all optional, all keyword but ``detail``):
        detail (str): what went wrong and what to do, in the reader's language (``_()``).
        title (str): a short heading; the status's own title when not given.
        errors (dict[str, list[str]]): per-field messages for bad input, keyed by field name.
        status (int): the HTTP status, when not the class's own (400 here).

    Example: ``raise Problem(_("the file is empty"), errors={"file": [_("empty")]})``.
    Subclasses fix the status: ``Forbidden`` 403, ``NotFound`` 404, ``Conflict`` 409,
    ``Invalid`` 422. In a service, prefer ``RuleBroken`` (no HTTP there).
    """

    status = 400
    slug = "bad-request"

    def __init__(self, detail: str | None = None, *, title: str | None = None,
                 errors: dict[str, Any] | None = None, status: int | None = None) -> None:
        super().__init__(detail or title or self.slug)
        self.detail = detail
        self.title = title
        self.errors = errors
        if status is not None:
            self.status = status


class Unauthorized(Problem):
    status, slug = 401, "unauthorized"


class Forbidden(Problem):
    """The person may not do this here (403); same arguments as ``Problem``."""

    status, slug = 403, "forbidden"


class NotFound(Problem):
    """No such record in this school (404); same arguments as ``Problem``."""

    status, slug = 404, "not-found"


class Conflict(Problem):
    """The request clashes with the current state (409), e.g. a lost race; same arguments
    as ``Problem``."""

    status, slug = 409, "conflict"


class Invalid(Problem):
    """Bad input (422): name each field in ``errors``; same arguments as ``Problem``."""

    status, slug = 422, "invalid"


def _default_title(status: int) -> str:
    titles = {
        400: _("The request is not valid"),
        401: _("Sign-in is required"),
        403: _("This is not allowed"),
        404: _("Not found"),
        405: _("Method not allowed"),
        409: _("Conflict"),
        413: _("The upload is too large"),
        422: _("Some values are not valid"),
        429: _("Too many requests"),
        500: _("Internal error"),
    }
    return titles.get(status, _("Error"))


def problem_response(status: int, slug: str, title: str | None = None, detail: str | None = None,
                     errors: dict[str, Any] | None = None) -> Response:
    body: dict[str, Any] = {
        "type": PROBLEM_TYPE + slug,
        "title": title or _default_title(status),
        "status": status,
    }
    if detail:
        body["detail"] = detail
    if errors:
        body["errors"] = errors
    if request:
        body["instance"] = request.path
    if wants_json():
        return Response(json.dumps(body, ensure_ascii=False), status=status,
                        mimetype="application/problem+json")
    page = render_template_string(_HTML, lang=_page_language(), stylesheet=_stylesheet(),
                                  back=_("Back to the home page"), **body)
    return Response(page, status=status, mimetype="text/html")


# A page, not a dead end: in the reader's language, styled like the others, with a way back.
_HTML = """<!doctype html><html lang="{{ lang }}"><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ status }} {{ title }}</title>
{% if stylesheet %}<link rel="stylesheet" href="{{ stylesheet }}">{% endif %}
<main class="error-page"><h1>{{ title }}</h1>{% if detail %}<p>{{ detail }}</p>{% endif %}
<p><a href="/" data-testid="error-home">{{ back }}</a></p></main>
"""


def _page_language() -> str:
    from flask_babel import get_locale

    locale = get_locale()
    return "en" if locale is not None and locale.language == "en" else "zh-CN"


def _stylesheet() -> str | None:
    try:
        return url_for("web.static", filename="houqin.css")
    except BuildError:  # an app serving the API alone has no pages and no stylesheet
        return None


def wants_json() -> bool:
    """Whether this request is answered as an API call (problem+json) rather than a page."""
    path = request.path
    if path.startswith("/api/") or path in ("/healthz", "/readyz"):
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json"


def flatten_validation(messages: Any) -> dict[str, list[str]]:
    """webargs nests messages by location ({"json": {"field": [...]}}); callers want fields."""
    if isinstance(messages, dict) and set(messages) <= {"json", "query", "form", "files",
                                                        "headers", "view_args", "path"}:
        merged: dict[str, Any] = {}
        for part in messages.values():
            if isinstance(part, dict):
                merged.update(part)
        messages = merged
    return translate_tree(messages)


def install(app: Flask) -> None:
    @app.errorhandler(Problem)
    def _problem(exc: Problem):
        return problem_response(exc.status, exc.slug, exc.title, exc.detail, exc.errors)

    @app.errorhandler(ValidationError)
    def _validation(exc: ValidationError):
        return problem_response(422, "invalid", errors=flatten_validation(exc.normalized_messages()),
                                detail=_("Check the fields listed under errors."))

    @app.errorhandler(NoTenantInContext)
    def _no_tenant(exc):
        return problem_response(
            400, "school-required",
            detail=_("Name a school: open it at /t/<school>/ or send the X-Tenant header."),
        )

    @app.errorhandler(ReadOnlyScope)
    @app.errorhandler(CrossTenantWrite)
    def _scope_violation(exc):
        # The exception's own words are for the log; the reader gets them in their language.
        current_app.logger.warning("refused write: %s", exc)
        if isinstance(exc, ReadOnlyScope):
            detail = _("A district reads its schools' records; it cannot change them.")
        else:
            detail = _("This change would touch another school's records.")
        return problem_response(403, "forbidden", detail=detail)

    @app.errorhandler(RequestEntityTooLarge)
    def _too_large(exc: RequestEntityTooLarge):
        # Only an upload makes a body this large; the problem names the file, as forms do.
        limit = current_app.config.get("MAX_CONTENT_LENGTH") or 0
        message = _("the file is larger than %(mb)s MB", mb=limit // 1_000_000)
        return problem_response(413, "too-large", detail=message, errors={"file": [message]})

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):
        data = getattr(exc, "data", None) or {}
        errors = data.get("messages")
        if errors is not None:  # webargs / flask-smorest validation
            return problem_response(
                exc.code or 422, "invalid", errors=flatten_validation(errors),
                detail=_("Check the fields listed under errors."),
            )
        detail = data.get("message") or (exc.description if exc.code != 404 else None)
        response = problem_response(exc.code or 500, _slug(exc.code or 500), detail=detail)
        # What the exception tells the client beside its body: Allow on a 405, Retry-After...
        for name, value in exc.get_headers():
            if name.lower() != "content-type":
                response.headers[name] = value
        return response


def _slug(status: int) -> str:
    return {400: "bad-request", 401: "unauthorized", 403: "forbidden", 404: "not-found",
            405: "method-not-allowed", 409: "conflict", 413: "too-large",
            422: "invalid", 429: "too-many-requests"}.get(status, "error")
