"""Sign-in that cannot be abused: many accounts from one address are slowed, and a stranger
cannot lock a known account's owner out of a browser they signed in from before."""

import pytest

from core.extensions import db
from core.identity import services
from core.web.security import DEVICE_COOKIE, address_key
from tests.test_web import csrf

pytestmark = pytest.mark.houqin_plugins("notes")
PASSWORD = "correct-horse-1"
PER_ACCOUNT, PER_ADDRESS, WINDOW_MINUTES = 5, 8, 15


@pytest.fixture
def app(app_factory):
    # One proxy in front, so X-Forwarded-For names the client (HOUQIN_PROXY_COUNT=1).
    app = app_factory(plugins=["notes"], PROXY_COUNT=1, SIGNIN_ACCOUNT_FAILURES=PER_ACCOUNT,
                      SIGNIN_ADDRESS_FAILURES=PER_ADDRESS, SIGNIN_WINDOW_MINUTES=WINDOW_MINUTES)
    with app.app_context():
        yield app


@pytest.fixture
def clerk(app):
    user = services.create_user("clerk@web.test", "Clerk", PASSWORD)
    db.session.commit()
    return user.id


def attempt(client, email="clerk@web.test", password=PASSWORD, address="203.0.113.7",
            **headers):
    headers = {"X-Forwarded-For": address, **headers}
    token = csrf(client.get("/login", headers=headers).get_data(as_text=True))
    return client.post("/login", headers=headers,
                       data={"email": email, "password": password, "csrf_token": token})


def test_guessing_many_accounts_from_one_address_is_slowed(app, clerk):
    attacker = app.test_client()
    limit = PER_ADDRESS
    for n in range(limit):
        response = attempt(attacker, email=f"guess{n}@web.test", password="wrong-password")
        assert response.status_code == 422
    refused = attempt(attacker)  # even the right password of yet another account
    assert refused.status_code == 429
    assert 0 < int(refused.headers["Retry-After"]) <= WINDOW_MINUTES * 60
    # The clerk, at another address, is not slowed by it.
    assert attempt(app.test_client(), address="198.51.100.20").status_code == 302


def test_an_ipv6_client_is_counted_by_its_64_block():
    assert address_key("2001:db8:1:2:aaaa::1") == address_key("2001:db8:1:2:bbbb::9")
    assert address_key("2001:db8:1:3::1") != address_key("2001:db8:1:2::1")
    assert address_key("::ffff:203.0.113.7") == "203.0.113.7"


def test_a_stranger_cannot_lock_out_a_browser_that_signed_in_before(app, clerk):
    office = app.test_client()
    assert attempt(office, address="198.51.100.20").status_code == 302
    assert office.get_cookie(DEVICE_COOKIE) is not None
    office.post("/logout", data={"csrf_token": csrf(office.get("/password/change")
                                                    .get_data(as_text=True))},
                headers={"X-Forwarded-For": "198.51.100.20"})
    # Someone hammers the clerk's account from many addresses, so no address limit stops them.
    for n in range(PER_ACCOUNT):
        assert attempt(app.test_client(), password="wrong-password",
                       address=f"192.0.2.{n + 1}").status_code == 422
    stranger = attempt(app.test_client(), address="192.0.2.99")
    assert stranger.status_code == 429 and "Retry-After" in stranger.headers
    # The clerk's own browser still gets in with the right password, and stays usable.
    assert attempt(office, address="198.51.100.20").status_code == 302
    assert office.get("/schools").status_code in (200, 302)


def test_a_device_cookie_counts_only_for_its_own_account_and_cannot_be_forged(app, clerk):
    services.create_user("cook@web.test", "Cook", PASSWORD)
    db.session.commit()
    browser = app.test_client()
    assert attempt(browser, email="cook@web.test").status_code == 302  # trusted for the cook
    for n in range(PER_ACCOUNT):
        attempt(app.test_client(), password="wrong-password", address=f"192.0.2.{n + 1}")
    assert attempt(browser).status_code == 429  # not for the clerk
    forged = app.test_client()
    forged.set_cookie(DEVICE_COOKIE, browser.get_cookie(DEVICE_COOKIE).value[:-2] + "xx")
    assert attempt(forged).status_code == 429


def test_a_trusted_browser_that_keeps_failing_is_slowed_on_its_own(app, clerk):
    office = app.test_client()
    assert attempt(office).status_code == 302
    for _ in range(PER_ACCOUNT):
        assert attempt(office, password="wrong-password").status_code == 422
    assert attempt(office).status_code == 429
    # Its failures neither lock the account for others nor count against the address.
    assert attempt(app.test_client(), address="198.51.100.20").status_code == 302
    assert attempt(app.test_client()).status_code == 302


def test_the_refusal_speaks_the_persons_language_with_retry_after(app, clerk):
    for n in range(PER_ACCOUNT):
        attempt(app.test_client(), password="wrong-password", address=f"192.0.2.{n + 1}")
    zh = attempt(app.test_client(), address="192.0.2.50")
    assert zh.status_code == 429 and "登录失败次数过多" in zh.get_data(as_text=True)
    assert int(zh.headers["Retry-After"]) > 0
    english = app.test_client()
    english.post("/language", data={"locale": "en", "csrf_token": csrf(
        english.get("/login").get_data(as_text=True))})
    en = attempt(english, address="192.0.2.51")
    assert en.status_code == 429 and "Too many failed sign-ins" in en.get_data(as_text=True)
    api = attempt(app.test_client(), address="192.0.2.52", Accept="application/json")
    assert api.status_code == 429 and api.mimetype == "application/problem+json"
    assert int(api.headers["Retry-After"]) > 0
    assert "登录失败次数过多" in api.get_json()["detail"]


def test_an_unknown_address_costs_the_same_password_work_as_a_known_one(app, clerk, monkeypatch):
    from core.identity import passwords

    checked = []
    real = passwords._hasher

    class Counting:
        hash = staticmethod(real.hash)

        def verify(self, stored, password):
            checked.append(stored)
            return real.verify(stored, password)

    monkeypatch.setattr(passwords, "_hasher", Counting())
    assert attempt(app.test_client(), email="nobody@web.test").status_code == 422
    assert attempt(app.test_client(), password="wrong-password").status_code == 422
    assert len(checked) == 2 and all(stored.startswith("$argon2id$") for stored in checked)
