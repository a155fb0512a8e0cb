"""No page carries inline script, and a page's own <style> carries the response's nonce, so
the Content-Security-Policy (core.web.headers) refuses nothing a page needs and anything an
attacker manages to slip in."""

from html.parser import HTMLParser

import pytest

from core.testing import signed_in
from tests.plugins.canteen.support import classroom
from tests.plugins.fees.support import issued_bill, paid
from tests.test_headers import directives

SLUG = "csp-school"


class InlineCode(HTMLParser):
    """What in one HTML page the policy would refuse."""

    def __init__(self, nonce: str | None):
        super().__init__(convert_charrefs=True)
        self.nonce, self.refused, self.inside = nonce, [], None

    def handle_starttag(self, tag, attrs):
        named = dict(attrs)
        for name, value in attrs:
            if name.startswith("on"):
                self.refused.append(f"<{tag} {name}=...> (an inline event handler)")
            if name == "style":
                self.refused.append(f"<{tag} style=...> (an inline style attribute)")
            if name in ("href", "src", "action", "formaction") and \
                    (value or "").strip().lower().startswith("javascript:"):
                self.refused.append(f"<{tag} {name}=javascript:...>")
        if tag == "script" and not named.get("src"):
            self.refused.append("<script> without src (inline script)")
        if tag == "style" and (self.nonce is None or named.get("nonce") != self.nonce):
            self.refused.append("<style> without this response's nonce")
        self.inside = tag

    def handle_data(self, data):
        if self.inside == "script" and data.strip():
            self.refused.append(f"inline script: {data.strip()[:60]}")

    def handle_endtag(self, tag):
        self.inside = None


def refused_in(response) -> list[str]:
    style_src = directives(response)["style-src"]
    nonces = [word[len("'nonce-"):-1] for word in style_src.split() if word.startswith("'nonce-")]
    parser = InlineCode(nonces[0] if nonces else None)
    parser.feed(response.get_data(as_text=True))
    return parser.refused


@pytest.fixture
def school_and_payment(app, make_school):
    """A school with the canteen and fees on, and a payment whose receipt can be printed."""
    from datetime import date

    from core.calendar import services as calendar
    from core.extensions import db
    from core.tenancy import tenant_context

    school = make_school(SLUG, modules=("canteen", "fees"))
    with tenant_context(school):
        year = calendar.create_year("2026学年", date(2026, 9, 1), date(2027, 8, 31))
        term_id = str(calendar.create_term(year.id, "第一学期", date(2026, 9, 1),
                                           date(2027, 1, 22)).id)
        db.session.commit()
    _, (pupil,) = classroom(school, "1班", students=1)
    return school, paid(school, issued_bill(school, term_id, pupil, 30000), 30000)


def page_paths(app, slug: str = SLUG) -> list[str]:
    """Every page that needs no identifier in its path, as the school sees it."""
    paths = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.arguments or rule.rule.startswith("/api") \
                or rule.endpoint.endswith("static") or rule.rule.startswith("/t/"):
            continue
        paths.append(f"/t/{slug}{rule.rule}")
    return sorted(paths)


@pytest.fixture
def school(school_and_payment):
    return school_and_payment[0]


def test_no_page_carries_inline_script_or_an_unsigned_style(app, client, school_and_payment,
                                                            make_user):
    school, payment_id = school_and_payment
    token = signed_in(client, make_user(school, "school_admin"))
    checked, refused = 0, {}
    for path in page_paths(app):
        response = client.get(path)
        assert response.status_code < 500, path
        if response.mimetype == "text/html":
            checked += response.status_code == 200
            refused[path] = refused_in(response)
    # The receipt as it is printed: it asks the browser to print once it has loaded.
    printed = client.post(f"/t/{SLUG}/m/fees/payments/{payment_id}/receipt/print",
                          data={"csrf_token": token})
    assert printed.status_code == 200
    refused["receipt print"] = refused_in(printed)
    assert checked > 30  # the shell's, the canteen's and the fee module's pages
    assert {path: found for path, found in refused.items() if found} == {}
    assert "data-print-on-load" in printed.get_data(as_text=True)


def test_a_style_nonce_is_new_for_every_response(client, school, make_user):
    signed_in(client, make_user(school, "school_admin"))
    first, second = (client.get(f"/t/{SLUG}/m/canteen/dishes") for _ in range(2))
    assert first.status_code == second.status_code == 200
    assert "'nonce-" in first.headers["Content-Security-Policy"]
    assert first.headers["Content-Security-Policy"] != second.headers["Content-Security-Policy"]
    # A page without a <style> of its own gets no nonce at all.
    plain = client.get(f"/t/{SLUG}/calendar")
    assert "'nonce-" not in plain.headers["Content-Security-Policy"]


def test_a_confirmation_question_stays_text(client, app, school, make_user):
    from core.extensions import db
    from core.people import services as people
    from core.tenancy import tenant_context

    with tenant_context(school):
        people.create_class(people.create_grade('二"年级', 2).id, '<b>2班</b>', None)
        db.session.commit()
    signed_in(client, make_user(school, "school_admin"))
    page = client.get(f"/t/{SLUG}/people/classes").get_data(as_text=True)
    assert 'data-confirm="' in page and "<b>2班" not in page
    assert "&lt;b&gt;2班&lt;/b&gt;" in page and '二&#34;年级' in page


def test_the_pages_anyone_can_open_carry_no_inline_script(app, school):
    """The sign-in, password and public pages, as someone not signed in sees them."""
    client, seen = app.test_client(), {}
    for path in [*page_paths(app), "/login", "/password/forgot"]:
        response = client.get(path)
        if response.status_code == 200 and response.mimetype == "text/html":
            seen[path] = refused_in(response)
    assert {"/login", f"/t/{SLUG}/m/canteen/public/menu"} <= set(seen)
    assert {path: found for path, found in seen.items() if found} == {}
