"""The settlement, refund and absence pages as a signed-in clerk uses them: amounts typed in
yuan, errors next to the input they belong to, nothing written by a refused form."""

import re

import pytest

from core.testing import signed_in

from .refunds_support import absence_refunds_on, bill_of, fee_item, item_line, money_of
from .support import classroom, paid

BASE = "/t/fees-school/m/fees"


@pytest.fixture
def billed(school, term_id):
    """Two pupils billed 100 yuan of textbooks (held) and 800 yuan of care, both paid."""
    books = fee_item(school, "教材费", "held", "item", 10000)
    care = fee_item(school, "保育教育费", "care", "month", 80000)
    _, students = classroom(school, "1班", students=2)
    bills = [bill_of(school, term_id, s, item_line(care, "care", 1, 80000),
                     item_line(books, "held", 1, 10000)) for s in students]
    for bill in bills:
        paid(school, bill, 90000)
    return books, students, bills


def test_a_settlement_from_the_pages_to_the_printed_refund_list(client, clerk, school, term_id,
                                                                billed):
    books, (first, second), (first_bill, second_bill) = billed
    token = signed_in(client, clerk)
    assert "教材费" in client.get(f"{BASE}/settlements").get_data(as_text=True)
    made = client.post(f"{BASE}/settlements", data={
        "csrf_token": token, "term_id": term_id, "fee_item_id": books, "remarks": "教材"})
    assert made.status_code == 302
    page_url = made.headers["Location"]
    # A fraction of a fen is refused next to its input; nothing is recorded.
    bad = client.post(f"{page_url}/costs", data={"csrf_token": token, f"cost-{first}": "85.505",
                                                 f"cost-{second}": "80"})
    assert bad.status_code == 422
    assert f'data-testid="error-cost-{first}"' in bad.get_data(as_text=True)
    saved = client.post(f"{page_url}/costs", data={"csrf_token": token, f"cost-{first}": "85.5",
                                                   f"cost-{second}": "120"})
    assert saved.status_code == 302
    page = client.get(page_url).get_data(as_text=True)
    assert "14.50" in page  # 100 − 85.50 comes back to the first family
    assert client.post(f"{page_url}/publish", data={"csrf_token": token}).status_code == 302
    assert money_of(school, first_bill).balance == -1450
    assert money_of(school, second_bill).balance == 0  # the 20 yuan shortfall is not charged

    listing = client.get(f"{BASE}/refunds?term_id={term_id}").get_data(as_text=True)
    assert "1班学生0" in listing and "14.50" in listing
    refund_id = re.search(r'name="refund_ids" value="([0-9a-f-]+)"', listing).group(1)
    no_choice = client.post(f"{BASE}/refunds/pay?term_id={term_id}", data={
        "csrf_token": token, "method": "cash", "paid_on": "2026-12-01"})
    assert no_choice.status_code == 422
    assert 'data-testid="error-refund_ids"' in no_choice.get_data(as_text=True)
    single = client.post(f"{BASE}/refunds/{refund_id}/pay?term_id={term_id}", data={
        "csrf_token": token, "method": "cash", "paid_on": "2026-12-01"})
    assert single.status_code == 302
    assert money_of(school, first_bill).balance == 0
    notice = client.get(f"{BASE}/public/settlements/{page_url.rsplit('/', 1)[1]}")
    assert notice.status_code == 200 and "14.50" in notice.get_data(as_text=True)


def test_absences_and_their_refunds_from_the_pages(client, clerk, school, term_id, billed):
    _, (first, _second), (first_bill, _) = billed
    token = signed_in(client, clerk)
    off = client.get(f"{BASE}/absences").get_data(as_text=True)
    assert 'data-testid="off"' in off
    absence_refunds_on(school)
    form = {"csrf_token": token, "student_id": first, "starts_on": "2026-10-12",
            "ends_on": "2026-11-10", "reason": "病假"}
    assert client.post(f"{BASE}/absences", data=form).status_code == 302
    clash = client.post(f"{BASE}/absences", data={**form, "starts_on": "2026-11-01"})
    assert clash.status_code == 409
    assert 'data-testid="error-starts_on"' in clash.get_data(as_text=True)
    listed = client.get(f"{BASE}/absences?term_id={term_id}").get_data(as_text=True)
    assert "2026-10-12" in listed and "病假" in listed
    preview = client.get(f"{BASE}/absence-refunds?term_id={term_id}").get_data(as_text=True)
    assert "800.00" in preview and 'data-testid="apply"' in preview
    applied = client.post(f"{BASE}/absence-refunds?term_id={term_id}",
                          data={"csrf_token": token})
    assert applied.status_code == 200 and 'data-testid="applied"' in applied.get_data(as_text=True)
    assert money_of(school, first_bill).balance == -80000
    delete = re.search(r'action="([^"]+/delete[^"]*)"', listed).group(1).replace("&amp;", "&")
    kept = client.post(delete, data={"csrf_token": token})
    assert kept.status_code == 409 and 'data-testid="error-absence"' in kept.get_data(as_text=True)
    refunds = client.get(f"{BASE}/refunds?term_id={term_id}&source=absence")
    ids = re.findall(r'name="refund_ids" value="([0-9a-f-]+)"', refunds.get_data(as_text=True))
    assert client.post(f"{BASE}/refunds/pay", data={
        "csrf_token": token, "method": "cash", "paid_on": "2026-11-30",
        "refund_ids": ids}).status_code == 302
    assert money_of(school, first_bill).balance == 0


def test_the_navigation_shows_absences_only_where_absence_refunds_are_on(client, clerk, school):
    signed_in(client, clerk)
    home = client.get("/t/fees-school/").get_data(as_text=True)
    assert "/m/fees/settlements" in home and "/m/fees/refunds" in home
    assert "/m/fees/absences" not in home
    absence_refunds_on(school)
    assert "/m/fees/absences" in client.get("/t/fees-school/").get_data(as_text=True)


def test_a_draft_is_dropped_from_its_page_and_a_published_one_refuses(client, clerk, school,
                                                                      term_id, billed):
    books, students, _ = billed
    token = signed_in(client, clerk)
    made = client.post(f"{BASE}/settlements", data={
        "csrf_token": token, "term_id": term_id, "fee_item_id": books})
    page_url = made.headers["Location"]
    assert client.post(f"{page_url}/delete", data={"csrf_token": token}).status_code == 302
    assert client.get(page_url).status_code == 404
    page_url = client.post(f"{BASE}/settlements", data={
        "csrf_token": token, "term_id": term_id, "fee_item_id": books}).headers["Location"]
    early = client.post(f"{page_url}/publish", data={"csrf_token": token})
    assert early.status_code == 409 and 'data-testid="error-publish"' in early.get_data(
        as_text=True)
    client.post(f"{page_url}/costs", data={"csrf_token": token,
                                           **{f"cost-{s}": "100" for s in students}})
    assert client.post(f"{page_url}/publish", data={"csrf_token": token}).status_code == 302
    kept = client.post(f"{page_url}/delete", data={"csrf_token": token})
    assert kept.status_code == 409 and 'data-testid="error-delete"' in kept.get_data(
        as_text=True)
