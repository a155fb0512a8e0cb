"""Payments and receipts through the API and the pages: recording with an Idempotency-Key,
bad input refused naming the field with nothing written, listing, voiding, the receipt with
its amount in capitals, and prints counted (the first the original, later ones copies)."""

import uuid
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from core.extensions import db
from core.schools import modules as module_service
from core.tenancy import tenant_context
from core.testing import signed_in
from plugins.fees.models import Bill, LedgerEntry, Payment, Receipt
from plugins.fees.services import ledger
from plugins.fees.services.receipts import amount_in_words

from .support import classroom, issued_bill, paid, receipt_number

API = "/api/v1/fees"
PAGES = "/t/fees-school/m/fees"


def school_today() -> date:
    return datetime.now(ZoneInfo("Asia/Shanghai")).date()


@pytest.fixture
def pupil(school):
    _, (first, *_) = classroom(school, "1班", students=1)
    return first


@pytest.fixture
def bill(school, term_id, pupil):
    return issued_bill(school, term_id, pupil, 60000, 40000)


def pay(client, user, bill_id, amount_fen=30000, method="cash", key=None, **extra):
    headers = {**user.headers, **({"Idempotency-Key": key} if key is not None else {})}
    return client.post(f"{API}/bills/{bill_id}/payments", headers=headers,
                       json={"amount_fen": amount_fen, "method": method, **extra})


def written(school) -> tuple[int, int, int]:
    """How many payments, receipts and ledger entries the school has."""
    with tenant_context(school):
        return tuple(db.session.scalar(select(func.count()).select_from(model))
                     for model in (Payment, Receipt, LedgerEntry))


def balance(school, bill_id) -> int:
    with tenant_context(school):
        return ledger.bill_balance(uuid.UUID(bill_id))


# --- the amount in capitals (大写金额) ----------------------------------------------------


@pytest.mark.parametrize(("fen", "words"), [
    (0, "零元整"),
    (5, "伍分"),
    (50, "伍角"),
    (100, "壹元整"),
    (1000, "壹拾元整"),
    (12345, "壹佰贰拾叁元肆角伍分"),
    # the examples of the rules for writing amounts on payment documents
    (140950, "壹仟肆佰零玖元伍角"),
    (600714, "陆仟零柒元壹角肆分"),
    (168032, "壹仟陆佰捌拾元零叁角贰分"),
    (10700053, "壹拾万柒仟元零伍角叁分"),
    (1640902, "壹万陆仟肆佰零玖元零贰分"),
    (100500, "壹仟零伍元整"),
    (1000505, "壹万零伍元零伍分"),
    (10001000, "壹拾万零壹拾元整"),
    (100000000, "壹佰万元整"),
    (10000000000, "壹亿元整"),
    (10000000100, "壹亿零壹元整"),
    (10010000000, "壹亿零壹拾万元整"),
    (10100000000, "壹亿零壹佰万元整"),
])
def test_amounts_in_capitals(fen, words):
    assert amount_in_words(fen) == words


@pytest.mark.parametrize("fen", [-1, 12.5, True])
def test_only_whole_non_negative_fen_are_written_in_capitals(fen):
    with pytest.raises(ValueError):
        amount_in_words(fen)


DIGIT = {c: n for n, c in enumerate("零壹贰叁肆伍陆柒捌玖")}
PLACE = {"拾": 10, "佰": 100, "仟": 1000}


def read_capitals(words: str) -> int:
    """The fen a capital amount says, read the way a bank clerk reads it."""
    total = section = digit = 0
    fen = 0
    for char in words:
        if char in DIGIT:
            digit = DIGIT[char]
        elif char in PLACE:
            section += digit * PLACE[char]
            digit = 0
        elif char == "万":
            total += (section + digit) * 10_000
            section = digit = 0
        elif char == "亿":
            total = (total + section + digit) * 100_000_000
            section = digit = 0
        elif char == "元":
            total += section + digit
            fen, section, digit = total * 100, 0, 0
        elif char == "角":
            fen, digit = fen + digit * 10, 0
        elif char == "分":
            fen, digit = fen + digit, 0
    return fen


