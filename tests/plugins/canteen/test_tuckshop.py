"""The tuck shop: switched off by default, products and batches with expiry dates, sales from
unexpired stock first-expiry-first-out, removals of expired goods, the day's takings in fen."""

import io
import json
import uuid
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook
from sqlalchemy import create_engine, pool, select, text, update
from sqlalchemy.exc import ProgrammingError

from core.extensions import db
from core.schools import modules as module_service
from core.tenancy import tenant_context
from core.testing import signed_in
from plugins.canteen.models import TuckBatch, TuckRemoval, TuckSale
from plugins.canteen.services import tuckshop as shop

pytestmark = pytest.mark.houqin_plugins("canteen")
API = "/api/v1/canteen/tuck-shop"


def today():
    return datetime.now(ZoneInfo("Asia/Shanghai")).date()


def switch(school, on: bool, **settings) -> None:
    with tenant_context(school):
        module_service.update_settings("canteen", {"tuck_shop": on, **settings})
        db.session.commit()


@pytest.fixture
def shop_open(school):
    switch(school, True)
    return school


def product(client, user, name="可乐", price_fen=350, **extra):
    body = {"name": name, "unit": "瓶", "price_fen": price_fen, **extra}
    return client.post(f"{API}/products", json=body, headers=user.headers)


def receive(client, user, product_id, quantity=10, expires_in=30, cost_fen=200, **extra):
    body = {"quantity": quantity, "cost_fen": cost_fen, "received_by": "王老师",
            "expires_on": (today() + timedelta(days=expires_in)).isoformat(), **extra}
    if body["expires_on"] is None:
        del body["expires_on"]
    return client.post(f"{API}/products/{product_id}/batches", json=body, headers=user.headers)


def sell(client, user, product_id, quantity, **headers):
    return client.post(f"{API}/sales", json={"product_id": product_id, "quantity": quantity},
                       headers={**user.headers, **headers})


def age(school, batch_id, expired_days_ago: int = 1) -> None:
    """Time passes: the batch's last day of sale is behind us."""
    with tenant_context(school):
        db.session.execute(update(TuckBatch).where(TuckBatch.id == uuid.UUID(batch_id)).values(
            expires_on=today() - timedelta(days=expired_days_ago)))
        db.session.commit()


def on_hand(school) -> dict[str, int]:
    with tenant_context(school):
        db.session.expire_all()
        return {str(b.id): b.on_hand for b in db.session.scalars(select(TuckBatch))}


# --- switched off --------------------------------------------------------------------------


def test_a_school_without_the_tuck_shop_sees_nothing_of_it(app, client, school, manager):
    assert client.get(f"{API}/products", headers=manager.headers).status_code == 404
    refused = product(client, manager, price_fen=-1)  # 404 before the body is even read
    assert refused.status_code == 404
    browser = app.test_client()
    token = signed_in(browser, manager)
    for path in ("tuck-shop", "tuck-shop/sell", "tuck-shop/expired"):
        assert browser.get(f"/t/canteen-school/m/canteen/{path}").status_code == 404
    assert browser.post("/t/canteen-school/m/canteen/tuck-shop/sell",
                        data={"csrf_token": token, "quantity": "1"}).status_code == 404
    assert "tuck-shop" not in browser.get("/t/canteen-school/").get_data(as_text=True)
    export = client.get("/api/v1/canteen/exports/tuck_shop_sales.xlsx?start=2026-11-01"
                        "&end=2026-11-30", headers=manager.headers)
    assert export.status_code == 404

    switch(school, True)
    assert "tuck-shop" in browser.get("/t/canteen-school/").get_data(as_text=True)
    product_id = product(client, manager).get_json()["id"]
    batch_id = receive(client, manager, product_id).get_json()["id"]
    assert sell(client, manager, product_id, 2).status_code == 201
    age(school, batch_id)
    with tenant_context(school):
        assert [b.id for b, _p in shop.expired_batches(today())] != []
        assert len(sales_in_school_file()) == 1

    switch(school, False)  # the data stays, the shop is gone again
    assert client.get(f"{API}/products/{product_id}", headers=manager.headers).status_code == 404
    with tenant_context(school):
        assert shop.expired_batches(today()) == []  # no reminders for a closed shop
        # The shop's records move with the school even while it is closed.
        assert [sale["quantity"] for sale in sales_in_school_file()] == [2]
        assert db.session.scalar(select(TuckSale.quantity)) == 2


