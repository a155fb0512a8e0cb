"""The browsable API page, started from a static script so it works under our CSP.

flask-smorest's own Swagger UI page starts Swagger UI with an inline script, which the
Content-Security-Policy refuses; this page is the same, with the start-up in
``static/api-docs.js`` and its settings in data attributes.
"""

from __future__ import annotations

from flask import Flask, current_app, render_template, url_for

ENDPOINT = "api-docs.openapi_swagger_ui"


def api_docs_page():
    return render_template(
        "web/api_docs.html",
        title=current_app.config["API_TITLE"],
        spec_url=url_for("api-docs.openapi_json"),
        assets=current_app.config["OPENAPI_SWAGGER_UI_URL"],
        settings=current_app.config.get("OPENAPI_SWAGGER_UI_CONFIG", {}),
    )


def install(app: Flask) -> None:
    if ENDPOINT in app.view_functions:
        app.view_functions[ENDPOINT] = api_docs_page
