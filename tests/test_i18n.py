"""Which language a message is in: pages by the person's choice, the API by Accept-Language,
jobs and commands by HOUQIN_LOCALE, and zh-CN when nothing says otherwise."""

import pytest
from flask_babel import refresh
from marshmallow import ValidationError

from core.people.schemas import StudentSchema
from core.rules import flatten_messages

pytestmark = pytest.mark.houqin_plugins("notes")


def test_an_api_client_gets_messages_in_the_language_it_asks_for(client, make_school, make_user):
    admin = make_user(make_school("i18n-school"))
    for language, expected in (("zh-CN,zh;q=0.9", "必填"), ("en-GB", "Missing data"),
                               (None, "必填")):
        headers = {"Authorization": admin.headers["Authorization"]}
        if language:
            headers["Accept-Language"] = language
        response = client.post("/api/v1/people/grades", json={}, headers=headers)
        assert response.status_code == 422
        assert expected in response.get_json()["errors"]["name"][0], language


def test_the_api_never_answers_in_the_persons_web_language_unasked(client, make_school,
                                                                   make_user):
    """docs/api.md: a script using someone's token gets what its Accept-Language asks for, else
    zh-CN, whatever language that person chose for their pages."""
    from core.extensions import db
    from core.identity.models import User

    admin = make_user(make_school("i18n-web-english"))
    db.session.get(User, admin.id).locale = "en"
    db.session.commit()
    headers = {"Authorization": admin.headers["Authorization"]}
    unasked = client.post("/api/v1/people/grades", json={}, headers=headers)
    assert "必填" in unasked.get_json()["errors"]["name"][0]
    asked = client.post("/api/v1/people/grades", json={},
                        headers={**headers, "Accept-Language": "en-US,en;q=0.9"})
    assert asked.get_json()["errors"]["name"][0] == "Missing data for required field."


def test_without_a_request_the_operator_chooses_and_zh_cn_is_the_default(app, monkeypatch):
    def message() -> str:
        try:
            StudentSchema().load({})
        except ValidationError as exc:
            return flatten_messages(exc.normalized_messages()["name"])[0]

    monkeypatch.delenv("HOUQIN_LOCALE")
    assert "必填" in message()
    monkeypatch.setenv("HOUQIN_LOCALE", "en")
    refresh()  # Flask-Babel keeps the locale for the rest of the context
    assert message() == "Missing data for required field."


def test_marshmallows_messages_keep_their_values_in_translation(app, client, make_school,
                                                                make_user):
    admin = make_user(make_school("i18n-long"))
    response = client.post("/api/v1/people/grades", json={"name": "x" * 41, "level": 1},
                           headers={"Authorization": admin.headers["Authorization"]})
    message = response.get_json()["errors"]["name"][0]
    assert "40" in message and "Longer" not in message


def test_a_job_reports_in_the_language_of_who_started_it(app, client, make_school, make_user):
    import io

    from core.extensions import db
    from core.identity.models import User
    from core.testing import run_jobs
    from tests.test_transfer import xlsx

    admin = make_user(make_school("i18n-job"))
    db.session.get(User, admin.id).locale = "zh_CN"
    db.session.commit()
    started = client.post("/api/v1/people/imports", headers=admin.headers, data={
        "kind": "students", "file": (io.BytesIO(xlsx([["1", "", "男", "2019-05-01", "一年级",
                                                        "1班", "", ""]])), "a.xlsx")},
        content_type="multipart/form-data").get_json()
    run_jobs(app)
    report = client.get(f"/api/v1/jobs/{started['job']}", headers=admin.headers).get_json()
    assert {"row": 2, "column": "姓名", "reason": "必填"} in report["result"]["errors"]


def test_a_range_message_is_translated_whole(app):
    from marshmallow import Schema, fields, validate

    class Grade(Schema):
        level = fields.Integer(validate=validate.Range(min=0, max=20))

    with app.test_request_context("/api/v1/x", headers={"Accept-Language": "zh-CN"}):
        try:
            Grade().load({"level": 30})
        except ValidationError as exc:
            message = flatten_messages(exc.normalized_messages())[0]
    assert "0" in message and "20" in message and "Must" not in message and " and " not in message
