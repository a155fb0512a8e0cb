"""A guardian sees their own children's issued bills, lines, payments, refunds and receipts,
through the API and on the phone pages, and nothing of any other child: another child's bill
or receipt is a 404, whichever school it is in."""

import re
import uuid

import pytest

from core.extensions import db
from core.people import services as people
from core.tenancy import tenant_context
from core.testing import signed_in

from .report_scenario import bill, build

BASE = "/t/fees-school"
API = "/api/v1/fees/my"


@pytest.fixture
def guardian(school, make_user):
    return make_user(school, "guardian")


@pytest.fixture
def scenario(school, term_id, guardian):
    return build(school, term_id, guardian=guardian)


def test_a_guardian_reads_their_childs_bills_and_receipts_through_the_api(
        client, school, scenario, guardian):
    draft = bill(school, scenario.next_term_id, scenario.students["a1"],
                 ("charge", "tuition", 99900), issue=False)
    bills = client.get(f"{API}/bills", headers=guardian.headers).get_json()
    assert [(b["id"], b["child"]["name"], b["term"], b["total_fen"], b["paid_fen"],
             b["balance_fen"], b["status"]) for b in bills] == [
        (scenario.bills["a1"], "1班学生1", "2026学年第一学期", 128000, 50000, 78000,
         "partly_paid")]
    detail = client.get(f"{API}/bills/{scenario.bills['a1']}", headers=guardian.headers)
    assert detail.status_code == 200
    body = detail.get_json()
    assert [line["kind"] for line in body["lines"]] == ["charge", "charge", "discount"]
    assert sorted((line["kind"], line["category"], line["amount_fen"])
                  for line in body["lines"]) == [
        ("charge", "held", 20000), ("charge", "tuition", 120000),
        ("discount", "tuition", -12000)]
    assert [(p["receipt_number"], p["amount_fen"], p["method"], p["voided"])
            for p in body["payments"]] == [("2026-000002", 50000, "bank_transfer", False)]
    assert body["refunds"] == []
    receipt = client.get(f"{API}/receipts/{scenario.payments['a1']}", headers=guardian.headers)
    assert receipt.status_code == 200
    assert (receipt.get_json()["receipt_number"], receipt.get_json()["payee"],
            receipt.get_json()["child"]["name"]) == ("2026-000002", "Fees-School", "1班学生1")
    standing = client.get(f"{API}/children", headers=guardian.headers).get_json()
    assert [(s["child"]["name"], s["owed_fen"], s["credit_fen"]) for s in standing] == [
        ("1班学生1", 78000, 0)]
    # Another child's bill or receipt, a draft of one's own: no such thing.
    for path in (f"bills/{scenario.bills['a0']}", f"bills/{scenario.bills['b0']}",
                 f"bills/{draft}", f"bills/{uuid.uuid4()}",
                 f"receipts/{scenario.payments['a0']}", f"receipts/{scenario.payments['b0']}"):
        assert client.get(f"{API}/{path}", headers=guardian.headers).status_code == 404, path
    for report in ("reports/collection", "reports/takings/daily", "class/collection"):
        assert client.get(f"/api/v1/fees/{report}", headers=guardian.headers
                          ).status_code == 403, report


