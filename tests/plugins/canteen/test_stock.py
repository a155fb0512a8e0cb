"""Food stock: lots in from deliveries (and by hand), issues first-expiry-first-out with costs in
fen, issues taken back, expiry warnings and discards, counts, and food cost per eater."""

import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from core.extensions import db
from core.rules import RuleBroken
from core.schools import modules
from core.tenancy import tenant_context
from plugins.canteen.models import StockLot
from plugins.canteen.services import stock, stock_cost, stock_out

from .stock_support import days, issue, ledger, on_hand, school_today, stock_in

pytestmark = pytest.mark.houqin_plugins("canteen")


def _row(**extra):
    today = school_today()
    return {"delivery_item_id": uuid.uuid4(), "food": "鸡蛋", "unit": "kg",
            "quantity": Decimal("12.5"), "unit_price_fen": 1180, "batch": "E1",
            "production_date": today - timedelta(days=1),
            "expiry_date": today + timedelta(days=20), **extra}


def _lots(school) -> int:
    with tenant_context(school):
        return db.session.scalar(select(func.count()).select_from(StockLot))


@pytest.mark.parametrize(("quantity", "price", "fen"), [
    ("2.5", "333", 833),  # 832.5 rounds half-up
    ("2.5", "332.98", 832),  # 832.45
    ("-1.5", "350.5", -526),  # an outgoing entry: the same amount, negative
    ("0.001", "0.49", 0),
    ("1000000", "10000000", 10_000_000_000_000),  # the largest lot at the highest price
])
def test_an_entry_costs_its_quantity_at_the_lot_price_rounded_half_up(quantity, price, fen):
    assert stock.cost_of(Decimal(quantity), Decimal(price)) == fen


def test_receive_stocks_each_accepted_item_as_a_lot(app, school):
    pork = _row(food="猪肉", quantity=Decimal(8), unit_price_fen=Decimal("2650.5"), batch="P1",
                production_date=None)
    with tenant_context(school):
        lots = stock.receive([_row(), pork])
        db.session.commit()
        assert [(lot.food, lot.received_on) for lot in lots] == [
            ("鸡蛋", school_today()), ("猪肉", school_today())]
        assert stock.balances([lot.id for lot in lots]) == {
            lots[0].id: Decimal("12.5"), lots[1].id: Decimal(8)}
    # 12.5 × 11.80 yuan and 8 × 26.505 yuan, each in fen
    assert ledger(school) == [("in", "12.500", 14750), ("in", "8.000", 21204)]


@pytest.mark.parametrize(("bad", "field"), [
    ({"quantity": Decimal(0)}, "rows.1.quantity"),
    ({"quantity": 2.5}, "rows.1.quantity"),  # a float has lost the exact value already
    ({"quantity": Decimal("1.0005")}, "rows.1.quantity"),
    ({"unit_price_fen": -1}, "rows.1.unit_price_fen"),
    ({"unit_price_fen": Decimal("1.234")}, "rows.1.unit_price_fen"),  # kept to 0.01 fen
    ({"food": " "}, "rows.1.food"),
    ({"expiry_date": school_today() - timedelta(days=1)}, "rows.1.expiry_date"),
    ({"production_date": school_today() + timedelta(days=30)}, "rows.1.expiry_date"),
    ({"delivery_item_id": None}, "rows.1.delivery_item_id"),
])
def test_receive_refuses_a_bad_row_naming_it_and_writes_nothing(app, school, bad, field):
    with tenant_context(school):
        with pytest.raises(RuleBroken) as refused:
            stock.receive([_row(), _row(**bad)])
        assert refused.value.field == field
        db.session.rollback()
    assert _lots(school) == 0


def test_a_delivery_item_is_received_once(app, school):
    row = _row()
    with tenant_context(school):
        stock.receive([row])
        db.session.commit()
        with pytest.raises(RuleBroken) as again:
            stock.receive([_row(batch="E2"), row])
        assert (again.value.field, again.value.status) == ("rows.1.delivery_item_id", 409)
        db.session.rollback()
        with pytest.raises(RuleBroken, match="twice"):
            twin = _row()
            stock.receive([twin, twin])
        db.session.rollback()
    assert _lots(school) == 1


