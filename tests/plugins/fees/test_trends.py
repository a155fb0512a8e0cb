"""The fee charts' series on known data: each class's collection rate (the report's worked
example) and the term's arrears at each month's end as the ledger posted them day by day;
then the report pages and the home card that draw them."""

import uuid
from datetime import date

import pytest
from sqlalchemy import event

from core.extensions import db
from core.tenancy import tenant_context
from core.testing import signed_in
from plugins.fees.services import ledger, payments, reports, trends

from .report_scenario import build
from .support import classroom, issued_bill, paid

BASE = "/t/fees-school"


@pytest.fixture
def clock(monkeypatch):
    """The school's day, as the ledger posts entries and the charts end their months."""
    now = {"day": date(2026, 9, 5)}
    for module in (ledger, payments, trends):
        monkeypatch.setattr(module, "school_today", lambda: now["day"])
    return now


@pytest.fixture
def term(school, term_id, clock):
    """Class A: 1000 and 500 yuan billed on 5 September, the 1000 paid on 10 October. Class B:
    800 billed on 5 September, 300 paid on 10 October and 600 on 3 November (100 over). A
    draft bill of 700 counts nowhere."""
    class_a, (a0, a1) = classroom(school, "1班", students=2)
    class_b, (b0, b1) = classroom(school, "2班", students=2)
    bills = {"a0": issued_bill(school, term_id, a0, 100000),
             "a1": issued_bill(school, term_id, a1, 50000),
             "b0": issued_bill(school, term_id, b0, 80000)}
    with tenant_context(school):
        from plugins.fees.models import Bill

        db.session.add(Bill(term_id=uuid.UUID(term_id), student_id=uuid.UUID(b1),
                            class_id=uuid.UUID(class_b)))
        db.session.commit()
    clock["day"] = date(2026, 10, 10)
    paid(school, bills["a0"], 100000, received_on=clock["day"])
    paid(school, bills["b0"], 30000, received_on=clock["day"])
    clock["day"] = date(2026, 11, 3)
    paid(school, bills["b0"], 60000, received_on=clock["day"])
    clock["day"] = date(2026, 11, 20)
    return {"id": uuid.UUID(term_id), "class_a": uuid.UUID(class_a),
            "class_b": uuid.UUID(class_b)}


def owed(found):
    return [(m.month.isoformat(), m.owed) for m in found]


def test_arrears_at_each_months_end_add_up_what_each_bill_still_owed(school, term):
    with tenant_context(school):
        assert owed(trends.arrears_by_month(term["id"])) == [
            ("2026-09-01", 230000), ("2026-10-01", 100000), ("2026-11-01", 50000)]
        # class A alone; class B's overpayment never lessens what class A owes
        assert owed(trends.arrears_by_month(term["id"], [term["class_a"]])) == [
            ("2026-09-01", 150000), ("2026-10-01", 50000), ("2026-11-01", 50000)]
        assert owed(trends.arrears_by_month(term["id"], [term["class_b"]])) == [
            ("2026-09-01", 80000), ("2026-10-01", 50000), ("2026-11-01", 0)]


def test_arrears_by_month_is_one_query_whatever_the_months(school, term, clock):
    clock["day"] = date(2027, 3, 1)  # the term is over: September to January
    statements = []

    def count(*args):
        statements.append(args[2])

    with tenant_context(school):
        trends.arrears_by_month(term["id"])  # the calendar read once
        event.listen(db.engine, "before_cursor_execute", count)
        try:
            found = trends.arrears_by_month(term["id"])
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
    assert owed(found)[-2:] == [("2026-12-01", 50000), ("2027-01-01", 50000)]
    assert len(found) == 5
    assert len([s for s in statements if "fees_ledger" in s]) == 1


def test_no_months_before_the_term_begins(school, term, clock):
    clock["day"] = date(2026, 8, 20)
    with tenant_context(school):
        assert trends.arrears_by_month(term["id"]) == []


def test_class_rates_follow_the_collection_report(school, term_id, make_user):
    scenario = build(school, term_id, next_term=False)
    with tenant_context(school):
        rows, _total = reports.collection(uuid.UUID(term_id))
        rates = trends.class_rates(rows)
    assert [(str(r.class_id), r.rate) for r in rates] == [
        (scenario.class_a, trends.Decimal("50.25")), (scenario.class_b, trends.Decimal("95.65"))]
    assert trends.ClassRate(uuid.uuid4(), "x", 0, 0).rate is None


def test_the_report_pages_and_the_home_card_draw_the_charts(client, school, term, clerk):
    signed_in(client, clerk)
    page = client.get(f"{BASE}/m/fees/reports/collection?term_id={term['id']}").text
    chart = page[page.index('data-testid="collection-chart"'):]
    assert 'data-chart="bar"' in chart and "一年级1班" in chart and "66.67%" in chart
    page = client.get(f"{BASE}/m/fees/reports/arrears?term_id={term['id']}").text
    chart = page[page.index('data-testid="arrears-chart"'):]
    assert 'data-chart="column"' in chart and "2300.00" in chart and "500.00" in chart
    home = client.get(f"{BASE}/").text
    assert 'data-testid="fees-widget-chart"' in home and 'chart-small' in home
