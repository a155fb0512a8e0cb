"""One pagination helper for every list: on a page, ``page_of(statement)`` shows PAGE_SIZE
rows at ``?page=`` and says whether another page follows; the API's lists use the same
function and the same default size."""

from sqlalchemy import select

from core.api.pagination import PAGE_SIZE, Page, page_of
from core.extensions import db
from core.schools.models import District
from core.web import forms


def listed(app, query_string: str) -> Page:
    with app.test_request_context("/districts" + query_string):
        return page_of(select(District.slug).where(District.slug.like("page-%"))
                       .order_by(District.slug))


def test_a_page_shows_the_default_size_and_says_whether_more_follow(app):
    db.session.add_all(District(slug=f"page-{n:03}", name=f"P{n}")
                       for n in range(PAGE_SIZE + 3))
    db.session.commit()
    first = listed(app, "")
    assert len(first.rows) == PAGE_SIZE and first.number == 1 and first.more
    rows, number, more = listed(app, "?page=2")
    assert rows == [f"page-{n:03}" for n in range(PAGE_SIZE, PAGE_SIZE + 3)]
    assert number == 2 and not more
    assert listed(app, "?page=x").number == 1  # a mangled link shows the first page
    assert forms.page_of is page_of and forms.PAGE_SIZE == PAGE_SIZE == 50
