"""The district home, read-only visits into schools, and the widgets modules put on homes."""

import re

import pytest
from sqlalchemy import select

from core.audit import AuditEvent
from core.extensions import db
from core.tenancy import tenant_context
from core.testing import signed_in

pytestmark = pytest.mark.houqin_plugins("notes", "tags", "playground")


@pytest.fixture
def district(app, make_school):
    primary = make_school("dist-primary", modules=("notes",))
    kindergarten = make_school("dist-kg", type="kindergarten", modules=("playground",))
    elsewhere = make_school("elsewhere", district="district-b")
    return primary, kindergarten, elsewhere


def test_district_staff_land_on_their_district_and_read_its_schools(client, district, make_user):
    primary, kindergarten, _ = district
    signed_in(client, make_user(None, district=primary.district_id, role="district_inspector"))
    assert client.get("/schools").location == "/district/district-a"
    page = client.get("/district/district-a").get_data(as_text=True)
    rows = re.findall(r"<tr><td>(?:<a [^>]*>)?([^<]+)(?:</a>)?</td>\s*<td>([^<]+)</td>\s*"
                      r"<td>([^<]+)</td>", page)
    assert rows == [("Dist-Kg", "幼儿园", "Playground"), ("Dist-Primary", "小学", "Notes")]
    assert "Elsewhere" not in page
    assert 'href="/t/dist-primary/"' in page
    assert 'data-testid="notes-district-widget">notes of district-a' in page
    for school in (primary, kindergarten):  # each school sees that the district looked
        with tenant_context(school):
            purposes = [e.after["purpose"] for e in db.session.scalars(
                select(AuditEvent).where(AuditEvent.action == "district_read"))]
            assert "district home" in purposes


def test_an_inspector_enters_a_school_read_only(client, district, make_user):
    primary = district[0]
    token = signed_in(client, make_user(None, district=primary.district_id,
                                        role="district_inspector"))
    home = client.get("/t/dist-primary/").get_data(as_text=True)
    assert "您以教育局身份访问：仅可查阅" in home
    refused = client.post("/t/dist-primary/people/classes",
                          data={"csrf_token": token, "grade": "一年级", "name": "1班"})
    assert refused.status_code == 403


def test_other_districts_and_school_staff_see_no_district_page(app, client, district, make_user):
    signed_in(client, make_user(None, district=district[2].district_id,
                                role="district_inspector"))
    assert client.get("/district/district-a").status_code == 404
    school_admin = app.test_client()
    signed_in(school_admin, make_user(district[0]))
    assert school_admin.get("/district/district-a").status_code == 403


def test_the_school_home_shows_the_widgets_of_enabled_modules(app, client, district, make_user):
    primary, kindergarten, _ = district
    signed_in(client, make_user(primary))
    assert 'data-testid="notes-widget"' in client.get("/t/dist-primary/").get_data(as_text=True)
    other = app.test_client()
    signed_in(other, make_user(kindergarten))
    assert 'data-testid="notes-widget"' not in other.get("/t/dist-kg/").get_data(as_text=True)