def sales_in_school_file() -> list[dict]:
    from tenants.schoolfile import export_school, file_rows

    written = io.BytesIO()
    export_school(written)
    return file_rows(written, "canteen", "canteen_tuck_sales")


def test_a_school_admin_switches_the_shop_on_in_the_canteen_settings(client, school,
                                                                     make_user):
    admin = make_user(school, "school_admin")
    switched = client.put("/api/v1/modules/canteen", headers=admin.headers, json={
        "enabled": True, "settings": {"tuck_shop": True, "tuck_shop_warn_days": 3}})
    assert switched.status_code == 200
    assert client.get(f"{API}/products", headers=admin.headers).status_code == 200
    absurd = client.put("/api/v1/modules/canteen", headers=admin.headers, json={
        "enabled": True, "settings": {"tuck_shop": True, "tuck_shop_warn_days": -2}})
    assert absurd.status_code == 422 and "tuck_shop_warn_days" in absurd.get_data(as_text=True)


# --- products and batches ------------------------------------------------------------------


def test_products_are_kept_and_bad_ones_refused_by_field(client, shop_open, manager):
    created = product(client, manager, barcode="6901234567890", shelf_life_days=180)
    assert created.status_code == 201
    assert created.get_json() | {"id": None} == {
        "id": None, "name": "可乐", "barcode": "6901234567890", "unit": "瓶", "price_fen": 350,
        "shelf_life_days": 180, "active": True, "on_hand": 0, "expired_on_hand": 0,
        "next_expiry": None}
    for bad, field in (({"price_fen": -350}, "price_fen"), ({"price_fen": 3.5}, "price_fen"),
                       ({"price_fen": 10_000_000}, "price_fen"), ({"unit": ""}, "unit"),
                       ({"barcode": "12"}, "barcode"), ({"shelf_life_days": 0}, "shelf_life_days"),
                       ({"name": "可乐"}, "name"), ({"barcode": "6901234567890"}, "barcode")):
        refused = product(client, manager, **{"name": "雪碧", **bad})
        assert refused.status_code == 422 and field in refused.get_json()["errors"], bad
    found = client.get(f"{API}/products?barcode=6901234567890", headers=manager.headers)
    assert [p["name"] for p in found.get_json()] == ["可乐"]


def test_a_batch_needs_an_expiry_in_the_future_or_a_shelf_life(client, shop_open, manager):
    plain = product(client, manager).get_json()["id"]
    milk = product(client, manager, name="牛奶", shelf_life_days=7).get_json()["id"]
    made = today() - timedelta(days=2)
    worked_out = receive(client, manager, milk, expires_on=None, produced_on=made.isoformat())
    assert worked_out.status_code == 201
    assert worked_out.get_json()["expires_on"] == (made + timedelta(days=6)).isoformat()
    for body, field in (({"expires_on": None}, "expires_on"),
                        ({"expires_in": -1}, "expires_on"),  # expired already
                        ({"expires_in": 5000}, "expires_on"),
                        ({"produced_on": (today() + timedelta(days=1)).isoformat()},
                         "produced_on"),
                        ({"quantity": 0}, "quantity"), ({"quantity": -5}, "quantity"),
                        ({"cost_fen": -1}, "cost_fen"), ({"received_by": ""}, "received_by")):
        refused = receive(client, manager, plain, **body)
        assert refused.status_code == 422 and field in refused.get_json()["errors"], body
    assert len(on_hand(shop_open)) == 1


# --- selling -------------------------------------------------------------------------------


