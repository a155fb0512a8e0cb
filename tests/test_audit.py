"""The audit trail: every write recorded with who, where and what; read, searched, exported."""

import io
from datetime import date, timedelta

import pytest
from openpyxl import load_workbook

pytestmark = pytest.mark.houqin_plugins("notes")


@pytest.fixture
def school(app, make_school):
    return make_school("audited", modules=("notes",))


@pytest.fixture
def admin(school, make_user):
    return make_user(school, "school_admin")


def test_an_api_write_is_recorded_with_who_where_and_before_after(client, admin):
    created = client.post("/api/v1/people/grades", json={"name": "一年级", "level": 1},
                          headers={**admin.headers, "X-Request-Id": "req-1",
                                   "X-Forwarded-For": "203.0.113.9"})
    grade_id = created.get_json()["id"]
    events = client.get("/api/v1/audit?entity=grades", headers=admin.headers).get_json()
    assert len(events) == 1
    event = events[0]
    assert (event["action"], event["entity_id"], event["user_id"], event["source"],
            event["request_id"]) == ("create", grade_id, admin.id, "api", "req-1")
    assert event["before"] is None and event["after"]["name"] == "一年级"


def test_search_by_action_and_dates_and_export(client, admin):
    client.put("/api/v1/modules/notes", json={"enabled": True,
                                              "settings": {"max_body_length": 50}},
               headers=admin.headers)
    today = date.today()
    found = client.get(f"/api/v1/audit?entity=tenant_modules&action=update"
                       f"&from={today - timedelta(days=1)}&to={today + timedelta(days=1)}",
                       headers=admin.headers).get_json()
    assert [e["after"]["settings"]["max_body_length"] for e in found] == [50]
    past = client.get(f"/api/v1/audit?to={today - timedelta(days=3)}", headers=admin.headers)
    assert past.get_json() == []
    backwards = client.get("/api/v1/audit?from=2026-02-01&to=2026-01-01", headers=admin.headers)
    assert backwards.status_code == 422 and "to" in backwards.get_json()["errors"]
    exported = client.get("/api/v1/audit/export.xlsx?entity=tenant_modules",
                          headers=admin.headers)
    rows = list(load_workbook(io.BytesIO(exported.data)).active.iter_rows(values_only=True))
    assert rows[0][0] == "时间 at" and {r[4] for r in rows[1:]} == {"create", "update"}


def test_a_person_number_past_64_bits_is_refused_naming_the_field(client, admin):
    for path in ("/api/v1/audit", "/api/v1/audit/export.xlsx"):
        for user_id in (2**63, -(2**80)):
            response = client.get(f"{path}?user_id={user_id}", headers=admin.headers)
            assert response.status_code == 422, (path, user_id, response.status_code)
            assert "user_id" in response.get_json()["errors"]


def test_only_the_office_reads_the_trail(client, school, make_user):
    teacher = make_user(school, "class_teacher")
    assert client.get("/api/v1/audit", headers=teacher.headers).status_code == 403


def test_district_staff_read_their_schools_trails_and_leave_a_trace(client, app, school,
                                                                    make_school, make_user, admin):
    sibling = make_school("audited-sibling")
    stranger = make_school("audited-stranger", district="district-z")
    for target in (sibling, stranger):
        client.post("/api/v1/people/grades", json={"name": f"grade of {target.slug}", "level": 1},
                    headers=make_user(target, "school_admin").headers)
    client.post("/api/v1/people/grades", json={"name": "grade of audited", "level": 1},
                headers=admin.headers)
    inspector = make_user(school, "district_inspector", district=school.district_id)
    events = client.get("/api/v1/district/audit?entity=grades",
                        headers=inspector.headers).get_json()
    assert sorted((e["school"], e["after"]["name"]) for e in events) == [
        ("audited", "grade of audited"), ("audited-sibling", "grade of audited-sibling")]
    one = client.get("/api/v1/district/audit?entity=grades&school=audited-sibling",
                     headers=inspector.headers).get_json()
    assert [e["school"] for e in one] == ["audited-sibling"]
    # Each school read sees that the district read it.
    trail = client.get("/api/v1/audit?action=district_read", headers=admin.headers).get_json()
    assert {e["entity"] for e in trail} >= {"audit_events"}
    assert client.get("/api/v1/district/audit?school=audited-stranger",
                      headers=inspector.headers).status_code == 404


def test_accounts_schools_and_districts_are_audited_for_the_deployment(app, make_school):
    from click.testing import CliRunner
    from sqlalchemy import select

    from core.audit import REDACTED, DeploymentAuditEvent
    from core.cli import cli
    from core.extensions import db
    from core.identity import services as identity

    make_school("deploy-audit", district="deploy-district")
    runner = CliRunner()
    created = runner.invoke(cli, ["users", "create", "--email", "clerk@audit.test", "--name",
                                  "Clerk", "--password", "correct-horse-1"])
    assert created.exit_code == 0, created.output
    user = identity.user_by_email("clerk@audit.test")
    user.password_hash = "changed-elsewhere"
    db.session.commit()
    events = db.session.scalars(select(DeploymentAuditEvent).order_by(DeploymentAuditEvent.id)).all()
    entities = [(e.entity, e.action) for e in events]
    assert ("districts", "create") in entities and ("tenants", "create") in entities
    by_cli = next(e for e in events if e.entity == "users" and e.action == "create")
    assert by_cli.source == "cli" and by_cli.after["email"] == "clerk@audit.test"
    assert by_cli.after["password_hash"] == REDACTED
    change = events[-1]
    assert (change.entity, change.action, change.entity_id) == ("users", "update", str(user.id))
    assert change.before == {"password_hash": REDACTED} == change.after
    listed = runner.invoke(cli, ["audit", "deployment", "--entity", "users"])
    assert "clerk@audit.test" in listed.output and "correct-horse" not in listed.output


def test_rows_inserted_many_at_once_are_stamped_and_audited_one_event_each(school, make_school):
    from datetime import UTC, datetime

    from houqin_testnotes.models import Note
    from sqlalchemy import select

    from core import audit
    from core.extensions import db
    from core.tenancy import tenant_context

    other = make_school("not-audited", modules=("notes",))
    written = datetime(2026, 11, 20, 8, 30, tzinfo=UTC)
    with tenant_context(school):
        stored = audit.insert_many(Note, [{"id": audit.uuid7(), "title": "一"},
                                          {"id": audit.uuid7(), "title": "二",
                                           "created_at": written}])
        db.session.commit()
        # Left-out columns got their defaults; what is returned is what the events hold.
        assert [row["body"] for row in stored] == ["", ""]
        assert stored[1]["created_at"] == written.isoformat()
        notes = db.session.scalars(select(Note).where(Note.title.in_(["一", "二"]))).all()
        assert {n.title: n.created_at for n in notes}["二"] == written
        events = db.session.scalars(select(audit.AuditEvent).where(
            audit.AuditEvent.entity == "notes",
            audit.AuditEvent.entity_id.in_([str(n.id) for n in notes]))).all()
        assert sorted((e.action, e.entity_id, e.after["title"]) for e in events) == sorted(
            ("create", str(n.id), n.title) for n in notes)
        with pytest.raises(ValueError, match="naive"):
            audit.insert_many(Note, [{"id": audit.uuid7(), "title": "三",
                                      "created_at": datetime(2026, 11, 20, 8, 30)}])
        db.session.rollback()
    with tenant_context(other):  # (it has the note the notes module seeds)
        assert not {"一", "二"} & set(db.session.scalars(select(Note.title)))
