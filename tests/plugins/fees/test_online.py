"""Online payments through a provider that lives in the tests (FakePay, HMAC-signed JSON
notifications): started by the office or a guardian, recorded once when the signed
notification says paid, never on a forged or wrong-amount one, settled by a status query when
the notification never came, and never across schools."""

import logging
import uuid
from datetime import date

import pytest
from sqlalchemy import func, select

from core.calendar import services as calendar
from core.extensions import db
from core.people import services as people
from core.sdk import PluginApp, hookimpl
from core.tenancy import tenant_context
from plugins.fees.models import OnlinePayment, Payment, Receipt
from plugins.fees.services import ledger, online

from .fake_provider import FakePay, install
from .support import classroom, issued_bill, receipt_number

API = "/api/v1/fees"


@pytest.fixture
def fakepay(app):
    return install(app)


def provider_state(app) -> dict:
    """The providers the fee module kept at start-up (its ``houqin_startup``)."""
    return PluginApp(app).state(online.PLUGIN)[online.KEPT]


@pytest.fixture
def family(school, term_id):
    _, (child, other_child) = classroom(school, "1班", students=2)
    return {"child": child, "bill": issued_bill(school, term_id, child, 80000),
            "other_bill": issued_bill(school, term_id, other_child, 80000)}


@pytest.fixture
def guardian(school, family, make_user):
    parent = make_user(school, "guardian")
    with tenant_context(school):
        people.add_guardian(uuid.UUID(family["child"]), {
            "name": "孩子妈妈", "relation": "mother", "phone": "13800138000",
            "login": parent.email})
        db.session.commit()
    return parent


def start(client, user, bill_id, amount_fen=30000, provider="fakepay", prefix=""):
    return client.post(f"{prefix}{API}/bills/{bill_id}/online-payments", headers=user.headers,
                       json={"provider": provider, "amount_fen": amount_fen})


def notify(client, body, slug="fees-school", provider="fakepay"):
    return client.post(f"/t/{slug}{API}/online/{provider}/notify", json=body)


def recorded(school) -> list[tuple[int, str, str]]:
    """The school's payments: amount, method, receipt number."""
    with tenant_context(school):
        return [(p.amount_fen, p.method, r.number) for p, r in db.session.execute(
            select(Payment, Receipt).join(Receipt, Receipt.payment_id == Payment.id))]


def status_of(school, online_id) -> str:
    with tenant_context(school):
        return db.session.scalar(select(OnlinePayment.status).where(
            OnlinePayment.id == uuid.UUID(online_id)))


def test_the_providers_are_collected_at_start_up(app, fakepay, client, clerk):
    assert provider_state(app)["fakepay"].impl is fakepay
    listed = client.get(f"{API}/online/providers", headers=clerk.headers)
    assert listed.get_json() == [{"name": "fakepay", "title": "FakePay"}]


def test_an_app_without_providers_collects_none_and_refuses_to_start_one(app, client, clerk,
                                                                       family):
    assert provider_state(app) == {}
    refused = start(client, clerk, family["bill"])
    assert refused.status_code == 422 and "provider" in refused.get_json()["errors"]


def test_two_providers_of_one_name_stop_the_collection(app, fakepay):
    from .fake_provider import FakePayPlugin

    app.extensions["houqin"].plugins.pm.register(FakePayPlugin(FakePay()), name="fakepay-2")
    with pytest.raises(online.ProviderError, match="fakepay"):
        online.collect(PluginApp(app))


def test_a_provider_that_breaks_the_protocol_stops_the_collection_saying_whose(app):
    from .fake_provider import FakePayPlugin

    class NoStatus(FakePay):
        query_status = None  # present but not a method

    app.extensions["houqin"].plugins.pm.register(FakePayPlugin(NoStatus()), name="halfpay")
    with pytest.raises(online.ProviderError, match=r"plugin halfpay .*PaymentProvider.*"
                                                   "query_status"):
        online.collect(PluginApp(app))


def test_the_start_up_hook_refuses_a_provider_without_the_protocols_methods(app):
    class Broken:
        name, title = "broken", "Broken"

    class Offers:
        @hookimpl
        def houqin_payment_providers(self):
            return [Broken()]

    plugins = app.extensions["houqin"].plugins
    plugins.pm.register(Offers(), name="brokenpay")
    with app.app_context(), pytest.raises(
            online.ProviderError, match=r"plugin brokenpay .* lacks create_payment, "
                                        "verify_notification, query_status"):
        plugins.pm.hook.houqin_startup(app=PluginApp(app))


