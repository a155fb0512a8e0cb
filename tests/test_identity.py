"""Accounts, roles, tokens and their CLI."""

from datetime import timedelta

import pytest
from click.testing import CliRunner
from sqlalchemy import select, text

from core.cli import cli
from core.db import utcnow
from core.extensions import db
from core.identity import services
from core.identity.models import ApiToken, User
from core.identity.passwords import WeakPassword, hash_password, verify_password
from core.tenancy import tenant_context

pytestmark = pytest.mark.houqin_plugins("notes")


def test_passwords_are_hashed_with_argon2id():
    stored = hash_password("correct horse battery")
    assert stored.startswith("$argon2id$")
    assert verify_password(stored, "correct horse battery")
    assert not verify_password(stored, "correct horse battery!")
    assert not verify_password(None, "anything")
    with pytest.raises(WeakPassword):
        hash_password("short")


def test_one_account_many_schools_with_a_role_in_each(app, make_school):
    a, b = make_school("alpha"), make_school("beta")
    user = services.create_user("Teacher@Example.cn", "Teacher")
    assert user.email == "teacher@example.cn"
    with tenant_context(a):
        assert services.grant_school_role(user, "class_teacher")
        assert not services.grant_school_role(user, "class_teacher")
    with tenant_context(b):
        services.grant_school_role(user, "canteen_manager")
        with pytest.raises(services.IdentityError, match="not a school role"):
            services.grant_school_role(user, "district_admin")
        assert services.school_roles(user.id) == {"canteen_manager"}
    assert services.member_tenant_ids(user.id) == {a.id, b.id}
    with pytest.raises(services.IdentityError, match="exists already"):
        services.create_user("teacher@example.cn", "Again")


def test_tokens_are_hashed_at_rest_expire_and_revoke(app, make_school):
    school = make_school("gamma")
    user = services.create_user("t@example.cn", "T")
    with tenant_context(school):
        services.grant_school_role(user, "school_admin")
        issued = services.create_token(user, "sync", timedelta(days=1))
        db.session.commit()
        stored = db.session.execute(text("SELECT secret_hash FROM api_tokens")).scalar()
    secret = issued.plaintext.split("_", 2)[2]
    assert secret not in stored and len(stored) == 64
    identity = services.verify_token(issued.plaintext)
    assert (identity.tenant_id, identity.user_id) == (school.id, user.id)
    assert services.verify_token(issued.plaintext[:-1] + "x") is None
    assert services.verify_token("hq_nonsense") is None
    assert services.verify_token(issued.plaintext, now=utcnow() + timedelta(days=2)) is None
    with tenant_context(school):
        assert services.revoke_token(issued.public_id)
        db.session.commit()
    assert services.verify_token(issued.plaintext) is None


def test_revoked_token_is_refused_by_the_api(app, client, make_school, make_user):
    school = make_school("delta")
    admin = make_user(school, "school_admin")
    assert client.get("/api/v1/me", headers=admin.headers).status_code == 200
    public_id = admin.token.split("_")[1]
    with tenant_context(school):
        services.revoke_token(public_id)
        db.session.commit()
    response = client.get("/api/v1/me", headers=admin.headers)
    assert response.status_code == 401
    assert "revoked" in response.get_json()["detail"]
    assert client.get("/api/v1/me", headers={"Authorization": "Basic x"}).status_code == 401


def test_district_roles_span_the_district_read_only_for_inspectors(app, client, make_school,
                                                                   make_user):
    a = make_school("d-one", modules=("notes",))
    make_school("d-two", modules=("notes",))
    make_school("elsewhere", district="district-z", modules=("notes",))
    inspector = make_user(a, "district_inspector", district=a.district_id)
    me = client.get("/api/v1/me", headers=inspector.headers).get_json()
    assert me["roles"] == [] and me["district_roles"] == ["district_inspector"]
    assert "notes.read" in me["permissions"] and "notes.write" not in me["permissions"]
    assert "core.modules.manage" not in me["permissions"]
    assert client.get("/api/v1/notes", headers=inspector.headers).status_code == 200
    posted = client.post("/api/v1/notes", json={"title": "x"}, headers=inspector.headers)
    assert posted.status_code == 403
    schools = client.get("/api/v1/district/schools", headers=inspector.headers).get_json()
    assert [(s["slug"], s["modules"]) for s in schools] == [("d-one", ["notes"]),
                                                            ("d-two", ["notes"])]


def test_district_reads_are_audited_in_each_school_read(app, client, make_school, make_user):
    from core.audit import AuditEvent

    a, b = make_school("aud-one"), make_school("aud-two")
    inspector = make_user(a, "district_inspector", district=a.district_id)
    client.get("/api/v1/district/schools", headers=inspector.headers)
    client.get("/api/v1/school", headers=inspector.headers)
    for school, expected in ((a, {"tenant_modules", "request"}), (b, {"tenant_modules"})):
        with tenant_context(school):
            events = db.session.scalars(select(AuditEvent).where(
                AuditEvent.action == "district_read")).all()
            assert {e.entity for e in events} == expected
            assert {e.user_id for e in events} == {inspector.id}


def test_cli_creates_users_grants_roles_and_prints_a_token_once(app, make_school):
    make_school("cli-school")
    runner = CliRunner()
    result = runner.invoke(cli, ["users", "create", "--email", "cli@example.cn", "--name", "Cli",
                                 "--password", "long-enough-pw"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(cli, ["tokens", "create", "--email", "cli@example.cn",
                                 "--tenant", "cli-school"])
    assert result.exit_code == 2 and "holds no role" in result.output
    result = runner.invoke(cli, ["users", "grant", "--email", "cli@example.cn",
                                 "--role", "nurse", "--tenant", "cli-school"])
    assert "granted nurse" in result.output
    result = runner.invoke(cli, ["users", "grant", "--email", "cli@example.cn",
                                 "--role", "chef", "--tenant", "cli-school"])
    assert result.exit_code == 2 and "not a school role" in result.output
    result = runner.invoke(cli, ["tokens", "create", "--email", "cli@example.cn",
                                 "--tenant", "cli-school"])
    assert result.exit_code == 0
    token = result.stdout.strip().splitlines()[0]
    assert token.startswith("hq_") and services.verify_token(token) is not None
    user = db.session.scalar(select(User).where(User.email == "cli@example.cn"))
    assert verify_password(user.password_hash, "long-enough-pw")
    result = runner.invoke(cli, ["users", "create", "--email", "weak@example.cn", "--name", "W",
                                 "--password", "short"])
    assert result.exit_code == 2 and "at least 10 characters" in result.output
    with tenant_context(make_school("other-cli")):
        assert db.session.scalars(select(ApiToken)).all() == []


def test_a_public_id_shared_by_two_schools_matches_neither(app, make_school):
    a, b = make_school("share-a"), make_school("share-b")
    user = services.create_user("dup@example.cn", "Dup")
    tokens = []
    for school in (a, b):
        with tenant_context(school):
            services.grant_school_role(user, "nurse")
            tokens.append(services.create_token(user, "t"))
            db.session.commit()
    with tenant_context(b):
        row = db.session.scalar(select(ApiToken))
        row.public_id = tokens[0].public_id  # as if chance had made them equal
        db.session.commit()
    app.extensions["houqin_caches"].clear()
    assert services.verify_token(tokens[0].plaintext) is None
