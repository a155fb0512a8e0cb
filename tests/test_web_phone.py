"""Accounts known by a mobile number: cooks and guards often have no e-mail. A number is
stored as its 11 digits however it was typed; an administrator invites by it and passes the
one-time link on by hand (Houqin sends no text messages); the person signs in with it, and
guessing at it is counted as guessing at the account."""

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from core.audit import AuditEvent
from core.cli import cli
from core.extensions import db
from core.identity import accounts as account_rules
from core.identity import services as identity
from core.identity.models import AccountLink, Membership, User
from core.mail import OutboxMail
from core.tenancy import tenant_context
from core.testing import signed_in
from tests import test_web_accounts as accounts_pages
from tests.test_web import csrf
from tests.test_web_accounts import BASE, SLUG, link_of

pytestmark = pytest.mark.houqin_plugins("notes")
# The accounts pages' people: a class teacher with two classes' guardians, a district admin.
pupils, district_admin = accounts_pages.pupils, accounts_pages.district_admin
CSRF = "test-csrf-token"
PHONE = "13800138000"
PER_ACCOUNT = 3


@pytest.fixture
def app(app_factory):
    app = app_factory(plugins=["notes"], SIGNIN_ACCOUNT_FAILURES=PER_ACCOUNT,
                      SIGNIN_ADDRESS_FAILURES=50)
    with app.app_context():
        yield app


@pytest.fixture
def school(app, make_school):
    return make_school(SLUG)


@pytest.fixture
def admin(client, school, make_user):
    user = make_user(school, "school_admin", email="head@accounts.test", token=False)
    signed_in(client, user)
    return user


def invite(client, login, name="王师傅", roles=("canteen_manager",)):
    return client.post(f"{BASE}/accounts", data={"csrf_token": CSRF, "name": name,
                                                  "email": login, "roles": list(roles)})


def sign_in(client, login, password):
    token = csrf(client.get("/login").get_data(as_text=True))
    return client.post("/login", data={"email": login, "password": password,
                                       "csrf_token": token})


def users() -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(User))


@pytest.mark.parametrize("typed", ["13800138000", "138 0013 8000", "138-0013-8000",
                                   "+86 138 0013 8000", "+8613800138000", "0086-13800138000",
                                   " (138) 0013-8000 "])
def test_a_number_is_kept_as_its_eleven_digits(app, typed):
    assert identity.normalise_phone(typed) == PHONE
    assert identity.normalise_login(typed) == ("phone", PHONE)


@pytest.mark.parametrize("typed", ["1380013800", "138001380001", "23800138000", "12800138000",
                                   "+1 415 555 0100", "138OO138000", "电话"])
def test_a_number_that_is_not_a_mainland_mobile_is_refused_naming_the_field(app, typed):
    with pytest.raises(identity.IdentityError) as refused:
        identity.normalise_login(typed, "email")
    assert refused.value.field == "email" and refused.value.status == 422


def test_an_e_mail_address_is_still_an_e_mail_address(app):
    assert identity.normalise_login(" Cook@School.CN ") == ("email", "cook@school.cn")


def test_a_bad_number_in_the_invite_form_is_a_422_beside_the_field(client, school, admin):
    before = users()
    response = invite(client, "138 0013 800")
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and 'data-testid="error-email"' in page
    assert "138 0013 800" in page.split('data-testid="error-email"', 1)[1][:200]
    assert users() == before


def test_a_phone_invite_gives_the_admin_the_link_and_the_cook_signs_in_by_number(
        client, school, admin):
    response = invite(client, "+86 138-0013-8000")
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and 'data-testid="no-sms"' in page
    link = link_of(page)
    user = db.session.scalar(select(User).where(User.phone == PHONE))
    assert user.email is None and user.password_hash is None and user.login == PHONE
    assert db.session.scalar(select(func.count()).select_from(OutboxMail)) == 0
    with tenant_context(school):
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "invite"))
        assert event.after["name"] == "王师傅" and PHONE not in str(event.after)
        listing = client.get(f"{BASE}/accounts").get_data(as_text=True)
    assert f'data-testid="account-{PHONE}"' in listing

    cook = client.application.test_client()
    path = "/" + link.split("://", 1)[1].split("/", 1)[1]
    form = cook.get(path)
    assert form.status_code == 200 and PHONE in form.get_data(as_text=True)
    chosen = cook.post(path, data={"csrf_token": csrf(form.get_data(as_text=True)),
                                   "password": "a-cooks-password-1",
                                   "confirm": "a-cooks-password-1"})
    assert chosen.status_code == 302
    signed = sign_in(cook, "138 0013 8000", "a-cooks-password-1")
    assert signed.status_code == 302
    assert cook.get("/").status_code in (200, 302)


