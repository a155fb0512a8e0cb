"""Settling a held fee (多退少不补) through the API: the surplus goes back as a lower bill and a
refund of what was paid, the shortfall is never charged, publishing is all or nothing and
once; the refund list, paying refunds out, and the public notice (sums, no names)."""

import uuid

import pytest
from sqlalchemy import func, select

from core.extensions import db
from core.tenancy import tenant_context
from plugins.fees.models import BillLine, Refund, SettlementLine
from plugins.fees.services.settlements import paid_for_item

from .refunds_support import bill_of, fee_item, item_line, money_of
from .support import classroom, paid

TUITION, BOOKS = 50000, 10000  # fen: 500 yuan tuition, 100 yuan textbooks collected


@pytest.fixture
def books(school):
    return fee_item(school, "教材费", "held", "item", BOOKS)


@pytest.fixture
def pupils(school, term_id, books):
    """Four pupils billed tuition and textbooks: who paid what is up to each test."""
    tuition = fee_item(school, "学费", "tuition", "term", TUITION)
    _, students = classroom(school, "1班", students=4)
    bills = [bill_of(school, term_id, s, item_line(tuition, "tuition", 1, TUITION),
                     item_line(books, "held", 1, BOOKS)) for s in students]
    return list(zip(students, bills, strict=True))


def settle(client, clerk, term_id, books):
    made = client.post("/api/v1/fees/settlements", headers=clerk.headers,
                       json={"term_id": term_id, "fee_item_id": books, "remarks": "人教版教材"})
    assert made.status_code == 201, made.get_json()
    return made.get_json()["id"]


def costs(client, clerk, settlement_id, *pairs):
    return client.post(f"/api/v1/fees/settlements/{settlement_id}/lines", headers=clerk.headers,
                       json={"lines": [{"student_id": s, "real_cost_fen": c} for s, c in pairs]})


def counts(school):
    with tenant_context(school):
        return (db.session.scalar(select(func.count()).select_from(BillLine)),
                db.session.scalar(select(func.count()).select_from(Refund)),
                db.session.scalar(select(func.count()).select_from(SettlementLine)))


def test_surplus_refunded_shortfall_never_charged_unpaid_only_lowered(
        client, clerk, school, term_id, books, pupils):
    (full, full_bill), (short, short_bill), (unpaid, unpaid_bill), (part, part_bill) = pupils
    paid(school, full_bill, TUITION + BOOKS)
    paid(school, short_bill, TUITION + BOOKS)
    paid(school, part_bill, TUITION + 9000)  # 90 yuan towards the books, after the tuition
    settlement_id = settle(client, clerk, term_id, books)
    recorded = costs(client, clerk, settlement_id, (full, 8000), (short, 12000), (unpaid, 8000))
    assert recorded.status_code == 200
    assert (recorded.get_json()["students"], recorded.get_json()["missing"]) == (3, 1)
    # Publishing waits for every student charged the item.
    waiting = client.post(f"/api/v1/fees/settlements/{settlement_id}/publish",
                          headers=clerk.headers)
    assert waiting.status_code == 409 and "lines" in waiting.get_json()["errors"]
    assert costs(client, clerk, settlement_id, (part, 8000)).status_code == 200

    lines = {r["student_id"]: r for r in client.get(
        f"/api/v1/fees/settlements/{settlement_id}/lines", headers=clerk.headers).get_json()}
    assert {s: (r["paid_fen"], r["refund_fen"], r["reduction_fen"]) for s, r in lines.items()} \
        == {full: (10000, 2000, 2000), short: (10000, 0, 0), unpaid: (0, 0, 2000),
            part: (9000, 1000, 2000)}

    published = client.post(f"/api/v1/fees/settlements/{settlement_id}/publish",
                            headers=clerk.headers)
    assert published.status_code == 200
    body = published.get_json()
    assert body["status"] == "published" and body["published_at"]
    assert (body["students"], body["charged_fen"], body["collected_fen"], body["real_cost_fen"],
            body["refund_fen"], body["reduction_fen"], body["shortfall_fen"]) == (
        4, 40000, 29000, 36000, 3000, 6000, 2000)

    # paid 100, real cost 80: bill lowered by 20 and 20 due back
    assert (money_of(school, full_bill).charged, money_of(school, full_bill).balance) == (
        58000, -2000)
    # real cost 120: nothing charged for the shortfall, nothing back
    assert (money_of(school, short_bill).charged, money_of(school, short_bill).balance) == (
        60000, 0)
    # not paid: the bill is lower, no refund
    assert (money_of(school, unpaid_bill).charged, money_of(school, unpaid_bill).balance) == (
        58000, 58000)
    # paid 90 of the books: lowered by 20, 10 back
    assert money_of(school, part_bill).balance == -1000

    refunds = client.get("/api/v1/fees/refunds", headers=clerk.headers,
                         query_string={"settlement_id": settlement_id}).get_json()
    assert sorted((r["student_id"], r["amount_fen"], r["status"], r["source"])
                  for r in refunds) == sorted([(full, 2000, "due", "settlement"),
                                               (part, 1000, "due", "settlement")])
    assert all(r["student_name"].startswith("1班学生") and r["class_title"] == "一年级1班"
               for r in refunds)

    # Publishing again changes nothing.
    before = counts(school)
    again = client.post(f"/api/v1/fees/settlements/{settlement_id}/publish",
                        headers=clerk.headers)
    assert again.status_code == 200 and again.get_json()["refund_fen"] == 3000
    assert counts(school) == before
    # A published settlement no longer takes costs.
    assert costs(client, clerk, settlement_id, (full, 1)).status_code == 409

    # Paying the refunds out (in bulk) leaves every bill settled; the fixture reconciles.
    paying = client.post("/api/v1/fees/refunds/pay", headers=clerk.headers, json={
        "refund_ids": [r["id"] for r in refunds], "method": "cash", "paid_on": "2026-12-01"})
    assert paying.status_code == 200
    assert {r["status"] for r in paying.get_json()} == {"paid"}
    assert money_of(school, full_bill).balance == money_of(school, part_bill).balance == 0
    assert client.get("/api/v1/fees/reconciliation", headers=clerk.headers).get_json() == []


