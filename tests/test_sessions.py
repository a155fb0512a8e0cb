"""Sessions that end: sign-out, password change and reset, an administrator, idleness; and a
person sees where they are signed in."""

from datetime import timedelta
from urllib.parse import quote

import pytest
from sqlalchemy import select, update

from core.cache import app_cache
from core.db import utcnow
from core.extensions import db
from core.identity import services, sessions
from core.identity.models import User, UserSession
from core.mail import outbox
from core.people import services as people
from core.tenancy import tenant_context
from tests.test_account import ask_for_link, link_in
from tests.test_web import csrf, sign_in

pytestmark = pytest.mark.houqin_plugins("notes")
PASSWORD = "correct-horse-1"


@pytest.fixture
def school(app, make_school):
    return make_school("sessions-school")


@pytest.fixture
def teacher(school):
    user = services.create_user("teacher@web.test", "Teacher", PASSWORD)
    with tenant_context(school):
        services.grant_school_role(user, "class_teacher")
    db.session.commit()
    return user.id


def browser(app, email="teacher@web.test", password=PASSWORD):
    """A fresh browser, signed in through the sign-in page."""
    client = app.test_client()
    response = sign_in(client, password, email)
    assert response.status_code == 302, response.get_data(as_text=True)
    return client


def copy_of(app, client):
    """Another browser holding a captured copy of ``client``'s session cookie."""
    thief = app.test_client()
    thief.set_cookie("session", client.get_cookie("session").value)
    return thief


def signed_in(client) -> bool:
    response = client.get("/schools")
    assert response.status_code in (200, 302)
    return not (response.location or "").startswith("/login")


def form_token(client) -> str:
    return csrf(client.get("/password/change").get_data(as_text=True))


def test_a_cookie_captured_before_sign_out_no_longer_works(app, teacher):
    owner = browser(app)
    thief = copy_of(app, owner)
    assert signed_in(thief)
    assert owner.post("/logout", data={"csrf_token": form_token(owner)}).status_code == 302
    assert not signed_in(owner) and not signed_in(thief)


def test_a_password_change_signs_out_every_other_browser(app, teacher):
    changing, elsewhere = browser(app), browser(app)
    thief = copy_of(app, elsewhere)
    response = changing.post("/password/change", data={
        "current": PASSWORD, "password": "a-new-password", "confirm": "a-new-password",
        "csrf_token": form_token(changing)})
    assert response.status_code == 200 and signed_in(changing)
    assert not signed_in(elsewhere) and not signed_in(thief)
    assert "其他浏览器均已退出登录" in response.get_data(as_text=True)


def test_a_password_reset_signs_out_every_browser(app, teacher):
    first, second = browser(app), browser(app)
    stranger = app.test_client()
    ask_for_link(stranger)
    link = link_in(outbox()[0])
    page = stranger.get(link).get_data(as_text=True)
    done = stranger.post(link, data={"password": "a-new-password", "confirm": "a-new-password",
                                     "csrf_token": csrf(page)})
    assert done.status_code == 302
    assert not signed_in(first) and not signed_in(second)
    assert signed_in(browser(app, password="a-new-password"))


def test_an_idle_session_expires_and_last_seen_is_not_written_on_every_request(
        app, teacher, monkeypatch):
    client = browser(app)
    row = db.session.scalar(select(UserSession))
    started = row.last_seen_at
    assert signed_in(client)
    db.session.expire_all()
    assert db.session.get(UserSession, row.id).last_seen_at == started  # within the minute
    later = utcnow() + timedelta(minutes=2)
    monkeypatch.setattr(sessions, "utcnow", lambda: later)
    assert signed_in(client)
    db.session.expire_all()
    assert db.session.get(UserSession, row.id).last_seen_at == later  # noted, once
    idle = later + timedelta(minutes=app.config["SESSION_IDLE_MINUTES"], seconds=1)
    monkeypatch.setattr(sessions, "utcnow", lambda: idle)
    assert not signed_in(client)


def test_a_session_ends_at_its_absolute_lifetime_however_busy(app, teacher, monkeypatch):
    client = browser(app)
    end = utcnow() + timedelta(days=app.config["SESSION_MAX_DAYS"], seconds=1)
    # Used a moment ago, so only the lifetime can end it.
    db.session.execute(update(UserSession).values(last_seen_at=end - timedelta(minutes=1)))
    db.session.commit()
    app_cache(sessions.CACHE).invalidate()
    monkeypatch.setattr(sessions, "utcnow", lambda: end)
    assert not signed_in(client)


