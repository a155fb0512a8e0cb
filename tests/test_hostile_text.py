"""Text the database and the exports can hold: NUL, lone surrogates and control characters are
refused with a 422 naming the field wherever they come in (a JSON body, a form, a query
argument, the address), line breaks only where a field is one line; an integer is whole; a
date or month lies within the calendar the school can keep."""

from __future__ import annotations

import json
from datetime import date

import pytest
from marshmallow import fields

from core.api.schema import MULTILINE, Schema
from core.extensions import db
from core.people.models import Grade, Staff
from core.tenancy import tenant_context
from core.testing import signed_in


@pytest.fixture
def school(app, make_school):
    return make_school("hostile-school")


@pytest.fixture
def admin(school, make_user):
    return make_user(school, "school_admin")


def _staff(client, admin, **changes):
    body = {"name": "王师傅", "position": "厨师", **changes}
    return client.post("/api/v1/people/staff", json=body, headers=admin.headers)


def _refused(response, field: str) -> str:
    assert response.status_code == 422, response.get_data(as_text=True)[:500]
    errors = response.get_json()["errors"]
    assert field in errors, errors
    return " ".join(map(str, errors[field]))


def _stored_staff(school) -> list[str]:
    with tenant_context(school):
        return list(db.session.scalars(db.select(Staff.name)))


# --- NUL, on PostgreSQL, where it was a server error ----------------------------------------

@pytest.fixture
def pg_school(app_factory, houqin_postgres, make_school):
    app = app_factory(plugins=[], database=houqin_postgres)
    with app.app_context():
        yield app, make_school("hostile-pg")


@pytest.mark.postgres
def test_a_nul_in_a_json_field_is_refused_on_postgresql(pg_school, make_user):
    app, school = pg_school
    admin = make_user(school, "school_admin")
    client = app.test_client()
    assert "NUL" in _refused(_staff(client, admin, name="王\x00师傅"), "name")
    assert _stored_staff(school) == []


@pytest.mark.postgres
def test_a_nul_in_a_query_argument_is_refused_on_postgresql(pg_school, make_user):
    app, school = pg_school
    admin = make_user(school, "school_admin")
    client = app.test_client()
    response = client.get("/api/v1/people/students?q=%00", headers=admin.headers)
    assert "NUL" in _refused(response, "q")
    signed_in(client, admin)
    page = client.get("/t/hostile-pg/people/students?q=a%00b")
    assert page.status_code == 422 and "q: " in page.get_data(as_text=True)


# --- lone surrogates and control characters --------------------------------------------------

def test_a_lone_surrogate_is_refused(client, school, admin):
    body = '{"name": "\\ud800王", "position": "厨师"}'  # valid JSON, not valid text
    response = client.post("/api/v1/people/staff", data=body, headers={
        **admin.headers, "Content-Type": "application/json"})
    assert "surrogate" in _refused(response, "name")
    assert _stored_staff(school) == []


@pytest.mark.parametrize("char", ["\x07", "\x1b", "\x7f", "\x85", "\ufffe"])
def test_a_control_character_is_refused_with_the_field_named(client, school, admin, char):
    assert "U+" in _refused(_staff(client, admin, position=f"厨{char}师"), "position")
    assert _stored_staff(school) == []


def test_a_line_break_is_kept_only_where_a_field_holds_several_lines(client, school, admin):
    assert "one line" in _refused(_staff(client, admin, name="王\n师傅"), "name")
    assert "one line" in _refused(_staff(client, admin, name="王\t师傅"), "name")
    grade = client.post("/api/v1/people/grades", json={"name": "一年级", "level": 1},
                        headers=admin.headers).get_json()
    klass = client.post("/api/v1/people/classes", json={"grade_id": grade["id"], "name": "1班"},
                        headers=admin.headers).get_json()
    student = client.post("/api/v1/people/students", headers=admin.headers, json={
        "student_no": "S1", "name": "李雷", "gender": "male", "birth_date": "2019-03-01",
        "class_id": klass["id"], "allergies": "花生\n芒果\r\n\t（轻度）"})
    assert student.status_code == 201, student.get_json()
    assert student.get_json()["allergies"] == "花生\n芒果\r\n\t（轻度）"


