"""The finance clerk's path without dead ends, and the documents it prints: a first payment
started from the bill (the form filled in), bills found by a student's name or number (never
another school's), a receipt that lists what it pays for, adding up to the payment, and a
class's notices or receipts printed at once, one sheet each."""

import re
import uuid
from datetime import date

import pytest
from sqlalchemy import select

from core.calendar import services as calendar
from core.extensions import db
from core.tenancy import tenant_context
from core.testing import signed_in
from plugins.fees.models import Bill, Receipt
from plugins.fees.services import bills, payments, receipts

from .support import classroom, issued_bill, paid

PAGES = "/t/fees-school/m/fees"


@pytest.fixture
def pupils(school):
    return classroom(school, "1班", students=3)


@pytest.fixture
def bill(school, term_id, pupils):
    return issued_bill(school, term_id, pupils[1][0], 60000, 40000)


def rows(html: str, testid: str) -> list[str]:
    return re.findall(rf'<tr data-testid="{testid}">(.*?)</tr>', html, re.S)


def test_a_first_payment_starts_from_the_bill_with_the_form_filled_in(
        client, school, clerk, term_id, bill):
    token = signed_in(client, clerk)
    page = client.get(f"{PAGES}/bills/{bill}").get_data(as_text=True)
    link = re.search(r'href="([^"]+)" data-testid="record-payment"', page)
    assert link and link.group(1) == f"{PAGES}/bills/{bill}/pay"
    form = client.get(link.group(1)).get_data(as_text=True)
    assert re.search(r'id="amount"[^>]*value="1000.00"', form)  # what the bill still owes
    listed = client.get(f"{PAGES}/bills", query_string={"term_id": term_id,
                                                        "class_id": pupils_class(school, bill)})
    assert f'href="{PAGES}/bills/{bill}/pay" data-testid="row-record-payment"' in \
        listed.get_data(as_text=True)
    done = client.post(link.group(1), data={"csrf_token": token, "amount": "1000.00",
                                             "method": "cash", "received_on": "2026-09-10"})
    assert done.status_code == 302
    after = client.get(f"{PAGES}/bills/{bill}").get_data(as_text=True)
    assert 'data-testid="record-payment"' not in after  # nothing owed: nothing to record


def pupils_class(school, bill_id: str) -> str:
    with tenant_context(school):
        return str(db.session.scalar(select(Bill.class_id).where(Bill.id == uuid.UUID(bill_id))))


def test_a_draft_or_paid_bill_offers_no_payment(client, school, clerk, term_id, pupils):
    signed_in(client, clerk)
    settled = issued_bill(school, term_id, pupils[1][0], 5000)
    paid(school, settled, 5000)
    with tenant_context(school):
        draft = Bill(term_id=uuid.UUID(term_id), student_id=uuid.UUID(pupils[1][1]),
                     class_id=uuid.UUID(pupils[0]))
        db.session.add(draft)
        db.session.commit()
        draft_id = draft.id
    for bill_id in (settled, draft_id):
        page = client.get(f"{PAGES}/bills/{bill_id}").get_data(as_text=True)
        assert 'data-testid="record-payment"' not in page


def found(client, term_id, **wanted) -> list[str]:
    """The student numbers of the bills the bills page finds."""
    html = client.get(f"{PAGES}/bills", query_string={"term_id": term_id, **wanted}
                      ).get_data(as_text=True)
    return [re.search(r'">([^<]+)</a></td>', row).group(1) for row in rows(html, "bill-row")]