def test_issues_go_first_expiry_first_out_and_never_issue_an_expired_lot(client, manager,
                                                                        school):
    assert stock_in(client, manager, quantity="2.5", price="333", expires=10,
                    batch="A").status_code == 201
    assert stock_in(client, manager, quantity="10", price="350.5", expires=20,
                    batch="B").status_code == 201
    assert stock_in(client, manager, quantity="3", price="300", received=-10, expires=-2,
                    batch="OLD").status_code == 201
    issued = issue(client, manager, "4", slot="lunch")
    assert issued.status_code == 201, issued.get_json()
    body = issued.get_json()
    # 2.5 × 3.33 = 8.325 yuan → 833 fen; 1.5 × 3.505 = 5.2575 yuan → 526 fen: half-up per lot
    assert [(line["batch"], line["quantity"], line["cost_fen"]) for line in body["lines"]] == [
        ("A", "2.500", 833), ("B", "1.500", 526)]
    assert body["cost_fen"] == 1359
    assert [lot["batch"] for lot in body["skipped"]] == ["OLD"]
    assert "OLD" in body["warnings"][0] and "discard" in body["warnings"][0]
    assert on_hand(client, manager) == {"B": "8.500", "OLD": "3.000"}
    # five days ago the old lot was still good, and the only one received by then
    past = issue(client, manager, "1", day=-5).get_json()
    assert [(line["batch"], line["cost_fen"]) for line in past["lines"]] == [("OLD", 300)]
    assert past["skipped"] == [] and past["warnings"] == []


@pytest.mark.parametrize(("body", "field"), [
    ({"quantity": "9"}, "quantity"),  # 8.5 kg can be issued; the 3 kg expired do not count
    ({"quantity": "-1"}, "quantity"),
    ({"quantity": "1.0001"}, "quantity"),
    ({"quantity": "1", "food": "面粉"}, "food"),
    ({"quantity": "1", "unit": "斤"}, "unit"),
    ({"quantity": "1", "day": 2}, "day"),
    ({"quantity": "1", "slot": "dinner"}, "slot"),  # the school serves breakfast and lunch
])
def test_an_issue_that_cannot_be_met_is_refused_by_field_and_nothing_written(
        client, manager, school, body, field):
    stock_in(client, manager, quantity="8.5", batch="B")
    stock_in(client, manager, quantity="3", received=-10, expires=-2, batch="OLD")
    before = ledger(school)
    refused = issue(client, manager, **body)
    assert refused.status_code == 422 and field in refused.get_json()["errors"], refused.json
    assert ledger(school) == before
    if body == {"quantity": "9"}:
        assert "only 8.5 kg" in refused.get_json()["errors"]["quantity"][0]


def test_an_issue_taken_back_restores_the_lots_and_costs_nothing(client, manager, school):
    stock_in(client, manager, quantity="2", price="500", expires=5, batch="A")
    stock_in(client, manager, quantity="5", price="400", expires=9, batch="B")
    issued = issue(client, manager, "3", slot="lunch").get_json()
    listed = client.get(f"/api/v1/canteen/stock/issues?day={days(0)}", headers=manager.headers)
    assert [(i["food"], i["quantity"], i["cost_fen"], i["cancelled"])
            for i in listed.get_json()] == [("大米", "3.000", 1400, False)]
    url = f"/api/v1/canteen/stock/issues/{issued['issue_id']}/cancel"
    assert client.post(url, json={"reason": ""}, headers=manager.headers).status_code == 422
    back = client.post(url, json={"reason": "菜单改了"}, headers=manager.headers)
    assert back.status_code == 200
    assert sorted((m["batch"], m["kind"], m["quantity"]) for m in back.get_json()) == [
        ("A", "return", "2.000"), ("B", "return", "1.000")]
    assert client.post(url, json={"reason": "again"}, headers=manager.headers).status_code == 409
    assert on_hand(client, manager) == {"A": "2.000", "B": "5.000"}
    with tenant_context(school):
        assert stock_out.issued_between(school_today(), school_today()) == []
        assert stock_cost.food_cost(school_today(), school_today(), {})["cost_fen"] == 0
    # the issue's entries stay in the ledger: the return undoes them
    assert [kind for kind, _q, _c in ledger(school)].count("out") == 2