def test_a_control_character_in_a_query_argument_or_the_address_is_refused(client, admin):
    response = client.get("/api/v1/people/students?q=a%07b", headers=admin.headers)
    assert "U+0007" in _refused(response, "q")
    response = client.get("/api/v1/people/students?q=a%0Ab", headers=admin.headers)
    _refused(response, "q")
    response = client.get("/api/v1/people/exports/st%1Bff.xlsx", headers=admin.headers)
    assert "U+001B" in _refused(response, "kind")
    # A surrogate's bytes in an address are not UTF-8: they arrive as U+FFFD, and are searched.
    response = client.get("/api/v1/people/students?q=%ED%A0%80", headers=admin.headers)
    assert response.status_code == 200 and response.get_json() == []


def test_a_web_form_shows_the_refusal_next_to_the_field(client, school, admin):
    csrf = signed_in(client, admin)
    page = client.post("/t/hostile-school/people/staff", data={
        "csrf_token": csrf, "name": "王\x07师傅", "position": "厨师"})
    assert page.status_code == 422
    text = page.get_data(as_text=True)
    assert "U+0007" in text and 'name="name"' in text
    # A NUL no one types is refused before the page is drawn, naming the field all the same.
    page = client.post("/t/hostile-school/people/staff", data={
        "csrf_token": csrf, "name": "王\x00师傅", "position": "厨师"})
    assert page.status_code == 422 and "name: " in page.get_data(as_text=True)
    assert _stored_staff(school) == []


# --- whole numbers, dates and months ---------------------------------------------------------

@pytest.mark.parametrize("level", [2.9, "2.9", True, "2.5e0"])
def test_an_integer_field_refuses_what_is_not_a_whole_number(client, school, admin, level):
    response = client.post("/api/v1/people/grades", json={"name": "二年级", "level": level},
                           headers=admin.headers)
    _refused(response, "level")
    with tenant_context(school):
        assert db.session.scalars(db.select(Grade.level)).all() == []


def test_an_integer_still_reads_from_a_query_string(client, admin):
    assert client.get("/api/v1/audit?user_id=3", headers=admin.headers).status_code == 200
    _refused(client.get("/api/v1/audit?user_id=2.9", headers=admin.headers), "user_id")
    # beyond what the column holds: an overflow in the database before
    _refused(client.get(f"/api/v1/audit?user_id={10**20}", headers=admin.headers), "user_id")


@pytest.mark.houqin_plugins("fees", "canteen")
def test_a_month_or_date_outside_the_calendar_is_refused(app, make_school, make_user):
    school = make_school("hostile-months", modules=("fees", "canteen"))
    admin = make_user(school, "school_admin")
    client = app.test_client()
    for url, field in [
        ("/api/v1/fees/reports/takings/monthly?month=0000-01", "month"),
        ("/api/v1/fees/reports/takings/monthly.xlsx?month=0000-01", "month"),
        ("/api/v1/canteen/report/month?month=0000-01", "month"),
        ("/api/v1/audit?from=0001-01-01", "from"),
        ("/api/v1/canteen/exports/menus.xlsx?start=0001-01-01&end=0001-01-02", "start"),
        ("/api/v1/fees/reports/takings/daily?day=9999-12-31", "day"),
    ]:
        _refused(client.get(url, headers=admin.headers), field)


@pytest.mark.houqin_plugins("fees", "canteen")
def test_a_page_asked_for_a_day_off_the_calendar_shows_the_default_day(app, make_school,
                                                                       make_user):
    from core.calendar import services as calendar

    school = make_school("hostile-pages", modules=("fees", "canteen"))
    with tenant_context(school):
        year = calendar.create_year("2026学年", date(2026, 9, 1), date(2027, 8, 31))
        calendar.create_term(year.id, "第一学期", date(2026, 9, 1), date(2027, 1, 22))
        db.session.commit()
    client = app.test_client()
    signed_in(client, make_user(school, "school_admin"))
    for url in ("/m/canteen/counts?day=0001-01-01", "/m/canteen/counts?day=9999-12-31",
                "/m/fees/reports/daily?day=0001-01-01", "/m/fees/reports/monthly?month=9999-12",
                "/m/fees/payments?day=0001-01-01"):
        assert client.get(f"/t/hostile-pages{url}").status_code == 200, url
    # an amount beyond any bill is said to be wrong next to the field, not sent to the database
    arrears = client.get("/t/hostile-pages/m/fees/reports/arrears?min=1e999")
    assert arrears.status_code == 422 and 'name="min"' in arrears.get_data(as_text=True)


def test_a_refused_key_is_named_in_a_form_the_answer_can_carry(client, admin):
    body = json.dumps({"name": "王师傅", "position": "厨师", "\ud800": "x"})
    response = client.post("/api/v1/people/staff", data=body, headers={
        **admin.headers, "Content-Type": "application/json"})
    assert response.status_code == 422
    assert "\\ud800" in response.get_json()["errors"]