def test_a_sale_takes_the_first_to_expire_and_never_more_than_is_on_hand(client, shop_open,
                                                                         manager):
    cola = product(client, manager).get_json()["id"]
    later = receive(client, manager, cola, quantity=5, expires_in=60).get_json()["id"]
    sooner = receive(client, manager, cola, quantity=3, expires_in=10).get_json()["id"]
    sold = sell(client, manager, cola, 4)
    assert sold.status_code == 201
    assert (sold.get_json()["unit_price_fen"], sold.get_json()["total_fen"]) == (350, 1400)
    assert on_hand(shop_open) == {sooner: 0, later: 4}
    too_many = sell(client, manager, cola, 5)
    assert too_many.status_code == 422 and "4" in too_many.get_json()["errors"]["quantity"][0]
    assert on_hand(shop_open) == {sooner: 0, later: 4}
    for bad in (0, -1, 1001):
        assert "quantity" in sell(client, manager, cola, bad).get_json()["errors"]
    client.patch(f"{API}/products/{cola}", json={"price_fen": 400}, headers=manager.headers)
    assert sell(client, manager, cola, 1).get_json()["total_fen"] == 400
    sales = client.get(f"{API}/sales", headers=manager.headers).get_json()
    assert [s["unit_price_fen"] for s in sales] == [350, 400]  # each at its own time's price


def test_expired_goods_are_never_sold_and_are_listed_for_removal(client, shop_open, manager):
    cola = product(client, manager).get_json()["id"]
    old = receive(client, manager, cola, quantity=6, expires_in=0).get_json()["id"]
    fresh = receive(client, manager, cola, quantity=2, expires_in=20).get_json()["id"]
    assert sell(client, manager, cola, 1).status_code == 201  # its last day: still sold
    age(shop_open, old)
    assert on_hand(shop_open) == {old: 5, fresh: 2}
    mixed = sell(client, manager, cola, 3)  # five expired ones do not make up the difference
    assert mixed.status_code == 422 and "quantity" in mixed.get_json()["errors"]
    assert sell(client, manager, cola, 2).status_code == 201
    assert on_hand(shop_open) == {old: 5, fresh: 0}
    only_expired = sell(client, manager, cola, 1)
    assert only_expired.status_code == 422
    assert "expired" in only_expired.get_json()["errors"]["product_id"][0]
    listed = client.get(f"{API}/batches/expired", headers=manager.headers).get_json()
    assert [(b["id"], b["product"], b["on_hand"]) for b in listed] == [(old, "可乐", 5)]

    too_many = client.post(f"{API}/batches/{old}/removals", headers=manager.headers,
                           json={"quantity": 6, "reason": "过期"})
    assert too_many.status_code == 422 and "quantity" in too_many.get_json()["errors"]
    no_reason = client.post(f"{API}/batches/{old}/removals", headers=manager.headers, json={})
    assert no_reason.status_code == 422 and "reason" in no_reason.get_json()["errors"]
    removed = client.post(f"{API}/batches/{old}/removals", headers=manager.headers,
                          json={"reason": "过期", "removed_by": "李老师"})
    assert removed.status_code == 201 and removed.get_json()["quantity"] == 5
    assert client.get(f"{API}/batches/expired", headers=manager.headers).get_json() == []
    again = client.post(f"{API}/batches/{old}/removals", headers=manager.headers,
                        json={"reason": "过期"})
    assert again.status_code == 409
    kept = client.get(f"{API}/removals?start={today()}&end={today()}", headers=manager.headers)
    assert [(r["product"], r["quantity"], r["reason"], r["removed_by"])
            for r in kept.get_json()] == [("可乐", 5, "过期", "李老师")]
    # a page at a time, as every record list: any period may be asked for
    assert json.loads(kept.headers["X-Pagination"])["total"] == 1
    past = client.get(f"{API}/removals?start={today()}&end={today()}&page=2",
                      headers=manager.headers)
    assert past.status_code == 200 and past.get_json() == []


def test_expiring_batches_are_those_whose_last_day_falls_within_the_days(app, client,
                                                                         shop_open, manager):
    cola = product(client, manager).get_json()["id"]
    ids = {days: receive(client, manager, cola, expires_in=days).get_json()["id"]
           for days in (0, 3, 4, 30)}
    age(shop_open, receive(client, manager, cola).get_json()["id"])
    with tenant_context(shop_open):
        soon = shop.expiring_batches(today(), 3)
        assert sorted(str(b.id) for b, _p in soon) == sorted([ids[0], ids[3]])
        assert len(shop.expired_batches(today())) == 1
    default = client.get(f"{API}/batches/expiring", headers=manager.headers).get_json()
    assert {b["id"] for b in default} == {ids[0], ids[3], ids[4]}  # the school's 7 days


