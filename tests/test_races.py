"""A race that a module did not handle still answers as a conflict or a busy moment, with the
losing request's writes rolled back, and a mistake that is not a race stays an error."""

import sqlite3

import pytest
from flask import Blueprint
from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError

from core.db.races import first_writer
from core.extensions import db
from core.permissions import public
from core.rules import RuleBroken
from core.schools.models import District
from core.tenancy import tenant_context
from core.testing import at_once, read_before_written, requests_crossing


def racing_routes(app) -> None:
    """Routes that write without first_writer, as a module that forgot would."""
    routes = Blueprint("racing", __name__)

    @routes.post("/racing/district/<slug>")
    @public
    def add_district(slug):
        db.session.add(District(slug=slug, name=slug))
        db.session.flush()
        db.session.commit()
        return {"slug": slug}, 201

    @routes.post("/racing/nameless")
    @public
    def add_nameless():
        db.session.add(District(slug="nameless", name=None))
        db.session.commit()
        return {}, 201

    @routes.post("/racing/raise/<state>")
    @public
    def raise_state(state):
        db.session.add(District(slug="doomed", name="doomed"))
        db.session.flush()
        db.session.execute(text(
            f"DO $$ BEGIN RAISE EXCEPTION 'crossed' USING ERRCODE = '{state}'; END $$"))
        return {}, 201

    @routes.post("/racing/locked")
    @public
    def write_while_locked():
        db.session.execute(text("PRAGMA busy_timeout=50"))
        db.session.add(District(slug="waited", name="waited"))
        db.session.commit()
        return {}, 201

    app.register_blueprint(routes)


def districts() -> list[str]:
    db.session.rollback()
    return sorted(db.session.scalars(select(District.slug)))


@pytest.fixture
def racing(app):
    racing_routes(app)
    return app.test_client()


def test_a_unique_index_met_unhandled_is_a_409_naming_the_field(app, racing):
    assert racing.post("/racing/district/north").status_code == 201
    again = racing.post("/racing/district/north",
                        headers={"Accept-Language": "en", "Accept": "application/json"})
    assert again.status_code == 409
    assert again.mimetype == "application/problem+json"
    assert list(again.get_json()["errors"]) == ["slug"]
    assert again.get_json()["detail"]
    assert districts() == ["north"]


def test_a_missing_value_is_not_a_race_and_stays_an_error(app, racing):
    with pytest.raises(IntegrityError):
        racing.post("/racing/nameless")
    assert districts() == []


@pytest.mark.parametrize(("state", "status"), [("40001", 409), ("40P01", 409), ("55P03", 503)])
def test_a_crossed_or_locked_transaction_is_retried_later_not_an_error(
        app_factory, houqin_postgres, state, status):
    app = app_factory(database=houqin_postgres)
    racing_routes(app)
    answer = app.test_client().post(f"/racing/raise/{state}")
    assert answer.status_code == status
    assert int(answer.headers["Retry-After"]) > 0
    with app.app_context():
        assert districts() == []


def test_a_write_that_waits_too_long_for_sqlite_is_a_503_with_retry_after(app, racing):
    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() != "sqlite":
        pytest.skip("SQLite's one writer at a time")
    other = sqlite3.connect(url.database, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")  # another request is writing
        answer = racing.post("/racing/locked")
    finally:
        other.rollback()
        other.close()
    assert answer.status_code == 503
    assert int(answer.headers["Retry-After"]) > 0
    assert districts() == []


def test_first_writer_names_the_clashing_field_and_lets_other_errors_through(app,
                                                                           make_school):
    from core.people.models import Grade

    school = make_school("racing-school")
    with tenant_context(school):
        first_writer(lambda: db.session.add(Grade(name="一年级", level=1)))
        with pytest.raises(RuleBroken) as lost:
            first_writer(lambda: db.session.add(Grade(name="一年级", level=1)))
        assert (lost.value.status, lost.value.field) == (409, "name")
        with pytest.raises(IntegrityError):
            first_writer(lambda: db.session.add(Grade(name=None, level=1)))
        db.session.rollback()
        assert db.session.scalar(select(func.count()).select_from(Grade)) == 0


def test_first_writer_sets_changes_on_a_stored_row_inside_its_savepoint(app, make_school):
    from core.people.models import Grade

    school = make_school("renaming-school")
    with tenant_context(school):
        first_writer(Grade(name="一年级", level=1))
        second = first_writer(Grade(name="二年级", level=2))
        with pytest.raises(RuleBroken) as lost:  # renamed to a name taken meanwhile
            first_writer(second, changes={"name": "一年级", "level": 3})
        assert (lost.value.status, lost.value.field) == (409, "name")
        db.session.commit()  # the rest of the transaction is still usable
        db.session.expire_all()
        assert (second.name, second.level) == ("二年级", 2)
        assert first_writer(second, changes={"level": 4}) is second
        db.session.commit()
        assert db.session.scalar(select(Grade.level).where(Grade.name == "二年级")) == 4
        with pytest.raises(TypeError):
            first_writer(lambda: second, changes={"level": 5})


def test_a_notice_raised_by_two_requests_at_once_is_one_notice_with_the_later_text(
        app, make_school, make_user):
    """A notification is a side effect of another write (a certificate expiring, a bill
    issued): when two requests raise the same key at once, neither may fail for it."""
    from core.notifications import services
    from core.notifications.models import Notification

    school = make_school("noticed")
    manager = make_user(school, "logistics_director")

    def raise_notice(count):
        def run():
            with app.app_context(), tenant_context(school):
                services.notify("certs", "core.calendar.manage",
                                "%(count)s certificates expire within %(days)s days",
                                {"count": count, "days": 7})
                db.session.commit()
                return count
        return run

    with read_before_written(db.engine, "notifications"):
        assert sorted(at_once([raise_notice(1), raise_notice(2)])) == [1, 2]

    with tenant_context(school):
        rows = db.session.scalars(select(Notification)).all()
        assert len(rows) == 1 and rows[0].params["count"] in (1, 2)
        shown = services.inbox(manager.id, frozenset({"core.calendar.manage"}))
        assert len(shown) == 1 and not shown[0].read


def test_one_student_number_registered_twice_at_once_is_a_409_naming_it(app, make_school,
                                                                       make_user):
    from core.people import services as people
    from core.people.models import Student

    school = make_school("registry")
    admin = make_user(school, "school_admin")
    with tenant_context(school):
        grade = people.create_grade("一年级", 1)
        class_id = str(people.create_class(grade.id, "1班", None).id)
        db.session.commit()
    body = {"student_no": "2026001", "name": "王小明", "gender": "male",
            "birth_date": "2019-05-01", "class_id": class_id}

    def register():
        return app.test_client().post("/api/v1/people/students", json=body,
                                      headers=admin.headers)

    with requests_crossing(db.engine, "students"):
        answers = at_once([register, register])
    # On SQLite the second request waits for the first and then finds the number taken before
    # writing (422); on PostgreSQL the two cross and the second meets the unique index (409).
    lost = 422 if db.engine.dialect.name == "sqlite" else 409

    assert sorted(a.status_code for a in answers) == [201, lost]
    refused = next(a for a in answers if a.status_code == lost).get_json()
    assert list(refused["errors"]) == ["student_no"]
    with tenant_context(school):
        assert db.session.scalar(select(func.count()).select_from(Student)) == 1
