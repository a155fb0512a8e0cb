"""The fee reports against a term worked out by hand (report_scenario): collection per class,
arrears, daily and monthly takings, the term summary that agrees with the ledger, their .xlsx
exports, the pages, a class teacher's view of the classes they head, the home widget and the
module's share of the school's data export."""

import io
import uuid
from datetime import date
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from core.audit import AuditEvent
from core.extensions import db
from core.sdk import school_today as today
from core.tenancy import tenant_context
from core.testing import signed_in
from plugins.fees.models import LedgerEntry
from plugins.fees.services import reports, takings
from plugins.fees.services import summary as summaries

from .report_scenario import ELEVENTH, TENTH, TWELFTH, build, pay
from .support import issued_bill

BASE = "/t/fees-school"


@pytest.fixture
def teacher(school, make_user):
    return make_user(school, "class_teacher")


@pytest.fixture
def scenario(school, term_id, teacher):
    return build(school, term_id, teacher=teacher)


def collection_figures(row):
    return (row.students, row.charged, row.paid, row.refunded, row.written_off, row.outstanding,
            row.due_back, row.paid_count, row.partly_paid_count, row.unpaid_count,
            row.overpaid_count, row.rate)


# Class A: a0 paid 1500 in full; a1 owes 780 of 1280 (1400 less a 10% tuition discount);
# a2's 1200 payment was voided. Class B: b0 paid 1600 on 1500 (100 kept as credit), got 200 of
# meals back (bill lowered, refund paid); b1 paid 1000 of 1200, 200 written off; b2 paid 1000
# on a bill lowered to 950 afterwards. The draft bill of b3 counts nowhere.
CLASS_A = (3, 398000, 200000, 0, 0, 198000, 0, 1, 1, 1, 0, "50.25%")
CLASS_B = (3, 345000, 350000, 20000, 20000, 0, 5000, 2, 0, 0, 1, "95.65%")
SCHOOL = (6, 743000, 550000, 20000, 20000, 198000, 5000, 3, 1, 1, 1, "71.33%")


def test_collection_per_class(school, scenario):
    with tenant_context(school):
        rows, total = reports.collection(uuid.UUID(scenario.term_id))
        assert [(str(r.class_id), r.title) for r in rows] == [
            (scenario.class_a, "一年级1班"), (scenario.class_b, "一年级2班")]
        assert [collection_figures(r) for r in rows] == [CLASS_A, CLASS_B]
        assert (total.class_id, collection_figures(total)) == (None, SCHOOL)
        # What is charged less paid, plus refunded, less written off is what is owed less
        # what is due back.
        assert total.charged - total.paid + total.refunded - total.written_off == \
            total.outstanding - total.due_back
        only_b, _ = reports.collection(uuid.UUID(scenario.term_id),
                                             [uuid.UUID(scenario.class_b)])
        assert [collection_figures(r) for r in only_b] == [CLASS_B]
        # Next term: a2's bill is paid, what was paid beyond it is credit, not "due back".
        next_rows, _ = reports.collection(uuid.UUID(scenario.next_term_id))
        assert [collection_figures(r) for r in next_rows] == [
            (1, 1000, 1000, 0, 0, 0, 0, 1, 0, 0, 0, "100.00%")]


def test_arrears_list_with_phones_credit_and_age(school, scenario):
    with tenant_context(school):
        days = (today() - date(2026, 9, 1)).days
        found = reports.arrears(uuid.UUID(scenario.term_id))
        assert [(a.student_no, a.student_name, a.class_title, a.phones, a.amount, a.credit,
                 a.issued_on, a.days) for a in found] == [
            ("1班-1", "1班学生1", "一年级1班", ("13800000001", "13800000002"), 78000, 0,
             date(2026, 9, 1), days),
            ("1班-2", "1班学生2", "一年级1班", (), 120000, 2000, date(2026, 9, 1), days)]
        assert [str(a.bill_id) for a in found] == [scenario.bills["a1"], scenario.bills["a2"]]
        assert [a.amount for a in reports.arrears(uuid.UUID(scenario.term_id),
                                                  minimum_fen=100000)] == [120000]
        assert reports.arrears(uuid.UUID(scenario.term_id), [uuid.UUID(scenario.class_b)]) == []