def test_a_retried_sale_with_its_idempotency_key_sells_once(client, shop_open, manager):
    cola = product(client, manager).get_json()["id"]
    batch = receive(client, manager, cola, quantity=5).get_json()["id"]
    first = sell(client, manager, cola, 2, **{"Idempotency-Key": "till-1-0001"})
    retry = sell(client, manager, cola, 2, **{"Idempotency-Key": "till-1-0001"})
    assert first.status_code == retry.status_code == 201
    assert first.get_json()["id"] == retry.get_json()["id"]
    assert on_hand(shop_open) == {batch: 3}
    other = sell(client, manager, cola, 1, **{"Idempotency-Key": "till-1-0001"})
    assert other.status_code == 409 and "Idempotency-Key" in other.get_json()["errors"]
    assert on_hand(shop_open) == {batch: 3}


def test_the_takings_cost_each_batch_drawn_and_leave_out_a_product_sold_only_in_error(
        client, shop_open, manager):
    cola = product(client, manager).get_json()["id"]
    chips = product(client, manager, name="薯片", price_fen=550).get_json()["id"]
    receive(client, manager, cola, quantity=2, expires_in=5, cost_fen=200)
    receive(client, manager, cola, quantity=10, expires_in=30, cost_fen=260)
    receive(client, manager, chips, quantity=4, cost_fen=300)
    assert sell(client, manager, cola, 3).status_code == 201  # 2 of the first batch, 1 of the next
    mistake = sell(client, manager, chips, 1).get_json()["id"]
    assert client.post(f"{API}/sales/{mistake}/void", headers=manager.headers,
                       json={"reason": "按错商品"}).status_code == 200
    takings = client.get(f"{API}/takings", headers=manager.headers).get_json()
    assert (takings["sales"], takings["voided"], takings["items"], takings["takings_fen"],
            takings["cost_fen"]) == (1, 1, 3, 3 * 350, 2 * 200 + 260)
    assert [(p["product"], p["quantity"], p["cost_fen"]) for p in takings["products"]] == [
        ("可乐", 3, 660)]


def test_a_sale_is_voided_on_its_day_and_the_takings_add_up_in_fen(client, shop_open, manager,
                                                                   school):
    cola = product(client, manager).get_json()["id"]
    chips = product(client, manager, name="薯片", price_fen=550, barcode="6920000000001"
                    ).get_json()["id"]
    cola_batch = receive(client, manager, cola, quantity=10, cost_fen=210).get_json()["id"]
    receive(client, manager, chips, quantity=4, cost_fen=300)
    sell(client, manager, cola, 3)
    by_barcode = client.post(f"{API}/sales", headers=manager.headers,
                             json={"barcode": "6920000000001", "quantity": 2})
    assert by_barcode.status_code == 201 and by_barcode.get_json()["product"] == "薯片"
    mistake = sell(client, manager, cola, 4).get_json()["id"]
    no_reason = client.post(f"{API}/sales/{mistake}/void", headers=manager.headers, json={})
    assert no_reason.status_code == 422 and "reason" in no_reason.get_json()["errors"]
    voided = client.post(f"{API}/sales/{mistake}/void", headers=manager.headers,
                         json={"reason": "按错数量"})
    assert voided.status_code == 200 and voided.get_json()["void_reason"] == "按错数量"
    assert on_hand(school)[cola_batch] == 7
    assert client.post(f"{API}/sales/{mistake}/void", headers=manager.headers,
                       json={"reason": "again"}).status_code == 409
    takings = client.get(f"{API}/takings", headers=manager.headers).get_json()
    assert (takings["sales"], takings["voided"], takings["items"], takings["takings_fen"],
            takings["cost_fen"]) == (2, 1, 5, 3 * 350 + 2 * 550, 3 * 210 + 2 * 300)
    assert [(p["product"], p["quantity"], p["takings_fen"]) for p in takings["products"]] == [
        ("可乐", 3, 1050), ("薯片", 2, 1100)]
    with tenant_context(school):  # a sale of an earlier day is closed
        db.session.execute(update(TuckSale).values(day=today() - timedelta(days=1)))
        db.session.commit()
    yesterday = client.get(f"{API}/sales?day={today() - timedelta(days=1)}",
                           headers=manager.headers).get_json()
    closed = next(s["id"] for s in yesterday if s["voided_at"] is None)
    late = client.post(f"{API}/sales/{closed}/void", headers=manager.headers,
                       json={"reason": "too late"})
    assert late.status_code == 409