def test_an_invite_by_number_finds_the_existing_account(client, school, admin):
    with tenant_context(school):
        account_rules.invite(PHONE, "王师傅", ["canteen_manager"],
                             account_rules.SCHOOL_ADMIN_REACH)
        db.session.commit()
    assert invite(client, "138 0013 8000", roles=("guard",)).status_code == 200
    user = db.session.scalar(select(User).where(User.phone == PHONE))
    with tenant_context(school):
        roles = set(db.session.scalars(select(Membership.role).where(
            Membership.user_id == user.id)))
    assert roles == {"canteen_manager", "guard"} and users() == 2


def test_two_admins_inviting_one_number_at_once_hear_409_not_500(
        client, school, admin, monkeypatch):
    with tenant_context(school):
        identity.create_user(None, "王师傅", phone=PHONE)
        db.session.commit()
    before = users()
    # The other invitation commits between this one's look-up and its write.
    monkeypatch.setattr(account_rules, "user_by_login", lambda kind, value: None)
    monkeypatch.setattr(identity, "user_by_phone", lambda phone: None)
    response = invite(client, PHONE)
    page = response.get_data(as_text=True)
    assert response.status_code == 409 and 'data-testid="error-email"' in page
    assert users() == before
    with tenant_context(school):
        assert db.session.scalar(select(func.count()).select_from(AccountLink)) == 0


def test_an_account_needs_an_e_mail_or_a_number(app):
    with pytest.raises(identity.IdentityError) as refused:
        identity.create_user(None, "Nobody")
    assert refused.value.field == "email"
    identity.create_user(None, "王师傅", phone=PHONE)
    with pytest.raises(identity.IdentityError) as taken:
        identity.create_user(None, "Someone", phone="+86 13800138000")
    assert taken.value.field == "phone"


def test_guesses_at_a_number_count_against_the_account_however_typed(client, app):
    identity.create_user("guard@school.test", "门卫", "the-right-one-1", phone=PHONE)
    db.session.commit()
    for typed in ("13800138000", "+86 138 0013 8000", "guard@school.test")[:PER_ACCOUNT]:
        assert sign_in(client, typed, "wrong-password").status_code == 422
    refused = sign_in(client, "138-0013-8000", "the-right-one-1")
    assert refused.status_code == 429 and "Retry-After" in refused.headers
    # Another number is not held up by this one.
    identity.create_user(None, "厨师", "the-right-one-2", phone="13900139000")
    db.session.commit()
    assert sign_in(client, "139 0013 9000", "the-right-one-2").status_code == 302


def test_forgotten_password_by_number_sends_no_message_and_points_to_the_admin(client, app):
    identity.create_user(None, "王师傅", "the-right-one-1", phone=PHONE)
    identity.create_user("both@school.test", "李老师", "the-right-one-2", phone="13900139000")
    db.session.commit()
    for typed, mailed in ((PHONE, 0), ("15000150000", 0), ("139 0013 9000", 1)):
        token = csrf(client.get("/password/forgot").get_data(as_text=True))
        answer = client.post("/password/forgot", data={"email": typed, "csrf_token": token})
        assert answer.status_code == 200 and 'data-testid="sent"' in answer.get_data(as_text=True)
        assert "administrator" in answer.get_data(as_text=True) or "管理员" in answer.get_data(
            as_text=True)
        assert db.session.scalar(select(func.count()).select_from(OutboxMail)) == mailed
    sent = db.session.scalar(select(OutboxMail))
    assert sent.to == "both@school.test"


def test_the_e_mail_sign_in_is_unchanged(client, app):
    identity.create_user("Clerk@School.test", "会计", "the-right-one-1")
    db.session.commit()
    assert sign_in(client, "clerk@school.test", "wrong-password").status_code == 422
    assert sign_in(client, " CLERK@school.test ", "the-right-one-1").status_code == 302


