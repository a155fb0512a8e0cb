"""Food stock pages (on hand, issue on a phone, count sheet and result, movements, food cost),
the stock registers' exports, and the ledger's append-only guard on PostgreSQL."""

import io
import re

import pytest
from openpyxl import load_workbook
from sqlalchemy import create_engine, pool, text
from sqlalchemy.exc import ProgrammingError

from core.testing import signed_in

from .stock_support import days, issue, ledger, on_hand, stock_in

pytestmark = pytest.mark.houqin_plugins("canteen")
PAGES = "/t/canteen-school/m/canteen"


def test_the_stock_page_lists_lots_warnings_and_takes_an_opening_balance(client, manager,
                                                                        school):
    stock_in(client, manager, batch="GONE", quantity="2", received=-10, expires=-1)
    stock_in(client, manager, batch="SOON", expires=1)
    token = signed_in(client, manager)
    page = client.get(f"{PAGES}/stock").get_data(as_text=True)
    expired = page.split('data-testid="expired"')[1].split("</ul>")[0]
    expiring = page.split('data-testid="expiring"')[1].split("</ul>")[0]
    assert "GONE" in expired and "SOON" not in expired and "SOON" in expiring
    form = {"csrf_token": token, "food": "面粉", "unit": "袋", "quantity": "4",
            "unit_price_yuan": "65", "batch": "F1", "expiry_date": days(90)}
    bad = client.post(f"{PAGES}/stock", data={**form, "unit_price_yuan": "-1"})
    assert bad.status_code == 422 and 'data-testid="error-unit_price_yuan"' in bad.get_data(
        as_text=True)
    assert client.post(f"{PAGES}/stock", data=form).status_code == 302
    assert on_hand(client, manager)["F1"] == "4.000"
    page = client.get(f"{PAGES}/stock").get_data(as_text=True)
    assert "65.00" in page and "260.00" in page  # unit price and value in yuan
    gone_id = re.search(r'/stock/lots/([0-9a-f-]+)/discard', page).group(1)
    assert client.post(f"{PAGES}/stock/lots/{gone_id}/discard",
                       data={"csrf_token": token, "reason": ""}).status_code == 422
    assert client.post(f"{PAGES}/stock/lots/{gone_id}/discard",
                       data={"csrf_token": token, "reason": "过期"}).status_code == 302
    assert "GONE" not in on_hand(client, manager)


def test_food_is_issued_from_the_phone_form(client, manager, school):
    stock_in(client, manager, batch="OLD", quantity="3", received=-10, expires=-1)
    stock_in(client, manager, batch="NEW", quantity="6", price="400")
    token = signed_in(client, manager)
    form_page = client.get(f"{PAGES}/stock/issue").get_data(as_text=True)
    assert 'value="大米|kg"' in form_page and 'name="viewport"' in form_page
    too_much = client.post(f"{PAGES}/stock/issue", data={
        "csrf_token": token, "day": days(0), "slot": "lunch", "food": "大米|kg",
        "quantity": "7"})
    assert too_much.status_code == 422
    assert "只有 6 kg" in too_much.get_data(as_text=True)  # pages speak zh-CN by default
    issued = client.post(f"{PAGES}/stock/issue", data={
        "csrf_token": token, "day": days(0), "slot": "lunch", "food": "大米|kg",
        "quantity": "2.5"})
    text = issued.get_data(as_text=True)
    assert issued.status_code == 200 and 'data-testid="warning"' in text and "OLD" in text
    listed = text.split('data-testid="issues"')[1]
    assert "2.5 kg" in listed and "10.00" in listed
    issue_id = re.search(r"/stock/issues/([0-9a-f-]+)/cancel", listed).group(1)
    assert client.post(f"{PAGES}/stock/issues/{issue_id}/cancel",
                       data={"csrf_token": token, "reason": "多领了", "day": days(0)}
                       ).status_code == 302
    assert on_hand(client, manager)["NEW"] == "6.000"