def test_a_retired_product_is_not_sold_and_a_nurse_only_reads(client, shop_open, manager,
                                                              make_user):
    cola = product(client, manager).get_json()["id"]
    receive(client, manager, cola)
    client.patch(f"{API}/products/{cola}", json={"active": False}, headers=manager.headers)
    retired = sell(client, manager, cola, 1)
    assert retired.status_code == 422 and "product_id" in retired.get_json()["errors"]
    nurse = make_user(shop_open, "nurse")
    assert client.get(f"{API}/products", headers=nurse.headers).status_code == 200
    assert sell(client, nurse, cola, 1).status_code == 403


# --- exports -------------------------------------------------------------------------------


def test_the_sales_and_products_registers_export_the_period(client, shop_open, manager):
    cola = product(client, manager).get_json()["id"]
    receive(client, manager, cola, quantity=8, cost_fen=200)
    sell(client, manager, cola, 2)
    period = f"start={today().replace(day=1)}&end={today()}"
    sales = client.get(f"/api/v1/canteen/exports/tuck_shop_sales.xlsx?{period}",
                       headers=manager.headers)
    rows = list(load_workbook(io.BytesIO(sales.data)).active.values)
    assert rows[0][:6] == ("Day", "Sold at", "Product", "Quantity", "Price (fen)", "Total (fen)")
    assert [r[2:6] for r in rows[1:]] == [("可乐", 2, 350, 700)]
    received = client.get(f"/api/v1/canteen/exports/tuck_shop_products.xlsx?{period}",
                          headers=manager.headers)
    rows = list(load_workbook(io.BytesIO(received.data)).active.values)
    assert [(r[1], r[5], r[6], r[9]) for r in rows[1:]] == [("可乐", 8, 200, 6)]


# --- pages ---------------------------------------------------------------------------------


def test_the_pages_keep_stock_sell_once_per_tap_and_remove_expired_goods(app, client,
                                                                         shop_open, manager):
    browser = app.test_client()
    token = signed_in(browser, manager)
    base = "/t/canteen-school/m/canteen/tuck-shop"
    bad_price = browser.post(f"{base}/products", data={
        "csrf_token": token, "name": "可乐", "unit": "瓶", "price": "3.505"})
    assert bad_price.status_code == 422 and 'data-testid="error-price"' in bad_price.get_data(
        as_text=True)
    for typed in ("Infinity", "abc", "-3.50", "1e9"):
        refused = browser.post(f"{base}/products", data={
            "csrf_token": token, "name": "可乐", "unit": "瓶", "price": typed})
        assert refused.status_code == 422, typed
        assert 'data-testid="error-price"' in refused.get_data(as_text=True), typed
    assert browser.post(f"{base}/products", data={
        "csrf_token": token, "name": "可乐", "unit": "瓶", "price": "3.50",
        "barcode": ""}).status_code == 302
    cola = client.get(f"{API}/products", headers=manager.headers).get_json()[0]
    assert cola["price_fen"] == 350 and cola["barcode"] is None
    expired = browser.post(f"{base}/batches", data={
        "csrf_token": token, "product_id": cola["id"], "quantity": "5", "cost": "2",
        "expires_on": (today() - timedelta(days=1)).isoformat()})
    assert expired.status_code == 422 and 'data-testid="error-expires_on"' in expired.get_data(
        as_text=True)
    assert browser.post(f"{base}/batches", data={
        "csrf_token": token, "product_id": cola["id"], "quantity": "5", "cost": "2.10",
        "expires_on": today().isoformat()}).status_code == 302
    stock = browser.get(base).get_data(as_text=True)
    assert "可乐" in stock and "3.50" in stock and "tuck_shop_sales" in stock

    till = browser.get(f"{base}/sell").get_data(as_text=True)
    assert 'name="request_key"' in till
    tap = {"csrf_token": token, "product_id": cola["id"], "quantity": "2",
           "request_key": "tap-1"}
    first = browser.post(f"{base}/sell", data=tap)
    assert first.status_code == 302 and browser.post(f"{base}/sell", data=tap).status_code == 302
    shown = browser.get(first.headers["Location"]).get_data(as_text=True)
    assert 'data-testid="sold"' in shown and "7.00" in shown
    too_many = browser.post(f"{base}/sell", data={**tap, "quantity": "9", "request_key": "t2"})
    assert too_many.status_code == 422 and 'data-testid="error-quantity"' in too_many.get_data(
        as_text=True)

    batch = client.get(f"{API}/products/{cola['id']}/batches", headers=manager.headers
                       ).get_json()[0]
    assert batch["on_hand"] == 3  # the double tap sold once
    age(shop_open, batch["id"])
    listed = browser.get(f"{base}/expired").get_data(as_text=True)
    assert "可乐" in listed.split('data-testid="expired"')[1].split("</ul>")[0]
    assert browser.post(f"{base}/batches/{batch['id']}/remove", data={
        "csrf_token": token, "reason": "过期"}).status_code == 302
    with tenant_context(shop_open):
        assert [(r.quantity, r.reason) for r in db.session.scalars(select(TuckRemoval))] == [
            (3, "过期")]
    page = browser.get(f"{base}/expired").get_data(as_text=True)
    expired_list = page.split('data-testid="expired"')[1].split("</ul>")[0]
    removed_table = page.split('data-testid="removed"')[1]
    assert "可乐" not in expired_list and "可乐" in removed_table and "过期" in removed_table