def test_the_command_line_makes_an_account_by_number(app):
    result = CliRunner().invoke(cli, ["users", "create", "--phone", "+86 138 0013 8000",
                                      "--name", "王师傅", "--password", "a-long-password-1"])
    assert result.exit_code == 0, result.output
    assert db.session.scalar(select(User).where(User.phone == PHONE)).email is None
    refused = CliRunner().invoke(cli, ["users", "create", "--phone", "12345", "--name", "X",
                                       "--password", "a-long-password-1"])
    assert refused.exit_code == 2 and "12345" in refused.output
    nothing = CliRunner().invoke(cli, ["users", "create", "--name", "X",
                                       "--password", "a-long-password-1"])
    assert nothing.exit_code == 2


def test_the_office_invites_a_guardian_by_number(client, school, admin, pupils):
    from core.people.models import Guardian

    _teacher, guardians = pupils
    sent = client.post(f"{BASE}/people/guardians/{guardians['theirs']}/invite",
                       data={"csrf_token": CSRF, "email": "138 0013 8000"})
    page = sent.get_data(as_text=True)
    assert sent.status_code == 200 and 'data-testid="no-sms"' in page and link_of(page)
    mum = db.session.scalar(select(User).where(User.phone == PHONE))
    assert mum.name == "theirs妈妈" and mum.email is None
    with tenant_context(school):
        assert db.session.scalar(select(Guardian.user_id).where(
            Guardian.id == guardians["theirs"])) == mum.id
    assert db.session.scalar(select(func.count()).select_from(OutboxMail)) == 0


def test_a_district_admin_invites_a_schools_admin_by_number(client, school, district_admin):
    sent = client.post("/district/district-a/accounts", data={
        "csrf_token": CSRF, "school": SLUG, "name": "王校长", "email": "+86 13800138000"})
    page = sent.get_data(as_text=True)
    assert sent.status_code == 200 and 'data-testid="no-sms"' in page and link_of(page)
    head = db.session.scalar(select(User).where(User.phone == PHONE))
    with tenant_context(school):
        assert db.session.scalar(select(Membership.role).where(
            Membership.user_id == head.id)) == "school_admin"
    listing = client.get("/district/district-a/accounts").get_data(as_text=True)
    assert f'data-testid="admin-{PHONE}"' in listing
    bad = client.post("/district/district-a/accounts", data={
        "csrf_token": CSRF, "school": SLUG, "name": "李校长", "email": "1380013"})
    assert bad.status_code == 422 and 'data-testid="error-email"' in bad.get_data(as_text=True)


def test_the_admin_gives_a_number_only_account_a_new_link_to_pass_on(client, school, admin):
    invite(client, PHONE)
    cook = db.session.scalar(select(User).where(User.phone == PHONE))
    reset = client.post(f"{BASE}/accounts/{cook.id}/reset", data={"csrf_token": CSRF})
    page = reset.get_data(as_text=True)
    assert reset.status_code == 200 and 'data-testid="no-sms"' in page and link_of(page)
    assert db.session.scalar(select(func.count()).select_from(OutboxMail)) == 0


def test_the_api_says_what_an_account_signs_in_with(client, school, make_user):
    cook = identity.create_user(None, "王师傅", phone=PHONE)
    with tenant_context(school):
        identity.grant_school_role(cook, "canteen_manager")
        token = identity.create_token(cook, "scale").plaintext
    db.session.commit()
    me = client.get(f"{BASE}/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200
    assert (me.get_json()["email"], me.get_json()["phone"]) == (None, PHONE)


def test_a_staff_record_is_linked_to_an_account_by_its_number(client, school, admin):
    from core.people import services as people

    cook = identity.create_user(None, "王师傅", phone=PHONE)
    with tenant_context(school):
        identity.grant_school_role(cook, "canteen_manager")
        staff = people.create_staff({"name": "王师傅", "position": "厨师", "phone": None,
                                     "active": True, "login": "+86 138 0013 8000"})
        assert staff.user_id == cook.id
        with pytest.raises(identity.RuleBroken) as refused:
            people.create_staff({"name": "外人", "position": "厨师", "phone": None,
                                 "active": True, "login": "13900139000"})
        assert refused.value.field == "login"
        db.session.commit()
    # The staff list shows the number the account signs in with.
    assert PHONE in client.get(f"{BASE}/people/staff").get_data(as_text=True)