def test_expiry_warnings_follow_the_school_setting_and_expired_lots_are_discarded(
        client, manager, school):
    stock_in(client, manager, batch="SOON", expires=2)
    stock_in(client, manager, batch="LATER", expires=4)
    stock_in(client, manager, batch="GONE", quantity="2", received=-10, expires=-1)
    warned = client.get("/api/v1/canteen/stock/warnings", headers=manager.headers).get_json()
    assert warned["within_days"] == 3
    assert [lot["batch"] for lot in warned["expiring"]] == ["SOON"]
    assert [lot["batch"] for lot in warned["expired"]] == ["GONE"]
    with tenant_context(school):
        modules.update_settings("canteen", {"stock_warning_days": 4})
        db.session.commit()
        assert [lot.batch for lot in stock.expiring_lots(school_today(), 4)] == ["SOON", "LATER"]
    warned = client.get("/api/v1/canteen/stock/warnings", headers=manager.headers).get_json()
    assert [lot["batch"] for lot in warned["expiring"]] == ["SOON", "LATER"]
    gone = warned["expired"][0]["id"]
    url = f"/api/v1/canteen/stock/lots/{gone}/discard"
    assert client.post(url, json={}, headers=manager.headers).status_code == 422
    too_much = client.post(url, json={"reason": "过期", "quantity": "5"}, headers=manager.headers)
    assert too_much.status_code == 422 and "quantity" in too_much.get_json()["errors"]
    thrown = client.post(url, json={"reason": "过期"}, headers=manager.headers)
    assert thrown.status_code == 201
    assert (thrown.get_json()["kind"], thrown.get_json()["quantity"]) == ("discard", "-2.000")
    assert thrown.get_json()["cost_fen"] == -700 and thrown.get_json()["reason"] == "过期"
    assert client.post(url, json={"reason": "过期"}, headers=manager.headers).status_code == 409
    with tenant_context(school):
        assert stock.expired_on_hand(school_today()) == []
    lot = client.get(f"/api/v1/canteen/stock/lots/{gone}", headers=manager.headers).get_json()
    assert lot["on_hand"] == "0.000" and [m["kind"] for m in lot["movements"]] == [
        "in", "discard"]


def test_a_count_records_its_differences_as_adjustments(client, manager, school):
    rice = stock_in(client, manager, quantity="10", price="350", batch="R").get_json()["id"]
    oil = stock_in(client, manager, food="油", unit="L", quantity="5", price="1200",
                   batch="O").get_json()["id"]
    sheet = client.get("/api/v1/canteen/stock/lots", headers=manager.headers).get_json()
    book = {lot["id"]: lot["on_hand"] for lot in sheet}
    counted = client.post("/api/v1/canteen/stock/counts", headers=manager.headers, json={
        "counted_by": "张会计", "lines": [
            {"lot_id": rice, "counted": "9.6", "book": book[rice]},
            {"lot_id": oil, "counted": "5", "book": book[oil]}]})
    assert counted.status_code == 201, counted.get_json()
    result = counted.get_json()
    assert result["counted_by"] == "张会计"
    assert [(line["food"], line["difference"], line["difference_fen"])
            for line in result["lines"]] == [("大米", "-0.400", -140), ("油", "0.000", 0)]
    assert result["difference_fen"] == -140
    assert ledger(school)[-1] == ("adjust", "-0.400", -140)
    assert on_hand(client, manager) == {"R": "9.600", "O": "5.000"}
    # the same sheet entered again: the rice moved since, so its count is refused whole
    again = client.post("/api/v1/canteen/stock/counts", headers=manager.headers, json={
        "lines": [{"lot_id": oil, "counted": "5", "book": book[oil]},
                  {"lot_id": rice, "counted": "9.6", "book": book[rice]}]})
    assert again.status_code == 409 and "lines.1.book" in again.get_json()["errors"]
    assert len(ledger(school)) == 3
    shown = client.get(f"/api/v1/canteen/stock/counts/{result['id']}", headers=manager.headers)
    assert shown.get_json()["lines"] == result["lines"]
    listed = client.get("/api/v1/canteen/stock/counts", headers=manager.headers).get_json()
    assert [c["id"] for c in listed] == [result["id"]]