def test_an_ended_session_is_refused_at_once_despite_the_auth_cache(app, teacher):
    client = browser(app)
    assert signed_in(client)  # the session is now in this worker's cache
    user = db.session.get(User, teacher)
    assert sessions.end_everywhere(user.id, sessions.Reason.ENDED_BY_ADMIN) == 1
    db.session.commit()
    assert not signed_in(client)


def test_a_person_lists_and_ends_their_sessions_on_the_page(app, teacher):
    here, there = browser(app), browser(app)
    page = here.get("/account/sessions").get_data(as_text=True)
    assert page.count("data-session=") == 2 and page.count("此浏览器") == 1
    other = db.session.scalars(select(UserSession.id).order_by(UserSession.id)).all()[1]
    response = here.post(f"/account/sessions/{other}/end", data={"csrf_token": csrf(page)})
    assert response.status_code == 302
    assert signed_in(here) and not signed_in(there)
    page = here.get("/account/sessions").get_data(as_text=True)
    assert page.count("data-session=") == 1
    mine = db.session.scalars(select(UserSession.id).order_by(UserSession.id)).all()[0]
    out = here.post(f"/account/sessions/{mine}/end", data={"csrf_token": csrf(page)})
    assert out.status_code == 302 and out.location.endswith("/login")
    assert not signed_in(here)


def test_a_person_lists_and_ends_their_sessions_over_the_api(app, school, teacher, make_user):
    here, there = browser(app), browser(app)
    listed = here.get("/api/v1/me/sessions")
    assert listed.status_code == 200
    rows = listed.get_json()
    assert len(rows) == 2 and [row["current"] for row in rows].count(True) == 1
    other = next(row["id"] for row in rows if not row["current"])
    assert set(rows[0]) >= {"id", "device", "address", "created_at", "last_seen_at",
                            "expires_at"}
    # Someone else, even with a token of the same school, neither sees nor ends them.
    intruder = make_user(school, "school_admin")
    assert intruder.token and client_get(app, "/api/v1/me/sessions", intruder).get_json() == []
    refused = app.test_client().delete(f"/api/v1/me/sessions/{other}", headers=intruder.headers)
    assert refused.status_code == 404 and signed_in(there)
    ended = here.delete(f"/api/v1/me/sessions/{other}",
                        headers={"X-CSRF-Token": form_token(here)})
    assert ended.status_code == 204
    assert not signed_in(there) and signed_in(here)


def client_get(app, path, user):
    return app.test_client().get(path, headers=user.headers)


def test_another_schools_user_cannot_see_a_persons_sessions(app, school, teacher, make_school,
                                                            make_user):
    browser(app)
    elsewhere = make_user(make_school("other-school"), "school_admin")
    response = app.test_client().get("/api/v1/me/sessions", headers=elsewhere.headers)
    assert response.status_code == 200 and response.get_json() == []


def test_purge_removes_ended_and_idle_sessions_only(app, teacher):
    keep, gone = browser(app), browser(app)
    gone.post("/logout", data={"csrf_token": form_token(gone)})
    idle = browser(app)
    first, _, last = db.session.scalars(select(UserSession.id).order_by(UserSession.id)).all()
    db.session.execute(update(UserSession).where(UserSession.id == last).values(
        last_seen_at=utcnow() - timedelta(minutes=app.config["SESSION_IDLE_MINUTES"] + 1)))
    db.session.commit()
    assert sessions.purge() == 2
    assert db.session.scalars(select(UserSession.id)).all() == [first]
    assert signed_in(keep) and not signed_in(idle)


# --- an administrator ends a person's sessions ----------------------------------------------


def staff_for(school, user_id: int, name: str) -> str:
    email = db.session.get(User, user_id).email
    with tenant_context(school):
        member = people.create_staff({"name": name, "position": "staff", "phone": None,
                                      "active": True, "login": email})
        db.session.commit()
        return str(member.id)


@pytest.fixture
def admin(school, make_user):
    user = services.create_user("principal@web.test", "Principal", PASSWORD)
    with tenant_context(school):
        services.grant_school_role(user, "school_admin")
    db.session.commit()
    return user.id


def test_a_school_admin_ends_a_members_sessions_on_the_staff_page(app, school, teacher, admin):
    staff_id = staff_for(school, teacher, "王老师")
    victim = browser(app)
    principal = browser(app, email="principal@web.test")
    page = principal.get(f"/t/sessions-school/people/staff/{staff_id}").get_data(as_text=True)
    assert 'data-testid="end-sessions"' in page
    response = principal.post(f"/t/sessions-school/people/staff/{staff_id}/sessions/end",
                              data={"csrf_token": csrf(page)})
    assert response.status_code == 302
    assert not signed_in(victim) and signed_in(principal)
    shown = principal.get(response.location).get_data(as_text=True)
    assert "已退出 1 个浏览器" in shown


