"""Export-only registers: the canteen's records of a period and the fee reports get their
.xlsx where every module's register does, a dated one asked for its days with from/to."""

import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from core.audit import AuditEvent
from core.extensions import db
from core.tenancy import tenant_context
from core.testing import signed_in

pytestmark = pytest.mark.houqin_plugins("canteen", "fees")


@pytest.fixture
def school(make_school):
    return make_school("periods", modules=("canteen", "fees"))


def test_a_dated_register_is_exported_for_the_days_asked(client, school, make_user):
    signed_in(client, make_user(school, "canteen_manager"))
    base = "/t/periods/m/canteen/registers"
    done = client.get(f"{base}/deliveries.xlsx?from=2026-09-01&to=2026-09-30")
    assert done.status_code == 200
    headers = [c.value for c in load_workbook(io.BytesIO(done.data)).active[1]]
    assert headers and all(isinstance(h, str) for h in headers)
    with tenant_context(school):
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "export"))
        assert (event.entity, event.after) == ("canteen.deliveries",
                                               {"from": "2026-09-01", "to": "2026-09-30"})
    # an export-only register has no import
    assert client.get(f"{base}/deliveries/import").status_code == 404


@pytest.mark.parametrize(("query", "field"), [
    ("to=2026-09-30", "from"),
    ("from=2026-09-01", "to"),
    ("from=2026-13-01&to=2026-09-30", "from"),
    ("from=2026-09-30&to=2026-09-01", "to"),
])
def test_a_missing_or_bad_day_is_a_400_naming_it(client, school, make_user, query, field):
    signed_in(client, make_user(school, "canteen_manager"))
    refused = client.get(f"/t/periods/m/canteen/registers/deliveries.xlsx?{query}",
                         headers={"Accept": "application/json"})
    assert refused.status_code == 400
    assert field in (refused.get_json() or {}).get("errors", {}), refused.get_data(as_text=True)


def test_a_register_bounds_its_period(client, school, make_user):
    signed_in(client, make_user(school, "finance_clerk"))
    month = client.get("/t/periods/m/fees/registers/receipts.xlsx?from=2026-09-01&to=2026-09-30")
    assert month.status_code == 200
    year = client.get("/t/periods/m/fees/registers/receipts.xlsx?from=2026-01-01&to=2026-12-31",
                      headers={"Accept": "application/json"})
    assert year.status_code == 400 and "to" in year.get_json()["errors"]
    collection = client.get("/t/periods/m/fees/registers/collection.xlsx")
    assert collection.status_code == 200  # the current term's (none yet: the headers alone)
    assert load_workbook(io.BytesIO(collection.data)).active.max_row == 1


def test_the_reports_are_for_whoever_reads_the_module(client, school, make_user):
    signed_in(client, make_user(school, "nurse"))  # reads the canteen, not the fees
    assert client.get("/t/periods/m/canteen/registers/samples.xlsx"
                      "?from=2026-09-01&to=2026-09-02").status_code == 200
    assert client.get("/t/periods/m/fees/registers/collection.xlsx").status_code == 403


def test_a_list_page_links_its_period_export(client, school, make_user):
    signed_in(client, make_user(school, "canteen_manager"))
    page = client.get("/t/periods/m/canteen/deliveries?month=2026-09").get_data(as_text=True)
    assert ('/m/canteen/registers/deliveries.xlsx?from=2026-09-01&amp;to=2026-09-30"'
            in page), page
