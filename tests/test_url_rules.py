"""URL rules compile their URL builders on first use and build what werkzeug's own would."""

from __future__ import annotations

import uuid
from urllib.parse import unquote

from werkzeug.routing import Map, Rule

from core.web.url_rules import UrlRule

RULES = [
    ("/", "home"),
    ("/schools/<slug>/notes", "notes"),
    ("/notes/<uuid:note_id>", "note"),
    ("/pages/<int:page>/<path:rest>", "page"),
    ("/files/<any(pdf, xlsx):kind>/<name>", "file"),
]
VALUES = {
    "home": {},
    "notes": {"slug": "alpha school"},
    "note": {"note_id": uuid.UUID("01a1fdc9-1e46-7b79-bb56-d00841883e8c")},
    "page": {"page": 3, "rest": "a/b c"},
    "file": {"kind": "xlsx", "name": "食堂"},
}


def _adapter(rule_class: type[Rule]):
    return Map([rule_class(rule, endpoint=endpoint) for rule, endpoint in RULES]).bind(
        "houqin.test", "/")


def test_lazy_rules_build_the_urls_werkzeug_builds():
    lazy, plain = _adapter(UrlRule), _adapter(Rule)
    for endpoint, values in VALUES.items():
        for extra in ({}, {"page_size": 50, "q": "米 & 面"}):
            for external in (False, True):
                assert lazy.build(endpoint, {**values, **extra}, force_external=external) \
                    == plain.build(endpoint, {**values, **extra}, force_external=external)
        assert lazy.match(unquote(plain.build(endpoint, values))) == (endpoint, values)


def test_a_builder_is_compiled_once_on_first_use():
    adapter = _adapter(UrlRule)
    rule = next(adapter.map.iter_rules("notes"))
    stand_in, unused = rule._build_unknown, rule._build
    assert adapter.build("notes", {"slug": "a"}) == "/schools/a/notes"  # with unknown values
    compiled = rule._build_unknown
    assert compiled is not stand_in and rule._build is unused
    assert adapter.build("notes", {"slug": "b", "x": 1}) == "/schools/b/notes?x=1"
    assert rule._build_unknown is compiled


def test_the_app_builds_its_pages_urls(app):
    from flask import url_for

    assert app.url_rule_class is UrlRule
    with app.test_request_context():
        assert url_for("web.login", next="/x") == "/login?next=/x"