def test_bills_are_found_by_name_number_class_and_payment(client, school, clerk, term_id,
                                                           pupils, make_school, make_user):
    signed_in(client, clerk)
    class_id, (first, second, third) = pupils
    other_class, (fourth,) = classroom(school, "2班", students=1)
    for student in (first, second, third, fourth):
        issued_bill(school, term_id, student, 10000)
    with tenant_context(school):
        ids = {b.student_id: str(b.id) for b in db.session.scalars(select(Bill))}
    paid(school, ids[uuid.UUID(second)], 4000)
    paid(school, ids[uuid.UUID(third)], 10000)

    assert found(client, term_id, q="1班学生1") == ["1班-1"]  # a name
    assert found(client, term_id, q="学生0") == ["1班-0", "2班-0"]  # part of a name, any class
    assert found(client, term_id, q="2班-") == ["2班-0"]  # the start of a number
    assert found(client, term_id, q="班-0", class_id=class_id) == []  # numbers match from the start
    assert found(client, term_id, q="学生", class_id=other_class) == ["2班-0"]
    assert sorted(found(client, term_id, paid="owing")) == ["1班-0", "1班-1", "2班-0"]
    assert found(client, term_id, paid="partly_paid") == ["1班-1"]
    assert found(client, term_id, paid="paid") == ["1班-2"]
    assert sorted(found(client, term_id, paid="unpaid")) == ["1班-0", "2班-0"]
    assert found(client, term_id, q="%") == []  # a wildcard is a character

    # Another school's student of the same name and number is not found, nor is its bill.
    elsewhere = make_school("elsewhere", modules=("fees",))
    with tenant_context(elsewhere):
        year = calendar.create_year("2026学年", date(2026, 9, 1), date(2027, 8, 31))
        other_term = calendar.create_term(year.id, "第一学期", date(2026, 9, 1),
                                          date(2027, 1, 22))
        db.session.commit()
        other_term_id = str(other_term.id)
    _, (twin,) = classroom(elsewhere, "1班", students=1)
    issued_bill(elsewhere, other_term_id, twin, 10000)
    assert found(client, term_id, q="1班学生0") == ["1班-0"]
    assert found(client, other_term_id, q="1班学生0") == ["1班-0"]  # a foreign term: ours
    other_clerk = make_user(elsewhere, "finance_clerk")
    signed_in(client, other_clerk)
    html = client.get("/t/elsewhere/m/fees/bills", query_string={"term_id": other_term_id,
                                                                 "q": "1班"}).get_data(as_text=True)
    assert len(rows(html, "bill-row")) == 1
    assert ids[uuid.UUID(first)] not in html


def test_the_bills_api_finds_a_students_bills_by_name_or_number(client, school, clerk,
                                                                 term_id, pupils):
    class_id, students = pupils
    for student in students:
        issued_bill(school, term_id, student, 10000)

    def numbers(**wanted) -> list[str]:
        answer = client.get("/api/v1/fees/bills", headers=clerk.headers,
                            query_string={"term_id": term_id, **wanted})
        assert answer.status_code == 200, answer.get_json()
        return sorted(bill["student_no"] for bill in answer.get_json())

    assert numbers() == ["1班-0", "1班-1", "1班-2"]
    assert numbers(q="1班学生1") == ["1班-1"]  # part of a name
    assert numbers(q="1班-2") == ["1班-2"]  # the start of a number
    assert numbers(q="学生", class_id=class_id, status="issued") == ["1班-0", "1班-1", "1班-2"]
    assert numbers(q="%") == []  # a wildcard is a character
    too_long = client.get("/api/v1/fees/bills", headers=clerk.headers,
                          query_string={"q": "x" * 51})
    assert too_long.status_code == 422 and "q" in too_long.get_json()["errors"]


def receipt_items(school, payment_id: str) -> list[tuple[str, int]]:
    with tenant_context(school):
        return [(i.description, i.amount_fen)
                for i in receipts.receipt_view(uuid.UUID(payment_id)).items]


def test_a_receipt_lists_the_items_it_pays_adding_up_to_the_payment(school, term_id, bill):
    first = paid(school, bill, 30000)
    assert receipt_items(school, first) == [("费用0", 30000)]
    second = paid(school, bill, 50000)
    assert receipt_items(school, second) == [("费用0", 30000), ("费用1", 20000)]
    third = paid(school, bill, 30000)  # 100 yuan beyond the bill stay as credit
    assert receipt_items(school, third) == [("费用1", 20000), ("", 10000)]
    with tenant_context(school):
        payments.void(uuid.UUID(first), "entered twice", by="test")
        db.session.commit()
    # A receipt says what the payer was given when it was issued, in every reprint: taking
    # an earlier payment back changes what the bill owes, not the receipts already given.
    assert receipt_items(school, second) == [("费用0", 30000), ("费用1", 20000)]
    assert receipt_items(school, first) == [("费用0", 30000)]  # the void receipt as it was


def test_a_receipt_issued_before_its_items_were_kept_works_them_out(school, term_id, bill):
    first, second = paid(school, bill, 30000), paid(school, bill, 50000)
    with tenant_context(school):
        for receipt in db.session.scalars(select(Receipt)):
            receipt.items = None
        db.session.commit()
    assert receipt_items(school, first) == [("费用0", 30000)]
    assert receipt_items(school, second) == [("费用0", 30000), ("费用1", 20000)]