def test_a_provider_of_a_module_the_school_has_off_is_not_offered(app, fakepay, client, clerk):
    provider_state(app)["canteenpay"] = online.Provider(
        "canteenpay", "Canteen pay", "canteen", FakePay())
    names = [p["name"] for p in client.get(f"{API}/online/providers",
                                           headers=clerk.headers).get_json()]
    assert names == ["fakepay"]


def test_paid_online_then_told_twice_records_one_payment_with_a_receipt(
        client, school, clerk, family, fakepay):
    started = start(client, clerk, family["bill"], 30000)
    assert started.status_code == 201
    body = started.get_json()
    assert (body["status"], body["amount_fen"], body["provider"]) == ("pending", 30000,
                                                                     "fakepay")
    ref = body["provider_ref"]
    assert body["pay_url"] == f"https://pay.fake.invalid/{ref}"
    # the clerk's request named the school by its token: the provider is told the path
    assert fakepay.asked[ref]["notify_url"] == \
        "http://localhost/t/fees-school/api/v1/fees/online/fakepay/notify"
    assert recorded(school) == []

    told = notify(client, fakepay.notification(ref))
    assert told.status_code == 200 and told.get_json() == {"status": "paid"}
    told_again = notify(client, fakepay.notification(ref))
    assert told_again.status_code == 200
    assert recorded(school) == [(30000, "online", receipt_number(1))]
    assert status_of(school, body["id"]) == "paid"
    with tenant_context(school):
        assert ledger.bill_balance(uuid.UUID(family["bill"])) == 50000
        payment = db.session.scalar(select(Payment))
        assert (payment.reference, payment.recorded_by) == (ref, "fakepay")
        assert payment.request_key == online.request_key("fakepay", ref)
    shown = client.get(f"{API}/online-payments/{body['id']}", headers=clerk.headers).get_json()
    assert shown["status"] == "paid" and shown["payment_id"] == str(payment.id)


def test_a_forged_notification_writes_nothing(client, school, clerk, family, fakepay):
    online_id = start(client, clerk, family["bill"]).get_json()["id"]
    ref = next(iter(fakepay.asked))
    forged = notify(client, fakepay.notification(ref, secret=b"guessed"))
    assert forged.status_code == 400 and "signature" in forged.get_json()["errors"]
    garbage = client.post(f"/t/fees-school{API}/online/fakepay/notify", data=b"\x00not json",
                          content_type="application/json")
    assert garbage.status_code == 400
    assert recorded(school) == [] and status_of(school, online_id) == "pending"


def test_a_notification_for_another_amount_is_refused_and_logged(client, school, clerk,
                                                                 family, fakepay, caplog):
    online_id = start(client, clerk, family["bill"], 30000).get_json()["id"]
    ref = next(iter(fakepay.asked))
    with caplog.at_level(logging.WARNING, logger="houqin.fees.online"):
        refused = notify(client, fakepay.notification(ref, amount_fen=3000))
    assert refused.status_code == 422 and "amount_fen" in refused.get_json()["errors"]
    assert any(ref in record.getMessage() and "3000" in record.getMessage()
               for record in caplog.records)
    assert recorded(school) == [] and status_of(school, online_id) == "pending"


def test_a_failed_payment_records_nothing_and_a_later_paid_one_counts(client, school, clerk,
                                                                     family, fakepay):
    online_id = start(client, clerk, family["bill"], 30000).get_json()["id"]
    ref = next(iter(fakepay.asked))
    assert notify(client, fakepay.notification(ref, status="failed")).get_json() == {
        "status": "failed"}
    assert recorded(school) == [] and status_of(school, online_id) == "failed"
    assert notify(client, fakepay.notification(ref)).get_json() == {"status": "paid"}
    assert recorded(school) == [(30000, "online", receipt_number(1))]


def test_asking_the_provider_settles_a_notification_that_never_came(client, school, clerk,
                                                                   family, fakepay):
    online_id = start(client, clerk, family["bill"], 30000).get_json()["id"]
    ref = next(iter(fakepay.asked))
    still = client.get(f"{API}/online-payments/{online_id}", headers=clerk.headers)
    assert still.status_code == 200 and still.get_json()["status"] == "pending"
    fakepay.pay(ref)
    settled = client.get(f"{API}/online-payments/{online_id}", headers=clerk.headers)
    assert settled.get_json()["status"] == "paid"
    client.get(f"{API}/online-payments/{online_id}", headers=clerk.headers)
    assert notify(client, fakepay.notification(ref)).status_code == 200  # late, changes nothing
    assert recorded(school) == [(30000, "online", receipt_number(1))]