def test_a_teacher_cannot_end_anyones_sessions(app, school, teacher, admin, make_user):
    staff_id = staff_for(school, admin, "校长")
    victim = browser(app, email="principal@web.test")
    colleague = browser(app)
    page = colleague.get(f"/t/sessions-school/people/staff/{staff_id}").get_data(as_text=True)
    assert 'data-testid="end-sessions"' not in page
    refused = colleague.post(f"/t/sessions-school/people/staff/{staff_id}/sessions/end",
                             data={"csrf_token": form_token(colleague)})
    assert refused.status_code == 403 and signed_in(victim)


def test_a_principal_cannot_end_a_district_admins_sessions(app, school, admin, make_user):
    district_admin = make_user(school, "district_admin", email="bureau@web.test",
                               district=school.district_id)
    user = db.session.get(User, district_admin.id)
    user.password_hash = db.session.get(User, admin).password_hash
    with tenant_context(school):
        services.grant_school_role(user, "class_teacher")  # also works in this school
    db.session.commit()
    staff_id = staff_for(school, district_admin.id, "局长")
    bureau = browser(app, email="bureau@web.test")
    principal = browser(app, email="principal@web.test")
    refused = principal.post(f"/t/sessions-school/people/staff/{staff_id}/sessions/end",
                             data={"csrf_token": form_token(principal)})
    assert refused.status_code == 403 and signed_in(bureau)
    api = make_user(school, "school_admin", email="principal@web.test")
    refused = app.test_client().delete(
        f"/api/v1/people/staff/{staff_id}/sessions", headers=api.headers)
    assert refused.status_code == 403 and signed_in(bureau)


def test_a_district_admin_ends_a_members_sessions_over_the_api(app, school, teacher, make_user):
    staff_id = staff_for(school, teacher, "王老师")
    victim, other = browser(app), browser(app)
    district_admin = make_user(school, "district_admin", district=school.district_id)
    response = app.test_client().delete(f"/api/v1/people/staff/{staff_id}/sessions",
                                        headers=district_admin.headers)
    assert response.status_code == 200 and response.get_json() == {"ended": 2}
    assert not signed_in(victim) and not signed_in(other)
    with tenant_context(school):
        from core.audit import AuditEvent

        assert db.session.scalar(select(AuditEvent.action).where(
            AuditEvent.action == "end_sessions")) == "end_sessions"


def test_a_school_admin_cannot_end_someone_who_also_works_elsewhere(
        app, school, teacher, admin, make_school, make_user):
    with tenant_context(make_school("second-school")):
        services.grant_school_role(db.session.get(User, teacher), "class_teacher")
    db.session.commit()
    staff_id = staff_for(school, teacher, "王老师")
    victim = browser(app)
    api = make_user(school, "school_admin", email="principal@web.test")
    refused = app.test_client().delete(f"/api/v1/people/staff/{staff_id}/sessions",
                                       headers=api.headers)
    assert refused.status_code == 403 and signed_in(victim)


def test_an_operator_lists_and_ends_sessions_and_the_sweep_purges_them(app, teacher):
    from click.testing import CliRunner

    from core.cli import cli

    client = browser(app)
    listed = CliRunner().invoke(cli, ["users", "sessions", "--email", "teacher@web.test"])
    assert listed.exit_code == 0 and "Werkzeug" in listed.output  # the test client's agent
    ended = CliRunner().invoke(cli, ["users", "end-sessions", "--email", "teacher@web.test"])
    assert "ended 1 session(s)" in ended.output and not signed_in(client)
    assert db.session.scalar(select(UserSession.id)) is not None
    CliRunner().invoke(cli, ["scheduler-tick"])
    assert db.session.scalar(select(UserSession.id)) is None
    for command in ("sessions", "end-sessions"):
        unknown = CliRunner().invoke(cli, ["users", command, "--email", "nobody@web.test"])
        assert unknown.exit_code == 2 and "no account nobody@web.test" in unknown.output


def test_signing_in_again_ends_the_session_the_browser_held(app, teacher, admin):
    shared = browser(app)
    thief = copy_of(app, shared)
    assert sign_in(shared, PASSWORD, "principal@web.test").status_code == 302
    assert not signed_in(thief) and signed_in(shared)


# --- a browser whose sign-in ended is led back to the sign-in page -------------------------