@settings(max_examples=300, deadline=None)
@given(st.integers(min_value=0, max_value=10**13))
def test_any_amount_in_capitals_reads_back_as_itself_and_is_written_tidily(fen):
    words = amount_in_words(fen)
    assert read_capitals(words) == fen
    assert "零零" not in words and not words.endswith("零")
    assert words == "零元整" or not words.startswith("零")
    assert words.endswith("整") == (fen % 100 == 0)


# --- recording through the API -------------------------------------------------------------


def test_a_payment_gets_a_receipt_number_and_lowers_what_the_bill_owes(client, school, clerk,
                                                                       bill):
    first = pay(client, clerk, bill, 30000, received_on="2026-09-29")
    assert first.status_code == 201
    body = first.get_json()
    assert (body["amount_fen"], body["method"], body["receipt_number"]) == (30000, "cash",
                                                                            "2026-000001")
    assert (body["received_on"], body["bill_id"]) == ("2026-09-29", bill)
    assert body["recorded_by"]
    second = pay(client, clerk, bill, 20000, "bank_transfer", reference="BANK-778",
                 received_on="2026-09-30")
    assert second.get_json()["receipt_number"] == "2026-000002"
    assert second.get_json()["reference"] == "BANK-778"
    assert balance(school, bill) == 50000


def test_an_overpayment_is_kept_as_credit(client, school, clerk, bill, pupil):
    assert pay(client, clerk, bill, 120000).status_code == 201
    with tenant_context(school):
        assert ledger.bill_balance(uuid.UUID(bill)) == 0
        assert ledger.credit_of(uuid.UUID(pupil)) == 20000


def test_a_retried_request_with_the_same_key_pays_once(client, school, clerk, bill):
    first = pay(client, clerk, bill, 30000, key="till-1-0001")
    again = pay(client, clerk, bill, 30000, key="till-1-0001")
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.get_json()["received_on"] == school_today().isoformat()  # left out: today
    assert again.get_json() == first.get_json()
    assert written(school)[:2] == (1, 1)
    assert balance(school, bill) == 70000


def test_the_same_key_for_another_payment_is_refused_naming_the_key(client, school, clerk,
                                                                    bill):
    assert pay(client, clerk, bill, 30000, key="k-42").status_code == 201
    before = written(school)
    other = pay(client, clerk, bill, 31000, key="k-42")
    assert other.status_code == 409
    assert "Idempotency-Key" in other.get_json()["errors"]
    assert written(school) == before


def test_an_overlong_key_is_refused(client, school, clerk, bill):
    refused = pay(client, clerk, bill, key="k" * 65)
    assert refused.status_code == 422 and "Idempotency-Key" in refused.get_json()["errors"]
    assert written(school) == (0, 0, 2)  # the bill's two charges only


