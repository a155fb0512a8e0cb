"""Accounts in the browser: each action ends in the database and the audit trail, and each
refusal (another school's account, a role beyond the actor, a used or expired link) writes
nothing."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from core.audit import AuditEvent
from core.db import utcnow
from core.extensions import db
from core.identity import services as identity
from core.identity.models import AccountLink, ApiToken, Membership, User, UserSession
from core.identity.passwords import verify_password
from core.mail import OutboxMail
from core.people import services as people
from core.people.models import Guardian
from core.tenancy import tenant_context
from core.testing import signed_in

pytestmark = pytest.mark.houqin_plugins("notes")
SLUG = "accounts-web"
BASE = f"/t/{SLUG}"
CSRF = "test-csrf-token"


@pytest.fixture
def school(app, make_school):
    return make_school(SLUG)


@pytest.fixture
def admin(client, school, make_user):
    user = make_user(school, "school_admin", email="head@accounts.test", token=False)
    signed_in(client, user)
    return user


def post(client, path, **data):
    return client.post(f"{BASE}{path}", data={"csrf_token": CSRF, **data})


def link_of(page: str) -> str:
    return re.search(r'value="(https?://[^"]+/account/link/[^"]+)"', page).group(1)


def roles_of(school, user_id) -> dict[str, bool]:
    db.session.expire_all()
    with tenant_context(school):
        return {m.role: m.deactivated_at is None for m in db.session.scalars(
            select(Membership).where(Membership.user_id == user_id))}


def actions(school, action) -> list[AuditEvent]:
    db.session.expire_all()
    with tenant_context(school):
        return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def invite(client, email="cook@accounts.test", roles=("canteen_manager",), name="李厨师"):
    return client.post(f"{BASE}/accounts", data={"csrf_token": CSRF, "name": name,
                                                  "email": email, "roles": list(roles)})


def test_inviting_staff_makes_an_account_a_hashed_link_and_a_mail(client, school, admin):
    response = invite(client)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    link = link_of(page)
    user = identity.user_by_email("cook@accounts.test")
    assert user.password_hash is None and user.name == "李厨师"
    assert roles_of(school, user.id) == {"canteen_manager": True}
    token = link.rsplit("/", 1)[1]
    with tenant_context(school):
        stored = db.session.scalar(select(AccountLink))
    assert stored.public_id == token.split(".")[0] and token.split(".")[1] not in stored.secret_hash
    assert stored.purpose == "invite" and stored.expires_at > utcnow() + timedelta(days=2)
    mail = db.session.scalar(select(OutboxMail).where(OutboxMail.to == "cook@accounts.test"))
    assert link in mail.body
    assert [e.entity_id for e in actions(school, "invite")] == [str(user.id)]
    assert 'data-testid="account-cook@accounts.test"' in client.get(f"{BASE}/accounts").get_data(
        as_text=True)


def test_the_link_sets_the_password_once(client, school, admin):
    link = link_of(invite(client).get_data(as_text=True))
    path = link.split("://", 1)[1].split("/", 1)[1]
    visitor = client.application.test_client()
    assert visitor.get(f"/{path}").status_code == 200
    short = visitor.post(f"/{path}", data={"csrf_token": _csrf(visitor, path), "password": "short",
                                           "confirm": "short"})
    assert short.status_code == 422
    done = visitor.post(f"/{path}", data={"csrf_token": _csrf(visitor, path),
                                          "password": "a-long-password", "confirm": "a-long-password"})
    assert done.status_code == 302 and "/login" in done.headers["Location"]
    db.session.expire_all()
    user = identity.user_by_email("cook@accounts.test")
    assert verify_password(user.password_hash, "a-long-password")
    assert [e.entity_id for e in actions(school, "set_password")] == [str(user.id)]
    again = visitor.get(f"/{path}")
    assert again.status_code == 410 and 'data-testid="link-problem"' in again.get_data(as_text=True)
    replay = visitor.post(f"/{path}", data={"csrf_token": _csrf(visitor, "login"),
                                            "password": "another-password", "confirm": "another-password"})
    assert replay.status_code == 410
    db.session.expire_all()
    assert verify_password(identity.user_by_email("cook@accounts.test").password_hash,
                           "a-long-password")


def _csrf(client, path):
    page = client.get(f"/{path}" if path != "login" else "/login").get_data(as_text=True)
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    if found:
        return found.group(1)
    with client.session_transaction() as session:
        return session.get("csrf", "")


def test_an_expired_or_forged_link_gives_a_clear_page(client, school, admin):
    link = link_of(invite(client).get_data(as_text=True))
    path = "/" + link.split("://", 1)[1].split("/", 1)[1]
    with tenant_context(school):
        db.session.scalar(select(AccountLink)).expires_at = utcnow() - timedelta(minutes=1)
        db.session.commit()
    visitor = client.application.test_client()
    expired = visitor.get(path)
    assert expired.status_code == 410 and "已过期" in expired.get_data(as_text=True)
    assert visitor.get(path[:-3] + "abc").status_code == 404
    assert visitor.get("/account/link/nonsense").status_code == 404


def test_a_new_link_withdraws_the_old_one(client, school, admin):
    first = link_of(invite(client).get_data(as_text=True))
    user_id = identity.user_by_email("cook@accounts.test").id
    second = link_of(post(client, f"/accounts/{user_id}/reset").get_data(as_text=True))
    assert first != second
    visitor = client.application.test_client()
    assert visitor.get("/" + first.split("://")[1].split("/", 1)[1]).status_code == 410
    assert visitor.get("/" + second.split("://")[1].split("/", 1)[1]).status_code == 200
    assert len(actions(school, "reset_password")) == 1


def test_granting_and_revoking_roles(client, school, admin):
    invite(client)
    user_id = identity.user_by_email("cook@accounts.test").id
    assert post(client, f"/accounts/{user_id}/roles", role="nurse").status_code == 302
    assert roles_of(school, user_id) == {"canteen_manager": True, "nurse": True}
    assert post(client, f"/accounts/{user_id}/roles/canteen_manager/revoke").status_code == 302
    assert roles_of(school, user_id) == {"nurse": True}
    with tenant_context(school):
        kinds = {(e.action, e.entity) for e in db.session.scalars(select(AuditEvent))}
    assert {("create", "memberships"), ("delete", "memberships")} <= kinds


def test_a_school_admin_may_not_give_or_take_the_admin_role(client, school, admin, make_user):
    other_admin = make_user(school, "school_admin", token=False)
    invite(client)
    user_id = identity.user_by_email("cook@accounts.test").id
    refused = post(client, f"/accounts/{user_id}/roles", role="school_admin")
    assert refused.status_code == 403
    assert roles_of(school, user_id) == {"canteen_manager": True}
    assert invite(client, "boss@accounts.test", roles=("school_admin",)).status_code == 403
    assert identity.user_by_email("boss@accounts.test") is None
    assert post(client, f"/accounts/{other_admin.id}/deactivate").status_code == 403
    assert post(client, f"/accounts/{other_admin.id}/roles/school_admin/revoke").status_code == 403
    assert roles_of(school, other_admin.id) == {"school_admin": True}
    assert post(client, f"/accounts/{admin.id}/deactivate").status_code == 403
    assert invite(client, "x@accounts.test", roles=("no_such_role",)).status_code == 422


def test_another_schools_account_is_not_found(client, school, admin, make_school, make_user):
    elsewhere = make_school("elsewhere")
    stranger = make_user(elsewhere, "canteen_manager", token=False)
    for path, data in ((f"/accounts/{stranger.id}/deactivate", {}),
                       (f"/accounts/{stranger.id}/reset", {}),
                       (f"/accounts/{stranger.id}/roles", {"role": "nurse"}),
                       (f"/accounts/{stranger.id}/roles/canteen_manager/revoke", {})):
        assert post(client, path, **data).status_code == 404, path
    assert roles_of(elsewhere, stranger.id) == {"canteen_manager": True}
    assert roles_of(school, stranger.id) == {}


def test_a_person_without_the_permission_is_refused_before_input(client, school, make_user):
    cook = make_user(school, "canteen_manager", token=False)
    signed_in(client, cook)
    assert client.get(f"{BASE}/accounts").status_code == 403
    assert invite(client, "sneaky@accounts.test").status_code == 403
    assert identity.user_by_email("sneaky@accounts.test") is None
    no_csrf = client.application.test_client()
    signed_in(no_csrf, make_user(school, "school_admin", token=False))
    assert no_csrf.post(f"{BASE}/accounts", data={"email": "a@b.test", "name": "x",
                                                   "roles": ["nurse"]}).status_code == 400
    assert identity.user_by_email("a@b.test") is None


def test_deactivating_ends_the_persons_access_to_the_school(app, client, school, admin,
                                                            make_user):
    cook = make_user(school, "canteen_manager")
    other = app.test_client()
    signed_in(other, cook)
    assert other.get(f"{BASE}/").status_code == 200
    assert client.get(f"{BASE}/api/v1/me", headers=cook.headers).status_code == 200
    assert post(client, f"/accounts/{cook.id}/deactivate").status_code == 302
    assert roles_of(school, cook.id) == {"canteen_manager": False}
    assert other.get(f"{BASE}/").status_code in (302, 403)
    assert client.get(f"{BASE}/api/v1/me", headers=cook.headers).status_code == 401
    with tenant_context(school):
        assert db.session.scalar(select(ApiToken.revoked_at)) is not None
    assert db.session.scalar(select(UserSession.ended_at).where(
        UserSession.user_id == cook.id)) is not None
    assert len(actions(school, "deactivate")) == 1
    assert post(client, f"/accounts/{cook.id}/reset").status_code == 409
    assert post(client, f"/accounts/{cook.id}/reactivate").status_code == 302
    assert roles_of(school, cook.id) == {"canteen_manager": True}
    assert len(actions(school, "reactivate")) == 1


def test_deactivation_in_one_school_leaves_the_other(app, client, school, admin, make_school,
                                                     make_user):
    elsewhere = make_school("second")
    nurse = make_user(school, "nurse", token=False)
    make_user(elsewhere, "nurse", email=nurse.email, token=False)
    assert post(client, f"/accounts/{nurse.id}/deactivate").status_code == 302
    browser = app.test_client()
    signed_in(browser, nurse)
    assert browser.get(f"{BASE}/").status_code == 403
    assert browser.get("/t/second/").status_code == 200
    # Their password is theirs in the other school too: this school may not reset it.
    post(client, f"/accounts/{nurse.id}/reactivate")
    assert post(client, f"/accounts/{nurse.id}/reset").status_code == 403


# --- district ----------------------------------------------------------------------------------


@pytest.fixture
def district_admin(app, client, school, make_user):
    user = make_user(None, "district_admin", district=school.district_id,
                     email="bureau@accounts.test", token=False)
    signed_in(client, user)
    return user


def test_a_district_admin_invites_and_manages_a_schools_admin(client, school, district_admin):
    page = client.get("/district/district-a/accounts")
    assert page.status_code == 200
    sent = client.post("/district/district-a/accounts", data={
        "csrf_token": CSRF, "school": SLUG, "name": "王校长", "email": "head2@accounts.test"})
    assert sent.status_code == 200 and "/account/link/" in sent.get_data(as_text=True)
    head = identity.user_by_email("head2@accounts.test")
    assert roles_of(school, head.id) == {"school_admin": True}
    base = f"/district/district-a/schools/{SLUG}/accounts/{head.id}"
    assert client.post(f"{base}/deactivate", data={"csrf_token": CSRF}).status_code == 302
    assert roles_of(school, head.id) == {"school_admin": False}
    assert client.post(f"{base}/reactivate", data={"csrf_token": CSRF}).status_code == 302
    assert client.post(f"{base}/revoke", data={"csrf_token": CSRF}).status_code == 302
    assert roles_of(school, head.id) == {}
    assert len(actions(school, "invite")) == 1


def test_a_district_admin_reaches_only_their_districts_schools(client, school, district_admin,
                                                                make_school, make_user):
    far = make_school("far", district="district-b")
    far_head = make_user(far, "school_admin", token=False)
    assert client.get("/district/district-b/accounts").status_code == 404
    sent = client.post("/district/district-a/accounts", data={
        "csrf_token": CSRF, "school": "far", "name": "x", "email": "far2@accounts.test"})
    assert sent.status_code == 422 and identity.user_by_email("far2@accounts.test") is None
    for district in ("district-a", "district-b"):
        response = client.post(f"/district/{district}/schools/far/accounts/{far_head.id}/deactivate",
                               data={"csrf_token": CSRF})
        assert response.status_code == 404
    assert roles_of(far, far_head.id) == {"school_admin": True}


def test_a_district_inspector_may_not_manage_accounts(client, school, make_user):
    inspector = make_user(None, "district_inspector", district=school.district_id, token=False)
    signed_in(client, inspector)
    assert client.get("/district/district-a/accounts").status_code == 403


# --- guardians ---------------------------------------------------------------------------------


@pytest.fixture
def pupils(school, make_user):
    """Two classes; the first's head teacher has an account."""
    teacher = make_user(school, "class_teacher", email="teacher@accounts.test", token=False)
    with tenant_context(school):
        grade = people.create_grade("一年级", 1)
        staff = people.create_staff({"name": "张老师", "position": "teacher", "phone": None,
                                     "active": True, "login": "teacher@accounts.test"})
        mine = people.create_class(grade.id, "1班", staff.id)
        theirs = people.create_class(grade.id, "2班", None)
        found = {}
        for key, school_class in (("mine", mine), ("theirs", theirs)):
            pupil = people.create_student({
                "student_no": key, "name": f"{key}小明", "gender": "male",
                "birth_date": __import__("datetime").date(2019, 5, 1),
                "class_id": school_class.id, "boarding": False, "allergies": "",
                "dietary_notes": ""})
            found[key] = people.add_guardian(pupil.id, {
                "name": f"{key}妈妈", "relation": "mother", "phone": "13800138000",
                "can_pick_up": True}).id
        db.session.commit()
    return teacher, found