@pytest.mark.parametrize(("lines", "field"), [
    ([], "lines"),
    ([{"lot_id": "LOT", "counted": "-1"}], "lines"),
    ([{"lot_id": "LOT", "counted": "1"}, {"lot_id": "LOT", "counted": "2"}], "lines.1.lot_id"),
    ([{"lot_id": str(uuid.uuid4()), "counted": "1"}], "lines.0.lot_id"),
])
def test_a_bad_count_is_refused_by_field(client, manager, school, lines, field):
    lot = stock_in(client, manager).get_json()["id"]
    lines = [{**line, "lot_id": lot if line["lot_id"] == "LOT" else line["lot_id"]}
             for line in lines]
    refused = client.post("/api/v1/canteen/stock/counts", headers=manager.headers,
                          json={"lines": lines})
    assert refused.status_code == 422 and field in refused.get_json()["errors"]
    assert len(ledger(school)) == 1


def test_food_cost_per_day_meal_and_eater_from_given_eaters(client, manager, school):
    stock_in(client, manager, quantity="100", price="333", received=-3)
    issue(client, manager, "10", day=-2, slot="breakfast")  # 3330 fen
    issue(client, manager, "5", day=-2, slot="lunch")  # 1665
    issue(client, manager, "1", day=-2)  # 333, for no meal in particular
    issue(client, manager, "7", day=-1, slot="lunch")  # 2331
    d2, d1, d0 = (school_today() - timedelta(days=n) for n in (2, 1, 0))
    eaters = {d2: 300, d0: 250, d2 - timedelta(days=30): 999}  # the last lies outside
    with tenant_context(school):
        cost = stock_cost.food_cost(d2, d0, eaters)
    assert [(d["day"], d["cost_fen"], d["eaters"], d["per_eater_fen"]) for d in cost["days"]] == [
        (d2, 5328, 300, 18),  # 5328 / 300 = 17.76 → 18 fen
        (d1, 2331, None, None),
        (d0, 0, 250, 0)]
    assert cost["days"][0]["by_slot"] == {"breakfast": 3330, "lunch": 1665, "": 333}
    assert cost["by_slot"] == {"breakfast": 3330, "lunch": 3996, "": 333}
    assert (cost["cost_fen"], cost["eaters"], cost["per_eater_fen"]) == (7659, 550, 14)
    assert cost["cost_without_eaters_fen"] == 2331
    with tenant_context(school):
        unknown = stock_cost.food_cost(d2, d0, {})
    assert unknown["eaters"] is None and unknown["per_eater_fen"] is None
    api = client.get(f"/api/v1/canteen/stock/cost?start={d2}&end={d0}", headers=manager.headers)
    assert api.get_json()["cost_fen"] == 7659 and api.get_json()["per_eater_fen"] is None
    backwards = client.get(f"/api/v1/canteen/stock/cost?start={d0}&end={d2}",
                           headers=manager.headers)
    assert backwards.status_code == 422 and "end" in backwards.get_json()["errors"]
    with tenant_context(school):
        issued = stock_out.issued_between(d2, d0)
    assert [(r["day"], r["slot"], r["quantity"], r["cost_fen"]) for r in issued
            if r["slot"] == "lunch"] == [(d2, "lunch", Decimal(5), 1665),
                                         (d1, "lunch", Decimal(7), 2331)]


def test_stock_in_by_hand_refuses_bad_input_by_field(client, manager, school):
    for bad, field in (({"quantity": "0"}, "quantity"), ({"quantity": "abc"}, "quantity"),
                       ({"price": "-5"}, "unit_price_fen"), ({"price": "1.234"}, "unit_price_fen"),
                       ({"expires": -1}, "expiry_date"), ({"received": 1}, "received_on"),
                       ({"unit": ""}, "unit")):
        refused = stock_in(client, manager, **bad)
        assert refused.status_code == 422 and field in refused.get_json()["errors"], bad
    assert _lots(school) == 0
    clerk = client.post("/api/v1/canteen/stock/lots", headers=manager.headers, json={
        "food": "面粉", "unit": "袋", "quantity": "4", "unit_price_fen": "6500",
        "expiry_date": days(90)})
    assert clerk.status_code == 201
    assert (clerk.get_json()["received_on"], clerk.get_json()["value_fen"]) == (days(0), 26000)