def test_daily_takings_per_method_with_voided_apart_and_the_receipt_range(school, scenario):
    with tenant_context(school):
        tenth = takings.daily_takings(TENTH)
        assert [(m.method, m.count, m.amount) for m in tenth.methods] == [
            ("cash", 1, 150000), ("bank_transfer", 1, 50000)]
        assert (tenth.count, tenth.total, tenth.net) == (2, 200000, 200000)
        assert [(r.number, r.amount, r.void_reason) for r in tenth.voided] == [
            ("2026-000003", 120000, "entered twice")]
        assert (tenth.first_receipt, tenth.last_receipt) == ("2026-000001", "2026-000003")
        first = tenth.receipts[0]
        assert (first.student_name, first.class_title, first.recorded_by) == (
            "1班学生0", "一年级1班", "收费员")
        eleventh = takings.daily_takings(ELEVENTH)
        assert [(m.method, m.count, m.amount) for m in eleventh.methods] == [
            ("cash", 1, 100000), ("bank_transfer", 1, 100000), ("card", 1, 160000)]
        assert (eleventh.total, eleventh.voided, eleventh.first_receipt,
                eleventh.last_receipt) == (360000, [], "2026-000004", "2026-000006")
        twelfth = takings.daily_takings(TWELFTH)
        assert [(m.method, m.count, m.amount) for m in twelfth.methods] == [("cash", 1, 3000)]
        assert [(m.method, m.count, m.amount) for m in twelfth.refunds] == [("cash", 1, 20000)]
        assert (twelfth.total, twelfth.refunds_total, twelfth.net) == (3000, 20000, -17000)
        empty = takings.daily_takings(date(2026, 9, 13))
        assert (empty.methods, empty.receipts, empty.first_receipt) == ([], [], None)


def test_monthly_takings_by_day_and_method(school, scenario):
    with tenant_context(school):
        month = takings.monthly_takings(date(2026, 9, 17))
        assert month.first == date(2026, 9, 1)
        assert [(d.day, d.amounts, d.count, d.total) for d in month.days] == [
            (TENTH, {"cash": 150000, "bank_transfer": 50000}, 2, 200000),
            (ELEVENTH, {"cash": 100000, "bank_transfer": 100000, "card": 160000}, 3, 360000),
            (TWELFTH, {"cash": 3000}, 1, 3000)]
        assert [(m.method, m.count, m.amount) for m in month.methods] == [
            ("cash", 3, 253000), ("bank_transfer", 2, 150000), ("card", 1, 160000)]
        assert (month.count, month.total) == (6, 563000)
        assert (month.voided.count, month.voided.amount) == (1, 120000)
        assert [(m.method, m.amount) for m in month.refunds] == [("cash", 20000)]
        assert month.net == 543000
        assert takings.monthly_takings(date(2026, 10, 1)).days == []


def summary_figures(c):
    return (c.category, c.charged, c.discounts, c.adjustments, c.due, c.paid, c.refunded,
            c.written_off, c.outstanding)