def test_a_class_teacher_invites_their_pupils_guardian(client, school, pupils):
    teacher, guardians = pupils
    signed_in(client, teacher)
    sent = post(client, f"/people/guardians/{guardians['mine']}/invite",
                email="mum@accounts.test")
    assert sent.status_code == 200 and "/account/link/" in sent.get_data(as_text=True)
    mum = identity.user_by_email("mum@accounts.test")
    assert roles_of(school, mum.id) == {"guardian": True}
    with tenant_context(school):
        assert db.session.scalar(select(Guardian.user_id).where(
            Guardian.id == guardians["mine"])) == mum.id
    refused = post(client, f"/people/guardians/{guardians['theirs']}/invite",
                   email="other@accounts.test")
    assert refused.status_code == 403
    assert identity.user_by_email("other@accounts.test") is None


def test_the_office_invites_any_guardian_and_refuses_a_bad_address(client, school, admin, pupils):
    _teacher, guardians = pupils
    bad = post(client, f"/people/guardians/{guardians['theirs']}/invite", email="not-an-address")
    assert bad.status_code == 422 and 'data-testid="error-invite"' in bad.get_data(as_text=True)
    assert db.session.scalar(select(User.id).where(User.name == "theirs妈妈")) is None
    assert post(client, f"/people/guardians/{guardians['theirs']}/invite",
                email="dad@accounts.test").status_code == 200


