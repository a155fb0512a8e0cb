"""A write that was committed is never answered with a 500: the answer is built from what was
written, without reading it again, and if building it fails anyway (the database gone between
the commit and the answer) the client hears the record was made, with its id."""

from contextlib import contextmanager

import pytest
from flask import Blueprint
from sqlalchemy import event, func, select

from core.api.rules import transactional
from core.extensions import db
from core.permissions import public
from core.schools.models import District


@contextmanager
def database_gone_after_commit():
    """Every statement after the next commit fails as a dropped connection does."""
    engine = db.engine
    gone = {"after_commit": False, "failed": 0}

    def on_commit(connection):
        gone["after_commit"] = True

    def execute(cursor, statement, parameters, context):
        if gone["after_commit"]:
            gone["failed"] += 1
            raise engine.dialect.loaded_dbapi.OperationalError("the database went away")

    event.listen(engine, "commit", on_commit)
    event.listen(engine, "do_execute", execute)
    try:
        yield gone
    finally:
        event.remove(engine, "do_execute", execute)
        event.remove(engine, "commit", on_commit)


@transactional
def add_district(slug: str, reread: bool) -> District:
    district = District(slug=slug, name=slug.title())
    db.session.add(district)
    db.session.flush()
    if reread:
        db.session.expire(district)  # as a view that reads it back for its answer
    return district


@pytest.fixture
def client(app):
    routes = Blueprint("committing", __name__)

    @routes.post("/committing/<slug>")
    @public
    def create(slug):
        district = add_district(slug, reread=slug.startswith("reread"))
        if slug.startswith("broken"):
            raise RuntimeError("the answer could not be built")
        return {"id": district.id, "slug": district.slug, "name": district.name}, 201

    @routes.post("/failing")
    @public
    @transactional
    def fail():
        db.session.add(District(slug="never", name="never"))
        db.session.flush()
        raise RuntimeError("before the commit")

    app.register_blueprint(routes)
    return app.test_client()


def stored(slug: str) -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(District).where(
        District.slug == slug))


def test_the_answer_is_built_from_what_was_written_without_reading_it_again(client):
    with database_gone_after_commit() as gone:
        answer = client.post("/committing/north")
    assert answer.status_code == 201
    assert answer.get_json()["slug"] == "north" and answer.get_json()["name"] == "North"
    assert gone["failed"] == 0
    assert stored("north") == 1


def test_a_read_after_the_commit_that_fails_still_answers_201_with_the_id(client):
    with database_gone_after_commit() as gone:
        answer = client.post("/committing/reread-south")
    assert gone["failed"] >= 1
    assert answer.status_code == 201
    made = answer.get_json()["id"]
    assert made is not None
    assert stored("reread-south") == 1
    assert db.session.scalar(select(District.id).where(District.slug == "reread-south")) \
        == int(made)


def test_any_failure_after_the_commit_answers_with_the_id(client):
    answer = client.post("/committing/broken-east")
    assert answer.status_code == 201
    assert answer.get_json()["id"]
    assert stored("broken-east") == 1


def test_a_failure_before_the_commit_is_still_an_error_and_keeps_nothing(client):
    with pytest.raises(RuntimeError):
        client.post("/failing")
    assert stored("never") == 0


def test_a_later_request_that_fails_before_committing_is_not_taken_for_recorded(client):
    assert client.post("/committing/west").status_code == 201
    with pytest.raises(RuntimeError):
        client.post("/failing")  # the same app context as the request before
    assert stored("never") == 0