def test_the_term_summary_by_category_agrees_with_the_ledger(school, scenario):
    with tenant_context(school):
        summary = summaries.term_summary(uuid.UUID(scenario.term_id))
        # a1's 500 shares 1080:200 between tuition and held fees (the odd fen to tuition,
        # first of the tied remainders); b0's 1500 paid and 200 refunded share 1200:100.
        assert [summary_figures(c) for c in summary.categories] == [
            ("tuition", 700000, -12000, -5000, 683000, 500650, 18462, 20000, 180812),
            ("meals", 60000, 0, -20000, 40000, 41538, 1538, 0, 0),
            ("held", 20000, 0, 0, 20000, 7812, 0, 0, 12188)]
        assert summary_figures(summary.total) == (
            "", 780000, -12000, -25000, 743000, 550000, 20000, 20000, 193000)
        assert (summary.bills, summary.credit, summary.rate) == (6, 10000, "71.33%")
        term_bills = {uuid.UUID(scenario.bills[k]) for k in ("a0", "a1", "a2", "b0", "b1", "b2")}
        entries = [e for e in db.session.scalars(select(LedgerEntry))
                   if e.bill_id in term_bills]

        def ledger_sum(*kinds):
            return sum(e.amount_fen for e in entries if e.kind in kinds)

        total = summary.total
        assert total.charged == ledger_sum("charge")
        assert total.discounts + total.adjustments == ledger_sum("adjustment")
        assert (total.paid, total.refunded, total.written_off) == (
            -ledger_sum("payment"), ledger_sum("refund"), -ledger_sum("write_off"))
        assert total.outstanding == sum(e.amount_fen for e in entries)


def statements_run(work) -> int:
    """How many SQL statements ``work()`` sends to the database."""
    from sqlalchemy import event

    seen = []

    def count(*_args):
        seen.append(1)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        work()
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    return len(seen)


def test_each_report_costs_the_same_few_queries_however_many_students(school, scenario,
                                                                        term_id):
    from .support import classroom

    term = uuid.UUID(term_id)
    reads = {
        "collection": lambda: reports.collection(term),
        "arrears": lambda: reports.arrears(term),
        "daily": lambda: takings.daily_takings(TENTH),
        "monthly": lambda: takings.monthly_takings(TENTH),
        "summary": lambda: summaries.term_summary(term),
    }

    def costs():
        with tenant_context(school):
            found = {name: statements_run(read) for name, read in reads.items()}
            db.session.rollback()
            return found

    before = costs()
    _, more = classroom(school, "3班", students=8)
    for pupil in more:
        owing = issued_bill(school, term_id, pupil, 50000, 20000, category="care")
        pay(school, owing, 30000, "cash", TENTH)
    with tenant_context(school):
        assert len(reports.arrears(term)) == 2 + 8
        assert takings.daily_takings(TENTH).count == 2 + 8
    assert costs() == before
    assert max(before.values()) <= 8, before


def test_shares_add_up_exactly_and_give_the_odd_fen_to_the_largest_remainders():
    assert summaries._shares(50000, {"tuition": 108000, "held": 20000}) == {
        "tuition": 42188, "held": 7812}
    assert summaries._shares(100, {"tuition": 1, "meals": 1, "held": 1}) == {
        "tuition": 34, "meals": 33, "held": 33}
    assert summaries._shares(0, {"tuition": 5}) == {"tuition": 0}
    assert reports.percent(2, 3) == "66.67%" and reports.percent(1, 8) == "12.50%"
    assert reports.percent(1, 0) is None and reports.percent(3, 3) == "100.00%"