def test_a_receipt_counts_items_net_of_their_discounts(school, term_id, pupils):
    item, student = uuid.uuid4(), uuid.UUID(pupils[1][0])
    with tenant_context(school):
        made = Bill(term_id=uuid.UUID(term_id), student_id=student,
                    class_id=uuid.UUID(pupils[0]))
        db.session.add(made)
        db.session.flush()
        bills.replace_draft_lines(made, [
            bills.Line("charge", "fees", "a", "tuition", "学费", 1, 80000, 80000,
                       fee_item_id=item),
            bills.Line("discount", "fees", "b", "tuition", "学费减免", 1, -30000, -30000,
                       fee_item_id=item),
            bills.Line("charge", "fees", "c", "meals", "伙食费", 1, 20000, 20000)], by="test")
        bills.issue(made, by="test")
        bills.adjust(made, bills.Line("adjustment", "fees", "d", "meals", "更正", 1, -5000,
                                      -5000, reason="收错"), by="test")
        db.session.commit()
        bill_id = str(made.id)
    whole = paid(school, bill_id, 65000)
    assert receipt_items(school, whole) == [("学费", 50000), ("伙食费", 15000)]


def test_the_receipt_page_shows_the_items_with_their_amounts(client, school, clerk, bill):
    signed_in(client, clerk)
    payment = paid(school, bill, 70000)
    html = client.get(f"{PAGES}/payments/{payment}/receipt").get_data(as_text=True)
    items = rows(html, "receipt-item")
    assert [re.search(r"<td>\d+</td><td>([^<]+)</td>", r).group(1) for r in items] == \
        ["费用0", "费用1"]
    fen = [int(x) for x in re.findall(r'data-fen="(\d+)"', html)]
    assert fen == [60000, 10000] and sum(fen) == 70000
    assert 'class="receipt print-a5' in html  # its paper: half an A4 sheet


def test_a_class_prints_one_notice_per_student(client, school, clerk, term_id, pupils):
    signed_in(client, clerk)
    class_id, students = pupils
    for student in students[:2]:
        issued_bill(school, term_id, student, 10000)
    with tenant_context(school):  # a draft asks nothing: no notice
        db.session.add(Bill(term_id=uuid.UUID(term_id), student_id=uuid.UUID(students[2]),
                            class_id=uuid.UUID(class_id)))
        db.session.commit()
    html = client.get(f"{PAGES}/terms/{term_id}/classes/{class_id}/notices"
                      ).get_data(as_text=True)
    assert html.count('data-testid="sheet"') == 2
    assert html.count('class="card print-a5 print-sheet"') == 2
    assert re.findall(r'data-testid="bill-student">([^<]+)<', html) == ["1班学生0", "1班学生1"]


def test_a_class_prints_its_receipts_counting_each_print(client, school, clerk, term_id,
                                                         pupils):
    token = signed_in(client, clerk)
    class_id, students = pupils
    first = issued_bill(school, term_id, students[0], 10000)
    second = issued_bill(school, term_id, students[1], 10000)
    paid(school, first, 4000)
    paid(school, first, 6000)
    paid(school, second, 10000)
    url = f"{PAGES}/terms/{term_id}/classes/{class_id}/receipts"
    shown = client.get(url).get_data(as_text=True)
    assert shown.count('data-testid="sheet"') == 3
    assert shown.count('data-marking="unprinted"') == 3  # looking does not count
    printed = client.post(url, data={"csrf_token": token}).get_data(as_text=True)
    assert printed.count('data-marking="original"') == 3
    assert "data-print-on-load" in printed
    again = client.post(url, data={"csrf_token": token}).get_data(as_text=True)
    assert again.count('data-marking="copy"') == 3
    with tenant_context(school):
        assert [r.prints for r in db.session.scalars(select(Receipt))] == [2, 2, 2]


def test_a_class_or_term_of_another_school_is_not_found(client, school, clerk, term_id,
                                                        make_school, make_user):
    elsewhere = make_school("elsewhere", modules=("fees",))
    other_class, (pupil,) = classroom(elsewhere, "外校班", students=1)
    with tenant_context(elsewhere):
        year = calendar.create_year("2026学年", date(2026, 9, 1), date(2027, 8, 31))
        other_term = calendar.create_term(year.id, "第一学期", date(2026, 9, 1),
                                          date(2027, 1, 22))
        db.session.commit()
        other_term_id = str(other_term.id)
    issued_bill(elsewhere, other_term_id, pupil, 10000)
    own_class, _ = classroom(school, "1班", students=1)
    token = signed_in(client, clerk)
    for path in (f"terms/{other_term_id}/classes/{other_class}",
                 f"terms/{term_id}/classes/{other_class}",
                 f"terms/{other_term_id}/classes/{own_class}"):
        for kind in ("notices", "receipts"):
            response = client.get(f"{PAGES}/{path}/{kind}")
            assert response.status_code == 404
            assert "外校班" not in response.get_data(as_text=True)
        assert client.post(f"{PAGES}/{path}/receipts",
                           data={"csrf_token": token}).status_code == 404