# --- the base schema, for any module's fields ------------------------------------------------

class _Part(Schema):
    label = fields.String()


class _Plain(Schema.__mro__[1]):  # a plain marshmallow schema nested in one of ours
    label = fields.String()


class _Record(Schema):
    title = fields.String()
    remarks = fields.String(metadata=MULTILINE)
    count = fields.Integer()
    tags = fields.List(fields.String())
    part = fields.Nested(_Part)
    plain = fields.Nested(_Plain)
    parts = fields.List(fields.Nested(_Plain))
    extra = fields.Dict()
    on = fields.Date()
    at = fields.DateTime()


@pytest.mark.parametrize(("data", "path"), [
    ({"title": "a\x00"}, ("title",)),
    ({"remarks": "a\x00\nb"}, ("remarks",)),
    ({"count": 2.9}, ("count",)),
    ({"count": 2**31}, ("count",)),
    ({"tags": ["ok", "b\x1f"]}, ("tags", 1)),
    ({"part": {"label": "\x08"}}, ("part", "label")),
    ({"plain": {"label": "\ud800"}}, ("plain", "label")),
    ({"parts": [{"label": "ok"}, {"label": "\x9b"}]}, ("parts", 1, "label")),
    ({"extra": {"k": ["\x00"]}}, ("extra", "k", 0)),
    ({"on": "0001-01-01"}, ("on",)),
    ({"at": "0001-01-01T00:00:00+08:00"}, ("at",)),
    ({"at": "3000-01-01T00:00:00Z"}, ("at",)),
])
def test_the_base_schema_refuses_for_every_kind_of_field(data, path):
    from marshmallow import ValidationError

    with pytest.raises(ValidationError) as refused:
        _Record().load(data)
    messages = refused.value.normalized_messages()
    for step in path:
        messages = messages[step]
    assert messages


def test_the_base_schema_keeps_ordinary_text():
    loaded = _Record().load({"title": "番茄炒蛋 (大份) – ok", "remarks": "第一行\n第二行\t完",
                             "count": 3.0, "tags": ["a"], "extra": {"k": "多行\n文本"},
                             "on": "2026-11-16"})
    assert loaded["remarks"] == "第一行\n第二行\t完" and loaded["count"] == 3


# --- a body no decoder should be asked to read ---------------------------------------------

@pytest.mark.parametrize("depth", [40, 400, 100_000])
def test_a_body_nested_too_deep_is_refused_naming_the_body(client, school, admin, depth):
    body = '{"name": ' + "[" * depth + "]" * depth + ', "position": "厨师"}'
    response = client.post("/api/v1/people/staff", data=body,
                           headers={**admin.headers, "Content-Type": "application/json"})
    assert response.status_code == 400, response.get_data(as_text=True)[:300]
    assert "32" in " ".join(response.get_json()["errors"]["json"])
    assert _stored_staff(school) == []


def test_a_number_longer_than_python_reads_is_refused(client, school, admin):
    body = '{"name": "王师傅", "position": "厨师", "phone": ' + "9" * 5000 + "}"
    response = client.post("/api/v1/people/staff", data=body,
                           headers={**admin.headers, "Content-Type": "application/json"})
    assert response.status_code == 400
    assert "4300" in " ".join(response.get_json()["errors"]["json"])
    assert _stored_staff(school) == []


def test_a_body_within_the_bounds_is_read_as_before(client, school, admin):
    body = json.dumps({"name": "王师傅", "position": "厨师"}, ensure_ascii=False)
    response = client.post("/api/v1/people/staff", data=body.encode(),
                           headers={**admin.headers, "Content-Type": "application/json"})
    assert response.status_code == 201, response.get_data(as_text=True)[:300]
    assert _stored_staff(school) == ["王师傅"]


def test_the_bounded_reader_measures_without_recursing():
    from core.api.body import MAX_DEPTH, UnreadableJson, loaded, nesting

    assert nesting('{"a": "[[[[", "b": [1, {"c": "\\"]"}]}') == 3
    assert loaded("[" * MAX_DEPTH + "]" * MAX_DEPTH) is not None
    with pytest.raises(UnreadableJson):
        loaded("[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1))
    with pytest.raises(UnreadableJson):
        loaded(b"\xff\xfe{}")
    with pytest.raises(UnreadableJson):
        loaded('{"a": ')