def test_the_api_serves_every_report_and_refuses_bad_filters(client, school, scenario, clerk):
    term = scenario.term_id
    got = client.get(f"/api/v1/fees/reports/collection?term_id={term}", headers=clerk.headers)
    assert got.status_code == 200
    body = got.get_json()
    assert [c["title"] for c in body["classes"]] == ["一年级1班", "一年级2班"]
    assert body["total"]["outstanding_fen"] == 198000 and body["total"]["rate"] == "71.33%"
    assert body["classes"][1]["due_back_fen"] == 5000
    arrears = client.get(f"/api/v1/fees/reports/arrears?term_id={term}&min_fen=100000",
                         headers=clerk.headers).get_json()
    assert [(s["student_name"], s["amount_fen"], s["credit_fen"]) for s in arrears["students"]
            ] == [("1班学生2", 120000, 2000)] and arrears["total_fen"] == 120000
    daily = client.get("/api/v1/fees/reports/takings/daily?day=2026-09-10",
                       headers=clerk.headers).get_json()
    assert (daily["total_fen"], daily["first_receipt"], daily["voided_total_fen"]) == (
        200000, "2026-000001", 120000)
    monthly = client.get("/api/v1/fees/reports/takings/monthly?month=2026-09",
                         headers=clerk.headers).get_json()
    assert (monthly["month"], monthly["total_fen"], monthly["net_fen"]) == ("2026-09", 563000,
                                                                           543000)
    assert monthly["days"][1]["amounts_fen"] == {"cash": 100000, "bank_transfer": 100000,
                                                 "card": 160000}
    summary = client.get(f"/api/v1/fees/reports/summary?term_id={term}",
                         headers=clerk.headers).get_json()
    assert [c["category"] for c in summary["categories"]] == ["tuition", "meals", "held"]
    assert summary["total"]["outstanding_fen"] == 193000 and summary["credit_fen"] == 10000
    for query, field in (("min_fen=1.5", "min_fen"), ("min_fen=0", "min_fen"),
                         ("term_id=nonsense", "term_id")):
        refused = client.get(f"/api/v1/fees/reports/arrears?{query}", headers=clerk.headers)
        assert refused.status_code == 422 and field in str(refused.get_json()), query
    assert client.get("/api/v1/fees/reports/takings/monthly?month=2026-13",
                      headers=clerk.headers).status_code == 422
    assert client.get(f"/api/v1/fees/reports/summary?term_id={uuid.uuid4()}",
                      headers=clerk.headers).status_code == 404


def sheets_of(response) -> dict[str, list[tuple]]:
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype.endswith("spreadsheetml.sheet")
    book = load_workbook(io.BytesIO(response.get_data()))
    return {sheet.title: [tuple(row) for row in sheet.iter_rows(values_only=True)]
            for sheet in book.worksheets}


def yuan_cells(row) -> list:
    """Numbers as exact decimals (a sheet stores 12.5 for 12.50)."""
    return [Decimal(str(v)) if isinstance(v, float | int) and not isinstance(v, bool) else v
            for v in row]


def test_every_report_exports_to_xlsx_with_the_same_figures_and_is_audited(client, school,
                                                                          scenario, clerk):
    api, term = "/api/v1/fees/reports", scenario.term_id
    collection = sheets_of(client.get(f"{api}/collection.xlsx?term_id={term}",
                                      headers=clerk.headers))["Collection"]
    assert collection[0][:3] == ("Class", "Students billed", "Due (yuan)")
    assert yuan_cells(collection[3]) == yuan_cells((
        "All classes", 6, Decimal("7430"), Decimal("5500"), Decimal("200"), Decimal("200"),
        Decimal("1980"), Decimal("50"), 3, 1, 1, 1, "71.33%"))
    assert [row[0] for row in collection[1:]] == ["一年级1班", "一年级2班", "All classes"]
    arrears = sheets_of(client.get(f"{api}/arrears.xlsx?term_id={term}",
                                   headers=clerk.headers))["Arrears"]
    assert [yuan_cells(row[:6]) for row in arrears[1:]] == [
        ["一年级1班", "1班-1", "1班学生1", "13800000001、13800000002", Decimal("780"), 0],
        ["一年级1班", "1班-2", "1班学生2", None, Decimal("1200"), Decimal("20")]]
    daily = sheets_of(client.get(f"{api}/takings/daily.xlsx?day=2026-09-11",
                                 headers=clerk.headers))
    assert list(daily) == ["Daily takings 2026-09-11", "Receipts"]
    assert [yuan_cells(row) for row in daily["Daily takings 2026-09-11"][1:5]] == [
        ["Cash", 1, Decimal("1000")], ["Bank transfer", 1, Decimal("1000")],
        ["Card terminal", 1, Decimal("1600")], ["Total taken", 3, Decimal("3600")]]
    assert [row[0] for row in daily["Receipts"][1:]] == ["2026-000004", "2026-000005",
                                                         "2026-000006"]
    monthly = sheets_of(client.get(f"{api}/takings/monthly.xlsx?month=2026-09",
                                   headers=clerk.headers))["Monthly takings 2026-09"]
    assert monthly[0] == ("Day", "Cash", "Bank transfer", "Card terminal",
                          "Number of payments", "Total (yuan)")
    assert yuan_cells(monthly[4]) == yuan_cells(("Total", Decimal("2530"), Decimal("1500"),
                                                 Decimal("1600"), 6, Decimal("5630")))
    summary = sheets_of(client.get(f"{api}/summary.xlsx?term_id={term}",
                                   headers=clerk.headers))["Term summary"]
    assert yuan_cells(summary[4]) == yuan_cells((
        "Total", Decimal("7800"), Decimal("-120"), Decimal("-250"), Decimal("7430"),
        Decimal("5500"), Decimal("200"), Decimal("200"), Decimal("1930")))
    assert yuan_cells(summary[5][:6]) == ["Overpayments kept as credit", None, None, None, None,
                                          Decimal("100")]
    with tenant_context(school):
        audited = sorted(db.session.scalars(select(AuditEvent.entity).where(
            AuditEvent.action == "export")))
    assert audited == ["fees.arrears", "fees.collection", "fees.daily", "fees.monthly",
                       "fees.summary"]