def test_the_public_notice_shows_sums_and_counts_and_no_names(
        app, client, clerk, school, term_id, books, pupils):
    for _, bill in pupils:
        paid(school, bill, TUITION + BOOKS)
    settlement_id = settle(client, clerk, term_id, books)
    costs(client, clerk, settlement_id, *[(s, c) for (s, _), c in
                                          zip(pupils, (8000, 12000, 8000, 9000), strict=True)])
    url = f"/t/fees-school/m/fees/public/settlements/{settlement_id}"
    assert client.get(url).status_code == 404  # a draft is not public
    client.post(f"/api/v1/fees/settlements/{settlement_id}/publish", headers=clerk.headers)
    page = client.get(url)
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "教材费" in text and "人教版教材" in text
    for figure in ("400.00", "370.00", "50.00"):  # collected, real cost, refunded (yuan)
        assert figure in text
    assert "1班学生" not in text and "一年级1班" not in text  # counts and sums, no names
    listed = client.get("/t/fees-school/m/fees/public/settlements").get_data(as_text=True)
    assert "教材费" in listed
    # Staff see the per-student list.
    staff = client.get(f"/t/fees-school/m/fees/settlements/{settlement_id}",
                       headers=clerk.headers).get_data(as_text=True)
    assert "1班学生0" in staff


def test_bad_costs_are_refused_naming_the_row_and_nothing_is_written(
        client, clerk, school, term_id, books, pupils, make_user):
    (first, _), (second, _), *_ = pupils
    settlement_id = settle(client, clerk, term_id, books)
    before = counts(school)
    fraction = costs(client, clerk, settlement_id, (first, 8000), (second, 80.5))
    assert fraction.status_code == 422
    assert "real_cost_fen" in str(fraction.get_json()["errors"]["lines"])
    negative = costs(client, clerk, settlement_id, (first, -1))
    assert negative.status_code == 422
    _, (stranger,) = classroom(school, "2班", students=1)
    not_charged = costs(client, clerk, settlement_id, (first, 8000), (stranger, 8000))
    assert not_charged.status_code == 422
    assert "lines.1.student_id" in not_charged.get_json()["errors"]
    twice = costs(client, clerk, settlement_id, (first, 8000), (first, 7000))
    assert "lines.1.student_id" in twice.get_json()["errors"]
    assert counts(school) == before
    # Only a published held fee is settled, once per term.
    tuition = fee_item(school, "保育费", "care", "month", 80000)
    wrong = client.post("/api/v1/fees/settlements", headers=clerk.headers,
                        json={"term_id": term_id, "fee_item_id": tuition})
    assert wrong.status_code == 422 and "fee_item_id" in wrong.get_json()["errors"]
    dup = client.post("/api/v1/fees/settlements", headers=clerk.headers,
                      json={"term_id": term_id, "fee_item_id": books})
    assert dup.status_code == 409 and "fee_item_id" in dup.get_json()["errors"]
    # A class teacher may not settle.
    teacher = make_user(school, "class_teacher")
    assert costs(client, teacher, settlement_id, (first, 8000)).status_code == 403