def test_inviting_someone_with_an_account_adds_roles_without_a_link(client, school, admin,
                                                                    make_school, make_user):
    nurse = make_user(make_school("third"), "nurse", token=False)
    user = db.session.get(User, nurse.id)
    user.password_hash = "x"  # as if they had chosen one at the other school
    db.session.commit()
    page = invite(client, nurse.email, roles=("nurse",)).get_data(as_text=True)
    assert "/account/link/" not in page and 'data-testid="account-link"' in page
    assert roles_of(school, nurse.id) == {"nurse": True}
    assert db.session.scalar(select(User.name).where(User.id == nurse.id)) == "nurse"
    with tenant_context(school):
        assert db.session.scalar(select(AccountLink.id)) is None


def test_the_student_page_offers_invitations_only_where_they_are_allowed(client, school, pupils):
    teacher, guardians = pupils
    signed_in(client, teacher)
    with tenant_context(school):
        mine = people.get_guardian(guardians["mine"]).student_id
        theirs = people.get_guardian(guardians["theirs"]).student_id
    assert 'data-testid="invite-guardian"' in client.get(
        f"{BASE}/people/students/{mine}").get_data(as_text=True)
    assert 'data-testid="invite-guardian"' not in client.get(
        f"{BASE}/people/students/{theirs}").get_data(as_text=True)