def test_a_guardian_pays_for_their_own_child_only(client, school, family, guardian, fakepay,
                                                 make_user):
    mine = start(client, guardian, family["bill"], 80000)
    assert mine.status_code == 201
    assert start(client, guardian, family["other_bill"]).status_code == 404
    online_id = mine.get_json()["id"]
    assert client.get(f"{API}/online-payments/{online_id}", headers=guardian.headers
                      ).status_code == 200
    stranger = make_user(school, "guardian")
    assert start(client, stranger, family["bill"]).status_code == 404
    assert client.get(f"{API}/online-payments/{online_id}", headers=stranger.headers
                      ).status_code == 404
    teacher = make_user(school, "class_teacher")
    assert start(client, teacher, family["bill"]).status_code == 403
    with tenant_context(school):
        assert db.session.scalar(select(func.count()).select_from(OnlinePayment)) == 1


@pytest.mark.parametrize(("amount", "provider", "field"), [
    (80001, "fakepay", "amount_fen"),  # more than the bill owes
    (0, "fakepay", "amount_fen"),
    (12.5, "fakepay", "amount_fen"),
    (100, "nopay", "provider"),
])
def test_bad_online_payments_are_refused_naming_the_field(client, school, clerk, family,
                                                          fakepay, amount, provider, field):
    refused = start(client, clerk, family["bill"], amount, provider)
    assert refused.status_code == 422 and field in refused.get_json()["errors"]
    assert fakepay.asked == {}


def test_a_notification_settles_only_in_the_school_whose_payment_it_names(
        app, client, school, clerk, family, fakepay, make_school, make_user, term_id):
    other = make_school("fees-other", modules=("fees",))
    theirs_clerk = make_user(other, "finance_clerk")
    _, (their_child,) = classroom(other, "9班", students=1)
    with tenant_context(other):
        year = calendar.create_year("2026学年", date(2026, 9, 1), date(2027, 8, 31))
        their_term = str(calendar.create_term(year.id, "第一学期", date(2026, 9, 1),
                                              date(2027, 1, 22)).id)
        db.session.commit()
    their_bill = issued_bill(other, their_term, their_child, 50000)
    ours = start(client, clerk, family["bill"], 30000).get_json()
    theirs = start(client, theirs_clerk, their_bill, 20000).get_json()

    # each school's notification address, told the other school's payment: nothing happens
    assert notify(client, fakepay.notification(ours["provider_ref"]), "fees-other"
                  ).status_code == 404
    assert notify(client, fakepay.notification(theirs["provider_ref"])).status_code == 404
    assert recorded(school) == [] and recorded(other) == []
    # and the other school's clerk cannot look at (or settle) ours
    fakepay.pay(ours["provider_ref"])
    assert client.get(f"{API}/online-payments/{ours['id']}", headers=theirs_clerk.headers
                      ).status_code == 404
    assert status_of(school, ours["id"]) == "pending"

    assert notify(client, fakepay.notification(theirs["provider_ref"]), "fees-other"
                  ).status_code == 200
    assert recorded(other) == [(20000, "online", receipt_number(1))] and recorded(school) == []
    with tenant_context(other):
        assert ledger.reconcile() == []


def test_a_notification_to_a_school_without_the_fee_module_is_not_found(client, fakepay,
                                                                       make_school):
    make_school("no-fees")
    assert notify(client, {"ref": "x"}, "no-fees").status_code == 404
    assert client.post(f"{API}/online/fakepay/notify", json={}).status_code == 404


def test_the_address_given_to_the_provider_never_comes_from_the_host_header(
        client, app, school, clerk, family, fakepay):
    forged = {**clerk.headers, "Host": "evil.example"}
    refused = client.post(f"{API}/bills/{family['bill']}/online-payments", headers=forged,
                          json={"provider": "fakepay", "amount_fen": 30000})
    assert refused.status_code == 400 and fakepay.asked == {}
    app.config["BASE_URL"] = "https://houqin.example.cn"
    started = client.post(f"{API}/bills/{family['bill']}/online-payments", headers=forged,
                          json={"provider": "fakepay", "amount_fen": 30000})
    assert started.status_code == 201
    assert fakepay.asked[started.get_json()["provider_ref"]]["notify_url"] == \
        "https://houqin.example.cn/t/fees-school/api/v1/fees/online/fakepay/notify"