def test_refunds_are_paid_once_and_bulk_payment_is_all_or_nothing(
        client, clerk, school, term_id, books, pupils):
    (_, first_bill), (_, second_bill), *_ = pupils
    for _, bill in pupils:
        paid(school, bill, TUITION + BOOKS)
    settlement_id = settle(client, clerk, term_id, books)
    costs(client, clerk, settlement_id, *[(s, 7000) for s, _ in pupils])
    client.post(f"/api/v1/fees/settlements/{settlement_id}/publish", headers=clerk.headers)
    refunds = client.get("/api/v1/fees/refunds", headers=clerk.headers,
                         query_string={"status": "due"}).get_json()
    assert [r["amount_fen"] for r in refunds] == [3000] * 4
    one, two, *others = [r["id"] for r in refunds]
    single = client.post(f"/api/v1/fees/refunds/{one}/pay", headers=clerk.headers,
                         json={"method": "bank_transfer", "paid_on": "2026-12-02"})
    assert single.status_code == 200 and single.get_json()["method"] == "bank_transfer"
    assert client.post(f"/api/v1/fees/refunds/{one}/pay", headers=clerk.headers,
                       json={"method": "cash", "paid_on": "2026-12-02"}).status_code == 409
    mixed = client.post("/api/v1/fees/refunds/pay", headers=clerk.headers, json={
        "refund_ids": [two, one], "method": "cash", "paid_on": "2026-12-02"})
    assert mixed.status_code == 409 and "refund_ids.1" in mixed.get_json()["errors"]
    unknown = client.post("/api/v1/fees/refunds/pay", headers=clerk.headers, json={
        "refund_ids": [two, str(uuid.uuid4())], "method": "cash", "paid_on": "2026-12-02"})
    assert unknown.status_code == 422 and "refund_ids.1" in unknown.get_json()["errors"]
    no_day = client.post("/api/v1/fees/refunds/pay", headers=clerk.headers, json={
        "refund_ids": [two], "method": "cash"})
    assert no_day.status_code == 422 and "paid_on" in no_day.get_json()["errors"]
    bad_method = client.post("/api/v1/fees/refunds/pay", headers=clerk.headers, json={
        "refund_ids": [two], "method": "gold", "paid_on": "2026-12-02"})
    assert bad_method.status_code == 422 and "method" in bad_method.get_json()["errors"]
    statuses = client.get("/api/v1/fees/refunds", headers=clerk.headers).get_json()
    assert sorted(r["status"] for r in statuses) == ["due", "due", "due", "paid"]
    rest_paid = client.post("/api/v1/fees/refunds/pay", headers=clerk.headers, json={
        "refund_ids": [two, *others], "method": "cash", "paid_on": "2026-12-03"})
    assert rest_paid.status_code == 200
    with tenant_context(school):
        assert db.session.scalar(select(func.count()).select_from(Refund).where(
            Refund.status == "paid")) == 4
    assert money_of(school, first_bill).balance == money_of(school, second_bill).balance == 0


def test_a_draft_settlement_can_be_dropped_a_published_one_stays(
        client, clerk, school, term_id, books, pupils):
    settlement_id = settle(client, clerk, term_id, books)
    costs(client, clerk, settlement_id, (pupils[0][0], 9000))
    assert client.delete(f"/api/v1/fees/settlements/{settlement_id}",
                         headers=clerk.headers).status_code == 204
    assert client.get(f"/api/v1/fees/settlements/{settlement_id}",
                      headers=clerk.headers).status_code == 404
    settlement_id = settle(client, clerk, term_id, books)
    costs(client, clerk, settlement_id, *[(s, 9000) for s, _ in pupils])
    client.post(f"/api/v1/fees/settlements/{settlement_id}/publish", headers=clerk.headers)
    assert client.delete(f"/api/v1/fees/settlements/{settlement_id}",
                         headers=clerk.headers).status_code == 409


@pytest.mark.parametrize(("charged", "total", "paid_in", "refunds", "expected"), [
    (10000, 60000, 60000, 0, 10000),  # all paid
    (10000, 60000, 50000, 0, 0),  # the tuition took it all
    (10000, 60000, 55000, 0, 5000),  # half the books
    (10000, 60000, 60000, 3000, 7000),  # 30 yuan already promised back
    (10000, 10000, 4000, 0, 4000),  # a bill of books alone
    (0, 50000, 50000, 0, 0),  # waived in full
])
def test_money_on_a_bill_pays_the_held_item_last(charged, total, paid_in, refunds, expected):
    assert paid_for_item(charged, total, paid_in, refunds) == expected