def test_guardians_are_listed_apart_and_found_by_name(client, school, admin, pupils):
    _teacher, guardians = pupils
    post(client, f"/people/guardians/{guardians['mine']}/invite", email="mum@accounts.test")
    staff = client.get(f"{BASE}/accounts").get_data(as_text=True)
    assert "mum@accounts.test" not in staff and "teacher@accounts.test" in staff
    listed = client.get(f"{BASE}/accounts?who=guardians").get_data(as_text=True)
    assert "mum@accounts.test" in listed and "teacher@accounts.test" not in listed
    found = client.get(f"{BASE}/accounts?q=teacher@").get_data(as_text=True)
    assert "teacher@accounts.test" in found and "head@accounts.test" not in found



def test_a_refused_role_is_shown_by_the_persons_row_with_the_list(client, school, admin,
                                                                  make_user):
    invite(client)
    user_id = identity.user_by_email("cook@accounts.test").id
    other_admin = make_user(school, "school_admin", token=False)
    # Bad input (422) and a role beyond the administrator (403) alike: the accounts page
    # again, the message in the person's row, as every form shows its refusals.
    for path, data, status, box in (
            (f"/accounts/{user_id}/roles", {"role": "no_such_role"}, 422, "role"),
            (f"/accounts/{user_id}/roles", {"role": "school_admin"}, 403, "role"),
            (f"/accounts/{other_admin.id}/deactivate", {}, 403, "account")):
        refused = post(client, path, **data)
        assert refused.status_code == status, path
        page = refused.get_data(as_text=True)
        assert f'data-testid="error-{box}">' in page, path
        assert 'data-testid="account-cook@accounts.test"' in page
    assert roles_of(school, user_id) == {"canteen_manager": True}
    assert roles_of(school, other_admin.id) == {"school_admin": True}