def test_the_key_is_documented_in_the_openapi_document(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    operation = spec["paths"]["/api/v1/fees/bills/{bill_id}/payments"]["post"]
    assert any(p["name"] == "Idempotency-Key" and p["in"] == "header"
               for p in operation["parameters"])
    assert {"200", "201"} <= set(operation["responses"])


@pytest.mark.parametrize(("body", "field"), [
    ({"amount_fen": 12.5}, "amount_fen"),  # a fraction of a fen
    ({"amount_fen": "3000"}, "amount_fen"),  # not a number
    ({"amount_fen": 3000.0}, "amount_fen"),  # fen are whole numbers, not floats
    ({"amount_fen": -3000}, "amount_fen"),
    ({"amount_fen": 0}, "amount_fen"),
    ({"amount_fen": 100_000_001}, "amount_fen"),
    ({"method": "cheque"}, "method"),
    ({"method": "online"}, "method"),  # only providers record online payments
    ({"method": "bank_transfer"}, "reference"),
    ({"method": "card", "reference": "  "}, "reference"),
    ({"received_on": "2026-13-01"}, "received_on"),
])
def test_bad_payments_are_refused_naming_the_field_and_nothing_is_written(
        client, school, clerk, bill, body, field):
    before = written(school)
    refused = client.post(f"{API}/bills/{bill}/payments", headers=clerk.headers,
                          json={"amount_fen": 3000, "method": "cash", **body})
    assert refused.status_code == 422, refused.get_json()
    assert field in refused.get_json()["errors"]
    assert written(school) == before


def test_money_cannot_be_received_tomorrow(client, school, clerk, bill):
    tomorrow = (school_today() + timedelta(days=1)).isoformat()
    refused = pay(client, clerk, bill, received_on=tomorrow)
    assert refused.status_code == 422 and "received_on" in refused.get_json()["errors"]
    assert written(school) == (0, 0, 2)


def test_a_draft_bill_cannot_be_paid(client, school, clerk, term_id, pupil):
    with tenant_context(school):
        draft = Bill(term_id=uuid.UUID(term_id), student_id=uuid.UUID(pupil),
                     class_id=uuid.uuid4())
        db.session.add(draft)
        db.session.commit()
        draft_id = str(draft.id)
    refused = pay(client, clerk, draft_id)
    assert refused.status_code == 409 and "bill_id" in refused.get_json()["errors"]
    assert written(school) == (0, 0, 0)


def test_another_schools_bill_cannot_be_paid(client, school, bill, make_school, make_user):
    other = make_school("fees-other", modules=("fees",))
    intruder = make_user(other, "finance_clerk")
    assert pay(client, intruder, bill).status_code == 404
    assert pay(client, intruder, str(uuid.uuid4())).status_code == 404
    assert written(school) == (0, 0, 2)


def test_who_may_record_and_void(client, school, bill, make_user):
    teacher = make_user(school, "class_teacher")
    assert pay(client, teacher, bill).status_code == 403
    clerk = make_user(school, "finance_clerk")
    payment = pay(client, clerk, bill).get_json()["id"]
    refused = client.post(f"{API}/payments/{payment}/void", headers=clerk.headers,
                          json={"reason": "录入重复"})
    assert refused.status_code == 403


# --- reading, listing and voiding ----------------------------------------------------------


def test_payments_are_listed_by_day_method_bill_and_student(client, school, clerk, term_id,
                                                            bill, pupil):
    _, (other_pupil,) = classroom(school, "2班", students=1)
    other_bill = issued_bill(school, term_id, other_pupil, 50000)
    paid(school, bill, 10000, received_on=date(2026, 9, 10))
    paid(school, bill, 20000, "card", received_on=date(2026, 9, 11))
    paid(school, other_bill, 30000, received_on=date(2026, 9, 11))

    def amounts(**query):
        found = client.get(f"{API}/payments", query_string=query, headers=clerk.headers)
        assert found.status_code == 200
        return [p["amount_fen"] for p in found.get_json()]

    assert amounts() == [10000, 20000, 30000]
    assert amounts(start="2026-09-11", end="2026-09-11") == [20000, 30000]
    assert amounts(method="card") == [20000]
    assert amounts(bill_id=other_bill) == [30000]
    assert amounts(student_id=pupil) == [10000, 20000]
    page = client.get(f"{API}/payments", query_string={"page_size": 2}, headers=clerk.headers)
    assert len(page.get_json()) == 2 and '"total": 3' in page.headers["X-Pagination"]
    backwards = client.get(f"{API}/payments", query_string={"start": "2026-09-12",
                                                            "end": "2026-09-11"},
                           headers=clerk.headers)
    assert backwards.status_code == 422 and "end" in backwards.get_json()["errors"]


def test_voiding_takes_the_payment_back_and_its_receipt_keeps_its_number(client, school,
                                                                         clerk, head, bill):
    first = pay(client, clerk, bill, 30000).get_json()["id"]
    pay(client, clerk, bill, 20000)
    no_reason = client.post(f"{API}/payments/{first}/void", headers=head.headers, json={})
    assert no_reason.status_code == 422 and "reason" in no_reason.get_json()["errors"]
    voided = client.post(f"{API}/payments/{first}/void", headers=head.headers,
                         json={"reason": "录入重复"})
    assert voided.status_code == 200
    body = voided.get_json()
    assert (body["void_reason"], body["receipt_number"]) == ("录入重复", receipt_number(1))
    assert body["voided_at"] and body["voided_by"]
    assert balance(school, bill) == 80000
    again = client.post(f"{API}/payments/{first}/void", headers=head.headers,
                        json={"reason": "再来一次"})
    assert again.status_code == 409
    assert client.get(f"{API}/payments/{first}", headers=clerk.headers).get_json()[
        "voided_at"] == body["voided_at"]
    third = pay(client, clerk, bill, 1000).get_json()
    assert third["receipt_number"] == receipt_number(3)


def test_the_receipt_says_who_paid_what_for_what_in_figures_and_in_capitals(
        client, school, clerk, bill):
    with tenant_context(school):
        module_service.update_settings("fees", {"payee": "第一小学财务室"})
        db.session.commit()
    payment = pay(client, clerk, bill, 12345, "card", reference="POS-0091",
                  payer="张妈妈").get_json()["id"]
    receipt = client.get(f"{API}/payments/{payment}/receipt", headers=clerk.headers).get_json()
    assert receipt["number"] == receipt_number(1)
    assert (receipt["amount_fen"], receipt["amount_in_words"]) == (12345, "壹佰贰拾叁元肆角伍分")
    assert (receipt["payee"], receipt["school"]) == ("第一小学财务室", "Fees-School")
    assert (receipt["student"], receipt["class"]) == ("1班学生0", "一年级1班")
    assert (receipt["term_start"], receipt["term_end"]) == ("2026-09-01", "2027-01-22")
    assert (receipt["method"], receipt["reference"], receipt["payer"]) == ("card", "POS-0091",
                                                                         "张妈妈")
    assert (receipt["prints"], receipt["marking"], receipt["voided"]) == (0, "unprinted", False)
    other = str(uuid.uuid4())
    assert client.get(f"{API}/payments/{other}/receipt", headers=clerk.headers
                      ).status_code == 404


# --- the pages -----------------------------------------------------------------------------


def test_a_payment_typed_in_yuan_on_the_page_then_its_receipt_printed_and_reprinted(
        app, client, school, clerk, bill):
    token = signed_in(client, clerk)
    form_page = client.get(f"{PAGES}/bills/{bill}/pay")
    assert form_page.status_code == 200 and 'data-testid="owed"' in form_page.get_data(
        as_text=True)
    form = {"csrf_token": token, "request_key": "form-1", "method": "cash",
            "received_on": school_today().isoformat(), "payer": "", "reference": ""}
    fraction = client.post(f"{PAGES}/bills/{bill}/pay", data={**form, "amount": "123.456"})
    assert fraction.status_code == 422
    assert 'data-testid="error-amount"' in fraction.get_data(as_text=True)
    no_serial = client.post(f"{PAGES}/bills/{bill}/pay", data={
        **form, "amount": "100", "method": "bank_transfer"})
    assert no_serial.status_code == 422
    assert 'data-testid="error-reference"' in no_serial.get_data(as_text=True)
    assert written(school) == (0, 0, 2)

    done = client.post(f"{PAGES}/bills/{bill}/pay", data={**form, "amount": "123.45"})
    assert done.status_code == 302
    double_tap = client.post(f"{PAGES}/bills/{bill}/pay", data={**form, "amount": "123.45"})
    assert double_tap.headers["Location"] == done.headers["Location"]
    assert written(school)[0] == 1 and balance(school, bill) == 100000 - 12345
    shown = client.get(done.headers["Location"]).get_data(as_text=True)
    assert 'data-testid="recorded"' in shown and receipt_number(1) in shown

    payment = done.headers["Location"].split("/payments/")[1].split("?")[0]
    viewed = client.get(f"{PAGES}/payments/{payment}/receipt").get_data(as_text=True)
    assert 'data-marking="unprinted"' in viewed and "壹佰贰拾叁元肆角伍分" in viewed
    assert "¥123.45" in viewed
    printed = client.post(f"{PAGES}/payments/{payment}/receipt/print",
                          data={"csrf_token": token})
    text = printed.get_data(as_text=True)
    assert printed.status_code == 200 and 'data-marking="original"' in text
    assert 'data-testid="stamp"' not in text and "data-print-on-load" in text
    looked_again = client.get(f"{PAGES}/payments/{payment}/receipt").get_data(as_text=True)
    assert 'data-marking="copy"' in looked_again  # printing this view makes no second original
    reprint = client.post(f"{PAGES}/payments/{payment}/receipt/print",
                          data={"csrf_token": token}).get_data(as_text=True)
    assert 'data-marking="copy"' in reprint and 'data-testid="stamp"' in reprint
    with tenant_context(school):
        assert db.session.scalar(select(Receipt.prints)) == 2


def test_a_void_receipt_prints_marked_void(client, school, clerk, head, bill):
    payment = paid(school, bill, 5000)
    token = signed_in(client, head)
    empty = client.post(f"{PAGES}/payments/{payment}/void", data={"csrf_token": token,
                                                                    "reason": ""})
    assert empty.status_code == 422
    assert 'data-testid="error-reason"' in empty.get_data(as_text=True)
    done = client.post(f"{PAGES}/payments/{payment}/void", data={"csrf_token": token,
                                                                   "reason": "转账退回"})
    assert done.status_code == 302
    assert 'data-testid="voided"' in client.get(done.headers["Location"]).get_data(
        as_text=True)
    printed = client.post(f"{PAGES}/payments/{payment}/receipt/print",
                          data={"csrf_token": token}).get_data(as_text=True)
    assert 'data-marking="void"' in printed and "转账退回" in printed
    assert balance(school, bill) == 100000


def test_the_payments_of_a_day_with_their_total(client, school, clerk, head, bill):
    paid(school, bill, 10000, received_on=date(2026, 9, 10))
    paid(school, bill, 2550, "card", received_on=date(2026, 9, 10))
    voided = paid(school, bill, 7000, received_on=date(2026, 9, 10))
    paid(school, bill, 999, received_on=date(2026, 9, 11))
    client.post(f"{API}/payments/{voided}/void", headers=head.headers, json={"reason": "重复"})
    signed_in(client, clerk)
    page = client.get(f"{PAGES}/payments?day=2026-09-10")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert text.count("2026-00000") == 3  # three receipts that day, the void one among them
    total = text.split('data-testid="day-total"')[1].split("</p>")[0]
    assert "125.50" in total and "9.99" not in total
    assert client.get(f"{PAGES}/payments?day=nonsense").status_code == 200


def test_pages_of_another_school_answer_404(client, school, bill, make_school, make_user):
    payment = paid(school, bill, 5000)
    other = make_school("fees-other", modules=("fees",))
    intruder = make_user(other, "school_admin")
    token = signed_in(client, intruder)
    for path in (f"bills/{bill}/pay", f"payments/{payment}", f"payments/{payment}/receipt"):
        assert client.get(f"/t/fees-other/m/fees/{path}").status_code == 404
    for path in (f"bills/{bill}/pay", f"payments/{payment}/void",
                 f"payments/{payment}/receipt/print"):
        refused = client.post(f"/t/fees-other/m/fees/{path}",
                              data={"csrf_token": token, "amount": "1", "method": "cash",
                                    "reason": "intruder"})
        assert refused.status_code == 404
    assert written(school)[0] == 1