def test_a_sale_is_voided_from_the_till_page(app, client, shop_open, manager):
    cola = product(client, manager).get_json()["id"]
    batch = receive(client, manager, cola, quantity=3).get_json()["id"]
    sale = sell(client, manager, cola, 2).get_json()["id"]
    browser = app.test_client()
    token = signed_in(browser, manager)
    base = "/t/canteen-school/m/canteen/tuck-shop"
    no_reason = browser.post(f"{base}/sales/{sale}/void", data={"csrf_token": token})
    assert no_reason.status_code == 422 and 'data-testid="error-void"' in no_reason.get_data(
        as_text=True)
    assert browser.post(f"{base}/sales/{sale}/void", data={
        "csrf_token": token, "reason": "顾客退货"}).status_code == 302
    assert on_hand(shop_open) == {batch: 3}
    assert "顾客退货" in browser.get(f"{base}/sell").get_data(as_text=True)


@pytest.mark.postgres
@pytest.mark.parametrize("table", ["canteen_tuck_removals", "canteen_tuck_sale_draws"])
def test_removals_and_sale_draws_are_append_only_for_the_app(app_factory, houqin_postgres,
                                                             table):
    app_factory(plugins=["canteen"], database=houqin_postgres)
    engine = create_engine(houqin_postgres.app_url, poolclass=pool.NullPool)
    try:
        for statement in (f"UPDATE {table} SET quantity = 0", f"DELETE FROM {table}"):
            with pytest.raises(ProgrammingError, match="permission denied"), \
                    engine.begin() as connection:
                connection.execute(text(statement))
    finally:
        engine.dispose()


def test_another_schools_product_cannot_be_sold_or_stocked(client, shop_open, manager,
                                                          make_school, make_user):
    cola = product(client, manager).get_json()["id"]
    batch = receive(client, manager, cola, quantity=4).get_json()["id"]
    other = make_school("tuck-other", modules=("canteen",))
    switch(other, True)
    intruder = make_user(other, "canteen_manager")
    stolen = sell(client, intruder, cola, 1)
    assert stolen.status_code == 422 and "product_id" in stolen.get_json()["errors"]
    assert receive(client, intruder, cola).status_code == 404
    assert client.get(f"{API}/batches/expiring", headers=intruder.headers).get_json() == []
    assert on_hand(shop_open) == {batch: 4}


@pytest.mark.parametrize(("schema", "field"), [
    ("TuckProductSchema", "price_fen"), ("TuckProductSchema", "shelf_life_days"),
    ("TuckBatchSchema", "quantity"), ("TuckBatchSchema", "cost_fen"),
    ("TuckSaleSchema", "quantity"), ("TuckRemovalSchema", "quantity"),
    ("TuckExpiringQuerySchema", "within_days"),
])
def test_a_fraction_of_a_fen_or_a_bottle_is_refused_not_cut(app, schema, field):
    from marshmallow import ValidationError

    from plugins.canteen.schemas import tuckshop as schemas

    with pytest.raises(ValidationError) as refused:
        getattr(schemas, schema)().load({field: 2.5})
    assert field in refused.value.normalized_messages()