def test_the_report_pages_show_the_figures_and_export(client, school, scenario, clerk):
    signed_in(client, clerk)
    reports_page = client.get(f"{BASE}/m/fees/reports")
    assert reports_page.status_code == 200
    collection = client.get(f"{BASE}/m/fees/reports/collection?term_id={scenario.term_id}"
                            ).get_data(as_text=True)
    assert f'data-class="{scenario.class_a}"' in collection
    assert '<td class="money" data-testid="rate">71.33%</td>' in collection
    assert '<td class="money" data-testid="outstanding">1980.00' in collection
    arrears = client.get(f"{BASE}/m/fees/reports/arrears?class_id={scenario.class_a}&min=1000")
    text = arrears.get_data(as_text=True)
    assert arrears.status_code == 200 and text.count('data-testid="owed"') == 1
    assert '<a href="tel:13800000001">' not in text and "1200.00" in text
    bad = client.get(f"{BASE}/m/fees/reports/arrears?min=1.234")
    assert bad.status_code == 422 and 'data-testid="error-min"' in bad.get_data(as_text=True)
    daily = client.get(f"{BASE}/m/fees/reports/daily?day=2026-09-10").get_data(as_text=True)
    assert '<strong data-testid="receipt-range">2026-000001 – 2026-000003</strong>' in daily
    assert 'data-testid="voided"' in daily and 'data-testid="signatures"' in daily
    assert '<td class="money" data-testid="total">2000.00</td>' in daily
    monthly = client.get(f"{BASE}/m/fees/reports/monthly?month=2026-09").get_data(as_text=True)
    assert '<td class="money" data-testid="total">5630.00</td>' in monthly
    summary = client.get(f"{BASE}/m/fees/reports/summary?term_id={scenario.term_id}"
                         ).get_data(as_text=True)
    assert '<dd data-testid="credit">100.00</dd>' in summary
    exported = client.get(f"{BASE}/m/fees/reports/arrears.xlsx?term_id={scenario.term_id}"
                          f"&class_id={scenario.class_a}&min=1000")
    (rows,) = sheets_of(exported).values()
    assert [row[1] for row in rows[1:]] == ["1班-2"]
    assert client.get(f"{BASE}/m/fees/reports/daily.xlsx?day=2026-09-12").status_code == 200
    assert client.get(f"{BASE}/m/fees/reports/nothing.xlsx").status_code == 404
    assert client.get(f"{BASE}/m/fees/reports/collection?term_id={uuid.uuid4()}"
                      ).status_code == 404