def test_a_count_is_entered_on_the_sheet_and_its_result_shown(client, manager, school):
    rice = stock_in(client, manager, batch="R", quantity="10", price="350").get_json()["id"]
    oil = stock_in(client, manager, food="油", unit="L", batch="O", quantity="5").get_json()["id"]
    token = signed_in(client, manager)
    sheet = client.get(f"{PAGES}/stock/count").get_data(as_text=True)
    assert f'name="counted-{rice}"' in sheet and "10 kg" in sheet
    blind = client.get(f"{PAGES}/stock/count?blind=1").get_data(as_text=True)
    assert f'name="counted-{rice}"' in blind and "10 kg" not in blind
    bad = client.post(f"{PAGES}/stock/count", data={
        "csrf_token": token, f"counted-{rice}": "-3", f"book-{rice}": "10.000"})
    assert bad.status_code == 422 and f'data-testid="error-counted-{rice}"' in bad.get_data(
        as_text=True)
    empty = client.post(f"{PAGES}/stock/count", data={"csrf_token": token})
    assert empty.status_code == 422 and 'data-testid="error-lines"' in empty.get_data(
        as_text=True)
    issue(client, manager, "1")  # the rice moves after the sheet was opened
    stale = client.post(f"{PAGES}/stock/count", data={
        "csrf_token": token, "counted_by": "李四", f"counted-{rice}": "9.5",
        f"book-{rice}": "10.000"})
    assert stale.status_code == 409 and "重新清点" in stale.get_data(as_text=True)
    counted = client.post(f"{PAGES}/stock/count", data={
        "csrf_token": token, "counted_by": "李四", "day": days(0),
        f"counted-{rice}": "8.5", f"book-{rice}": "9.000", f"counted-{oil}": ""})
    assert counted.status_code == 302
    result = client.get(counted.headers["Location"]).get_data(as_text=True)
    assert "李四" in result and "-0.5" in result and "-1.75" in result  # 0.5 kg × 3.50 yuan
    assert "油" not in result.split('data-testid="count-lines"')[1]  # left empty: not counted
    assert ledger(school)[-1] == ("adjust", "-0.500", -175)
    assert "李四" in client.get(f"{PAGES}/stock/counts").get_data(as_text=True)


def test_movements_and_cost_pages_and_the_registers_export(client, manager, school):
    stock_in(client, manager, batch="R", quantity="10", price="350", received=-1)
    issue(client, manager, "2", day=-1, slot="lunch")
    signed_in(client, manager)
    start = days(-1)
    movements = client.get(f"{PAGES}/stock/movements?start={days(-1)}&end={days(0)}")
    rows = movements.get_data(as_text=True).split('data-testid="movements"')[1]
    assert rows.count('data-kind="in"') == 1 and rows.count('data-kind="out"') == 1
    cost_month = days(-1)[:7]
    cost = client.get(f"{PAGES}/stock/cost?month={cost_month}").get_data(as_text=True)
    assert 'data-testid="month-cost">7.00<' in cost and 'data-testid="per-eater">—<' in cost
    exported = client.get(f"/api/v1/canteen/exports/stock_movements.xlsx?start={days(-1)}"
                          f"&end={days(-1)}", headers=manager.headers)
    sheet = list(load_workbook(io.BytesIO(exported.data)).active.values)
    assert sheet[0][:3] == ("Day", "Movement", "Food")
    assert [(r[1], r[2], r[6], r[8]) for r in sheet[1:]] == [
        ("In", "大米", 10, 3500), ("Issued", "大米", -2, -700)]
    # on hand as of the end of the period: before today's issue, after yesterday's
    issue(client, manager, "3")
    held = client.get(f"/api/v1/canteen/exports/stock_on_hand.xlsx?start={start}"
                      f"&end={days(-1)}", headers=manager.headers)
    rows = list(load_workbook(io.BytesIO(held.data)).active.values)
    assert [(r[1], r[7], r[9]) for r in rows[1:]] == [("大米", 8, 2800)]
    now = client.get(f"/api/v1/canteen/exports/stock_on_hand.xlsx?start={start}"
                     f"&end={days(5)}", headers=manager.headers)
    assert [r[7] for r in list(load_workbook(io.BytesIO(now.data)).active.values)[1:]] == [5]


def test_another_school_sees_no_stock(app, client, manager, school, make_school, make_user):
    lot = stock_in(client, manager, batch="MINE").get_json()["id"]
    other = make_school("canteen-other", modules=("canteen",))
    intruder = make_user(other, "canteen_manager")
    assert client.get("/api/v1/canteen/stock/lots", headers=intruder.headers).get_json() == []
    assert client.get(f"/api/v1/canteen/stock/lots/{lot}",
                      headers=intruder.headers).status_code == 404
    refused = issue(client, intruder, "1")
    assert refused.status_code == 422 and "food" in refused.get_json()["errors"]
    browser = app.test_client()
    signed_in(browser, intruder)
    assert "MINE" not in browser.get("/t/canteen-other/m/canteen/stock").get_data(as_text=True)


@pytest.mark.postgres
def test_the_ledger_is_append_only_for_the_app_on_postgres(app_factory, houqin_postgres):
    app_factory(plugins=["canteen"], database=houqin_postgres)
    engine = create_engine(houqin_postgres.app_url, poolclass=pool.NullPool)
    try:
        for statement in ("UPDATE canteen_stock_movements SET reason = 'nothing'",
                          "DELETE FROM canteen_stock_movements"):
            with pytest.raises(ProgrammingError, match="permission denied"), \
                    engine.begin() as connection:
                connection.execute(text(statement))
    finally:
        engine.dispose()