@pytest.mark.parametrize("path", ["/account/sessions", "/password/change"])
def test_a_signed_out_page_leads_to_the_sign_in_page_and_back(app, teacher, path):
    client = app.test_client()
    response = client.get(path + "?from=menu")
    assert response.status_code == 302
    assert response.location == "/login?next=" + quote(path + "?from=menu")
    token = csrf(client.get(response.location).get_data(as_text=True))
    back = client.post(response.location, data={"email": "teacher@web.test",
                                                 "password": PASSWORD, "csrf_token": token})
    assert back.status_code == 302 and back.location == path + "?from=menu"


def test_a_form_sent_after_the_session_ended_returns_to_its_page_with_a_message(
        app, school, teacher):
    client = browser(app)
    page = f"http://localhost/t/{school.slug}/people/staff"
    token = form_token(client)
    sessions.end_everywhere(teacher, sessions.Reason.ENDED_BY_ADMIN)
    db.session.commit()
    response = client.post("/password/change", headers={"Referer": page}, data={
        "current": PASSWORD, "password": "a-new-password", "confirm": "a-new-password",
        "csrf_token": token})
    assert response.status_code == 303
    assert response.location == "/login?next=" + quote(f"/t/{school.slug}/people/staff")
    shown = client.get(response.location).get_data(as_text=True)
    assert 'data-testid="flash"' in shown and "未保存" in shown
    # A Referer from another site is not followed: back to the home page instead.
    again = app.test_client().post(f"/t/{school.slug}/people/staff",
                                   headers={"Referer": "https://evil.example/t/x/"})
    assert again.location == "/login?next=" + quote(f"/t/{school.slug}/")


def test_htmx_is_told_where_to_go_and_the_api_keeps_its_401(app, school, teacher):
    client = browser(app)
    token = form_token(client)
    sessions.end_everywhere(teacher, sessions.Reason.ENDED_BY_ADMIN)
    db.session.commit()
    htmx = client.post(f"/t/{school.slug}/people/staff", data={"csrf_token": token},
                       headers={"HX-Request": "true",
                                "Referer": f"http://localhost/t/{school.slug}/people/staff"})
    assert htmx.status_code == 401
    assert htmx.headers["HX-Redirect"] == "/login?next=" + quote(f"/t/{school.slug}/people/staff")
    # A polled fragment brings the person back to the page it sits on, not to the fragment.
    polled = client.get(f"/t/{school.slug}/notifications", headers={
        "HX-Request": "true", "HX-Current-URL": f"http://localhost/t/{school.slug}/people/staff"})
    assert polled.status_code == 401
    assert polled.headers["HX-Redirect"] == "/login?next=" + quote(f"/t/{school.slug}/people/staff")
    for response in (app.test_client().get("/api/v1/me/sessions"),
                     app.test_client().get("/account/sessions",
                                           headers={"Accept": "application/json"})):
        assert response.status_code == 401
        assert response.mimetype == "application/problem+json"


def test_the_sign_out_button_shows_only_where_the_action_would_succeed(
        app, school, teacher, admin, make_school):
    staff_id = staff_for(school, teacher, "王老师")
    principal = browser(app, email="principal@web.test")
    page = principal.get(f"/t/sessions-school/people/staff/{staff_id}").get_data(as_text=True)
    assert 'data-testid="end-sessions"' in page
    with tenant_context(make_school("second-school")):
        services.grant_school_role(db.session.get(User, teacher), "class_teacher")
    db.session.commit()
    page = principal.get(f"/t/sessions-school/people/staff/{staff_id}").get_data(as_text=True)
    assert 'data-testid="end-sessions"' not in page
    assert 'data-testid="end-sessions-beyond"' in page and "另一所学校" in page
    refused = principal.post(f"/t/sessions-school/people/staff/{staff_id}/sessions/end",
                             data={"csrf_token": csrf(page)})
    assert refused.status_code == 403


def test_refusals_of_the_session_api_speak_chinese(app, school, teacher, make_user,
                                                   make_school):
    user = make_user(school, "class_teacher")
    zh = {**user.headers, "Accept-Language": "zh-CN"}
    missing = app.test_client().delete("/api/v1/me/sessions/999999", headers=zh)
    assert missing.status_code == 404 and "会话" in missing.get_json()["detail"]
    staff_id = staff_for(school, teacher, "王老师")
    denied = app.test_client().delete(f"/api/v1/people/staff/{staff_id}/sessions", headers=zh)
    assert denied.status_code == 403 and "core.sessions.end" in denied.get_json()["detail"]
    assert "needs" not in denied.get_json()["detail"]
    make_school("dongfeng")
    elsewhere = browser(app).get("/api/v1/me/sessions",
                                 headers={"Accept-Language": "zh-CN", "X-Tenant": "dongfeng"})
    assert elsewhere.status_code == 403 and "you hold" not in elsewhere.get_json()["detail"]
    assert "没有角色" in elsewhere.get_json()["detail"]