def test_a_class_teacher_sees_the_class_they_head_and_nothing_of_another(client, school,
                                                                         scenario, teacher):
    api = "/api/v1/fees"
    mine = client.get(f"{api}/class/collection?term_id={scenario.term_id}",
                      headers=teacher.headers).get_json()
    assert [c["class_id"] for c in mine["classes"]] == [scenario.class_a]
    assert mine["total"]["outstanding_fen"] == 198000
    arrears = client.get(f"{api}/class/{scenario.class_a}/arrears?term_id={scenario.term_id}",
                         headers=teacher.headers)
    assert [s["student_no"] for s in arrears.get_json()["students"]] == ["1班-1", "1班-2"]
    assert client.get(f"{api}/class/{scenario.class_b}/arrears",
                      headers=teacher.headers).status_code == 404
    for report in ("collection", "arrears", "summary", "takings/daily", "collection.xlsx"):
        assert client.get(f"{api}/reports/{report}", headers=teacher.headers
                          ).status_code == 403, report
    signed_in(client, teacher)
    page = client.get(f"{BASE}/m/fees/class?term_id={scenario.term_id}").get_data(as_text=True)
    assert f'data-class="{scenario.class_a}"' in page
    assert scenario.class_b not in page and "一年级2班" not in page
    detail = client.get(f"{BASE}/m/fees/class/{scenario.class_a}?term_id={scenario.term_id}"
                        ).get_data(as_text=True)
    assert detail.count('data-testid="owed"') == 2 and "13800000002" in detail
    assert client.get(f"{BASE}/m/fees/class/{scenario.class_b}").status_code == 404
    assert client.get(f"{BASE}/m/fees/reports/arrears").status_code == 403


def test_another_school_sees_none_of_it(client, school, scenario, make_school, make_user):
    other = make_school("other-fees", modules=("fees",))
    outsider = make_user(other, "school_admin")
    api = "/api/v1/fees/reports"
    assert client.get(f"{api}/collection?term_id={scenario.term_id}",
                      headers=outsider.headers).status_code == 404
    assert client.get(f"{api}/collection", headers=outsider.headers).status_code == 404
    daily = client.get(f"{api}/takings/daily?day=2026-09-10", headers=outsider.headers)
    assert daily.get_json()["receipts"] == [] and daily.get_json()["total_fen"] == 0
    assert client.get(f"{api}/collection?term_id={scenario.term_id}",
                      headers={**outsider.headers, "X-Tenant": "fees-school"}
                      ).status_code in (403, 404)


def test_the_home_widget_shows_the_term_and_today(client, school, term_id, clerk):
    from .support import classroom

    _, (pupil, other) = classroom(school, "1班", students=2)
    owing = issued_bill(school, term_id, pupil, 30000)
    issued_bill(school, term_id, other, 10000)
    with tenant_context(school):
        day = today()
    pay(school, owing, 10000, "cash", day)
    signed_in(client, clerk)
    home = client.get(f"{BASE}/").get_data(as_text=True)
    assert 'data-testid="fees-widget" data-kind="office"' in home
    assert '<dd data-testid="fees-rate">25.00%</dd>' in home
    assert '<dd data-testid="fees-outstanding">300.00' in home
    assert '<dd data-testid="fees-today">100.00' in home


def test_the_school_file_holds_every_fee_record(school, scenario):
    import io

    from tenants.schoolfile import export_school, file_rows, module_tables

    written = io.BytesIO()
    with tenant_context(school):
        export_school(written)
        assert {"fees_items", "fees_notices", "fees_bills", "fees_bill_lines", "fees_ledger",
                "fees_payments", "fees_receipts", "fees_receipt_counters", "fees_refunds",
                "fees_settlements", "fees_absences"} <= set(module_tables("fees", school))

    def rows(name):
        return file_rows(written, "fees", name)

    assert len(rows("fees_bills")) == 8 and len(rows("fees_receipts")) == 7
    voided = [p for p in rows("fees_payments") if p["voided_at"] is not None]
    assert [(p["id"], p["void_reason"]) for p in voided] == [
        (scenario.payments["a2"], "entered twice")]
    assert "tenant_id" not in rows("fees_ledger")[0]
    # Owed on this term's bills, less b0's and a2's credit (a2's next bill is paid).
    assert sum(e["amount_fen"] for e in rows("fees_ledger")) == 193000 - 10000 - 2000
    assert rows("fees_receipt_counters")