def test_a_guardian_of_two_children_sees_both_with_voids_refunds_and_credit(
        client, school, scenario, guardian, make_user):
    with tenant_context(school):
        people.add_guardian(uuid.UUID(scenario.students["a2"]), {
            "name": "王妈妈", "relation": "mother", "phone": "13800000001",
            "can_pick_up": True, "login": guardian.email})
        db.session.commit()
    bills = client.get(f"{API}/bills", headers=guardian.headers).get_json()
    # The next term first, then this term's by the child's name.
    assert [(b["child"]["name"], b["term"], b["status"]) for b in bills] == [
        ("1班学生2", "2026学年第二学期", "paid"),
        ("1班学生1", "2026学年第一学期", "partly_paid"),
        ("1班学生2", "2026学年第一学期", "unpaid")]
    voided = client.get(f"{API}/bills/{scenario.bills['a2']}", headers=guardian.headers)
    assert [(p["receipt_number"], p["voided"]) for p in voided.get_json()["payments"]] == [
        ("2026-000003", True)]
    receipt = client.get(f"{API}/receipts/{scenario.payments['a2']}",
                         headers=guardian.headers).get_json()
    assert (receipt["voided"], receipt["void_reason"]) == (True, "entered twice")
    standing = client.get(f"{API}/children", headers=guardian.headers).get_json()
    assert [(s["child"]["name"], s["owed_fen"], s["credit_fen"]) for s in standing] == [
        ("1班学生1", 78000, 0), ("1班学生2", 120000, 2000)]
    # The parent of b0 sees the refund paid out on b0's bill.
    other_parent = make_user(school, "guardian")
    with tenant_context(school):
        people.add_guardian(uuid.UUID(scenario.students["b0"]), {
            "name": "赵爸爸", "relation": "father", "phone": "13900000004",
            "can_pick_up": True, "login": other_parent.email})
        db.session.commit()
    refunded = client.get(f"{API}/bills/{scenario.bills['b0']}",
                          headers=other_parent.headers).get_json()
    assert [(r["amount_fen"], r["status"], r["paid_on"]) for r in refunded["refunds"]] == [
        (20000, "paid", "2026-09-12")]
    assert (refunded["bill"]["refunded_fen"], refunded["bill"]["balance_fen"]) == (20000, 0)
    assert client.get(f"{API}/bills/{scenario.bills['a1']}",
                      headers=other_parent.headers).status_code == 404


def test_the_guardians_phone_pages(client, school, scenario, guardian):
    signed_in(client, guardian)
    page = client.get(f"{BASE}/m/fees/my")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert '<span class="amount" data-testid="owed">780.00</span>' in text
    assert f'data-bill="{scenario.bills["a1"]}"' in text and scenario.bills["a0"] not in text
    bill = client.get(f"{BASE}/m/fees/my/bills/{scenario.bills['a1']}").get_data(as_text=True)
    assert '<td class="money" data-testid="balance">780.00</td>' in bill
    assert f"/m/fees/my/receipts/{scenario.payments['a1']}" in bill
    receipt = client.get(f"{BASE}/m/fees/my/receipts/{scenario.payments['a1']}")
    assert receipt.status_code == 200
    assert '<span class="amount" data-testid="amount">500.00</span>' in receipt.get_data(
        as_text=True)
    items = re.search(r'data-testid="my-receipt-items">(.*?)</ul>',
                      receipt.get_data(as_text=True), re.S).group(1)
    fen = [int(x) for x in re.findall(r'data-fen="(\d+)"', items)]
    assert fen and sum(fen) == 50000  # what it paid for, adding up to the payment
    assert client.get(f"{BASE}/m/fees/my/bills/{scenario.bills['a0']}").status_code == 404
    assert client.get(f"{BASE}/m/fees/my/receipts/{scenario.payments['b0']}"
                      ).status_code == 404
    assert client.get(f"{BASE}/m/fees/reports").status_code == 403
    home = client.get(f"{BASE}/").get_data(as_text=True)
    assert 'data-testid="fees-widget" data-kind="family"' in home and "780.00" in home


def test_a_guardian_with_no_linked_child_sees_an_empty_page(client, school, scenario,
                                                              make_user):
    unlinked = make_user(school, "guardian")
    assert client.get(f"{API}/bills", headers=unlinked.headers).get_json() == []
    assert client.get(f"{API}/bills/{scenario.bills['a1']}",
                      headers=unlinked.headers).status_code == 404
    signed_in(client, unlinked)
    page = client.get(f"{BASE}/m/fees/my").get_data(as_text=True)
    assert 'data-testid="children"' not in page and 'class="notice"' in page


def test_a_guardian_of_another_school_reaches_nothing_here(client, school, scenario,
                                                          make_school, make_user):
    other = make_school("other-fees", modules=("fees",))
    outsider = make_user(other, "guardian")
    for path in (f"bills/{scenario.bills['a1']}", f"receipts/{scenario.payments['a1']}"):
        assert client.get(f"{API}/{path}", headers=outsider.headers).status_code == 404
        assert client.get(f"{API}/{path}", headers={**outsider.headers,
                                                    "X-Tenant": "fees-school"}
                          ).status_code in (403, 404)
    assert client.get(f"{API}/bills", headers=outsider.headers).get_json() == []
