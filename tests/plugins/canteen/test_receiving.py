"""Canteen: receiving inspection (进货查验) — two inspectors, item rules, the stock seam, the
cited retention period, voiding instead of deleting."""

import io
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from core.extensions import db
from core.rules import RuleBroken
from core.tenancy import tenant_context
from core.testing import signed_in
from plugins.canteen.models import Delivery, DeliveryItem
from plugins.canteen.services import receiving

from .support import certificate, deliver, item, licensed_supplier, school_today, supplier

pytestmark = pytest.mark.houqin_plugins("canteen")


@pytest.fixture
def director(school, make_user):
    return make_user(school, "logistics_director")


def test_a_delivery_is_inspected_by_two_and_totals_its_accepted_items(
        client, manager, school, monkeypatch):
    received = []
    monkeypatch.setattr(receiving, "_stock_in",
                        lambda delivery: received.append(receiving.accepted_rows(delivery)))
    supplier_id = licensed_supplier(client, manager)
    day = school_today() - timedelta(days=1)
    made = deliver(client, manager, supplier_id, day=day, items=[
        item(quantity="2.5", unit_price_fen=1299),  # 3247.5 fen: half up to 3248
        item(food="鲜牛奶", quantity="10", unit="瓶", unit_price_fen=350, expiry_date=None,
             production_date=day.isoformat(), shelf_life_days=7, storage="chilled",
             temperature_c="4.5"),
        item(food="冻鸡腿", quantity="20", unit_price_fen=1800, storage="frozen",
             temperature_c="-3.0", result="rejected", reject_reason="到货温度过高，已退回"),
    ])
    assert made.status_code == 201, made.get_json()
    body = made.get_json()
    assert body["total_fen"] == 3248 + 3500
    assert [i["amount_fen"] for i in body["items"]] == [3248, 3500, 36000]
    milk = body["items"][1]
    assert milk["expiry_date"] == (day + timedelta(days=7)).isoformat()
    assert (milk["quantity"], milk["temperature_c"]) == ("10.000", "4.5")
    assert body["supplier"] == "绿源蔬菜合作社"
    # Only the accepted items reach the stock seam, each with an expiry date.
    assert len(received) == 1
    assert [(r["food"], r["quantity"], r["expiry_date"]) for r in received[0]] == [
        ("西红柿", Decimal("2.5"), date.fromisoformat(item()["expiry_date"])),
        ("鲜牛奶", Decimal("10"), day + timedelta(days=7))]
    assert set(received[0][0]) == {"delivery_item_id", "food", "unit", "quantity",
                                   "unit_price_fen", "batch", "production_date", "expiry_date"}
    listed = client.get(f"/api/v1/canteen/deliveries?start={day}&end={day}",
                        headers=manager.headers).get_json()
    assert [d["id"] for d in listed] == [body["id"]]


def _names(errors: dict, field: str) -> bool:
    """Whether the errors name ``field``: a rule's ``items.0.quantity`` or the schema's nested
    ``{"items": {"0": {"quantity": …}}}``."""
    if field in errors:
        return True
    head, _, rest = field.partition(".")
    return bool(rest) and isinstance(errors.get(head), dict) and _names(errors[head], rest)


@pytest.mark.parametrize(("change", "field"), [
    ({"second_inspector": " 王师傅 "}, "second_inspector"),
    ({"day": "future"}, "day"),
    ({"items": []}, "items"),
    ({"supplier_id": "01a1fdc9-1e46-7b79-bb56-d00841883e8c"}, "supplier_id"),
    ({"item": {"quantity": "0"}}, "items.0.quantity"),
    ({"item": {"quantity": "-2"}}, "items.0.quantity"),
    ({"item": {"quantity": "1000000"}}, "items.0.quantity"),
    ({"item": {"quantity": "1.0001"}}, "items.0.quantity"),
    # Far past any range: once a 500 (the places check quantized it and raised).
    ({"item": {"quantity": "1" + "0" * 40}}, "items.0.quantity"),
    ({"item": {"temperature_c": "-1E+40"}}, "items.0.temperature_c"),
    ({"item": {"unit_price_fen": 12.5}}, "items.0.unit_price_fen"),
    ({"item": {"temperature_c": "200"}}, "items.0.temperature_c"),
    ({"item": {"result": "rejected"}}, "items.0.reject_reason"),
    ({"item": {"result": "rejected", "reject_reason": "   "}}, "items.0.reject_reason"),
    ({"item": {"expiry_date": None}}, "items.0.expiry_date"),
    ({"item": {"expiry_date": "2020-01-01"}}, "items.0.expiry_date"),
    ({"item": {"storage": "frozen"}}, "items.0.temperature_c"),
    ({"item": {"production_date": "tomorrow"}}, "items.0.production_date"),
    ({"item": {"shelf_life_days": 3}}, "items.0.production_date"),
    ({"item": {"production_date": "2026-01-01", "shelf_life_days": 3}}, "items.0.expiry_date"),
])
def test_a_bad_delivery_is_refused_naming_the_field_and_nothing_is_kept(
        client, manager, school, change, field):
    supplier_id = licensed_supplier(client, manager)
    tomorrow = (school_today() + timedelta(days=1)).isoformat()
    change = dict(change)
    one = item(**{k: (tomorrow if v == "tomorrow" else v)
                  for k, v in change.pop("item", {}).items()})
    if change.get("day") == "future":
        change["day"] = tomorrow
    body = {"supplier_id": supplier_id, "day": school_today().isoformat(), "inspector": "王师傅",
            "second_inspector": "李老师", "items": [one], **change}
    refused = client.post("/api/v1/canteen/deliveries", headers=manager.headers, json=body)
    assert refused.status_code == 422 and _names(refused.get_json()["errors"], field), (
        refused.get_json())
    with tenant_context(school):
        assert db.session.scalars(select(Delivery)).all() == []
        assert db.session.scalars(select(DeliveryItem)).all() == []


def test_a_supplier_without_licences_in_force_cannot_deliver(client, manager):
    today = school_today()
    unlicensed = supplier(client, manager).get_json()["id"]
    refused = deliver(client, manager, unlicensed, [item()])
    assert refused.status_code == 422
    assert "may not deliver" in refused.get_json()["errors"]["supplier_id"][0]
    lapsing = supplier(client, manager, name="乙", credit_code="JY13301000000009").get_json()["id"]
    certificate(client, manager, lapsing, valid_until=today - timedelta(days=3))
    # The licence was in force on the day the goods came, and lapsed since.
    assert deliver(client, manager, lapsing, [item()],
                   day=today - timedelta(days=5)).status_code == 201
    late = deliver(client, manager, lapsing, [item()], day=today - timedelta(days=1))
    assert late.status_code == 422 and "lapsed on" in late.get_json()["errors"]["supplier_id"][0]
    retired = licensed_supplier(client, manager, name="丙", credit_code="JY13301000000010")
    client.patch(f"/api/v1/canteen/suppliers/{retired}", headers=manager.headers,
                 json={"active": False})
    assert "supplier_id" in deliver(client, manager, retired, [item()]).get_json()["errors"]


def test_retention_follows_the_cited_rule_and_a_district_override(app, client, manager, school):
    with tenant_context(school):
        assert receiving.keep_until(date(2026, 1, 10), []) == date(2028, 1, 10)
        # Six months after the last shelf life, when that is longer than two years.
        assert receiving.keep_until(date(2026, 1, 10), [date(2026, 3, 1), date(2027, 12, 31)]
                                    ) == date(2028, 6, 30)
        assert receiving.keep_until(date(2026, 1, 10), [date(2027, 8, 31)]) == date(2028, 2, 29)
        assert receiving.add_months(date(2026, 1, 31), -2) == date(2025, 11, 30)
    rules = {r["key"]: r for r in client.get("/api/v1/canteen/rules",
                                             headers=manager.headers).get_json()}
    assert "第五十条" in rules["receiving_keep_months_after_shelf_life"]["source"]
    folder = Path(app.instance_path) / "regulations" / "district-a"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "canteen.toml").write_text('[receiving_keep_years_at_least]\nvalue = 3\n'
                                         'source = "某区食堂进货查验细则（测试）"\n')
    try:
        with tenant_context(school):
            assert receiving.keep_until(date(2026, 1, 10), [date(2027, 12, 31)]
                                        ) == date(2029, 1, 10)
        supplier_id = licensed_supplier(client, manager)
        day = school_today()
        made = deliver(client, manager, supplier_id, [item()], day=day).get_json()
        assert made["keep_until"] == receiving.add_months(day, 36).isoformat()
    finally:
        (folder / "canteen.toml").unlink()


def test_a_delivery_is_never_deleted_only_voided_and_stays_visible(
        client, manager, director, school):
    supplier_id = licensed_supplier(client, manager)
    made = deliver(client, manager, supplier_id, [item()]).get_json()
    url = f"/api/v1/canteen/deliveries/{made['id']}"
    assert client.delete(url, headers=director.headers).status_code == 405
    assert client.post(f"{url}/void", headers=manager.headers,
                       json={"reason": "录错了"}).status_code == 403
    blank = client.post(f"{url}/void", headers=director.headers, json={"reason": "  "})
    assert blank.status_code == 422 and "reason" in blank.get_json()["errors"]
    voided = client.post(f"{url}/void", headers=director.headers, json={"reason": "供应商录错"})
    assert voided.status_code == 200
    body = voided.get_json()
    assert (body["voided_by"], body["void_reason"]) == ("logistics_director", "供应商录错")
    assert body["voided_at"] is not None
    assert client.post(f"{url}/void", headers=director.headers,
                       json={"reason": "again"}).status_code == 409
    assert client.get(url, headers=manager.headers).get_json()["voided_at"] == body["voided_at"]
    with tenant_context(school):  # any code that tries to delete it is refused too
        db.session.delete(db.session.scalar(select(Delivery)))
        with pytest.raises(RuleBroken) as refused:
            db.session.flush()
        assert refused.value.status == 409
        db.session.rollback()
        assert len(db.session.scalars(select(Delivery)).all()) == 1


def test_the_deliveries_register_exports_one_row_per_item_voided_ones_marked(
        client, manager, director):
    supplier_id = licensed_supplier(client, manager)
    day = school_today()
    made = deliver(client, manager, supplier_id, day=day, items=[
        item(quantity="1.25", unit_price_fen=1999),
        item(food="豆腐", result="rejected", reject_reason="包装破损", expiry_date=None)])
    client.post(f"/api/v1/canteen/deliveries/{made.get_json()['id']}/void",
                headers=director.headers, json={"reason": "重复录入"})
    response = client.get(f"/api/v1/canteen/exports/deliveries.xlsx?start={day}&end={day}",
                          headers=manager.headers)
    assert response.status_code == 200
    header, *rows = load_workbook(io.BytesIO(response.data)).active.values
    column = {title: n for n, title in enumerate(header)}
    assert [(r[column["Food"]], r[column["Result"]], r[column["Reason rejected"]])
            for r in rows] == [("西红柿", "Accepted", None), ("豆腐", "Rejected", "包装破损")]
    first = rows[0]
    assert first[column["Quantity"]] == 1.25 and first[column["Unit price (yuan)"]] == 19.99
    assert first[column["Amount (yuan)"]] == 24.99  # 2498.75 fen, half up
    assert {r[column["Reason voided"]] for r in rows} == {"重复录入"}


def test_the_pages_record_a_delivery_row_by_row_print_it_and_void_it(
        app, client, manager, director, school):
    supplier_id = licensed_supplier(client, manager)
    token = signed_in(client, manager)
    new = client.get("/t/canteen-school/m/canteen/deliveries/new").get_data(as_text=True)
    assert new.count('class="item-row"') == 3
    day = school_today().isoformat()
    form = {"csrf_token": token, "rows": "5", "supplier_id": supplier_id, "day": day,
            "inspector": "王师傅", "second_inspector": "李老师",
            "items-0-food": "西红柿", "items-0-quantity": "12.5", "items-0-unit": "kg",
            "items-0-unit_price": "4.80", "items-0-expiry_date": item()["expiry_date"],
            "items-0-storage": "ambient", "items-0-result": "accepted",
            "items-2-food": "冻鸡腿", "items-2-quantity": "20", "items-2-unit": "kg",
            "items-2-unit_price": "18", "items-2-expiry_date": item()["expiry_date"],
            "items-2-storage": "frozen", "items-2-result": "accepted"}
    more = client.post("/t/canteen-school/m/canteen/deliveries/new", data={**form, "add_row": "1"})
    page = more.get_data(as_text=True)
    assert page.count('class="item-row"') == 6 and 'value="冻鸡腿"' in page
    missing_temperature = client.post("/t/canteen-school/m/canteen/deliveries/new", data=form)
    assert missing_temperature.status_code == 422
    assert 'data-testid="error-items-2-temperature_c"' in missing_temperature.get_data(
        as_text=True)
    bad_price = client.post("/t/canteen-school/m/canteen/deliveries/new",
                            data={**form, "items-0-unit_price": "4.805"})
    assert 'data-testid="error-items-0-unit_price"' in bad_price.get_data(as_text=True)
    recorded = client.post("/t/canteen-school/m/canteen/deliveries/new",
                           data={**form, "items-2-temperature_c": "-18"})
    assert recorded.status_code == 302, recorded.get_data(as_text=True)
    record = client.get(recorded.headers["Location"]).get_data(as_text=True)
    assert "20 kg" in record and 'data-testid="total">420.00' in record  # 60.00 + 360.00
    month = client.get("/t/canteen-school/m/canteen/deliveries").get_data(as_text=True)
    assert "西红柿" in month and 'data-testid="month-total">420.00' in month
    assert 'data-testid="void"' not in record  # the canteen manager may not void

    browser = app.test_client()
    token = signed_in(browser, director)
    voided = browser.post(f"{recorded.headers['Location']}/void",
                          data={"csrf_token": token, "reason": "单价录错"})
    assert voided.status_code == 302
    record = browser.get(recorded.headers["Location"]).get_data(as_text=True)
    assert 'data-testid="voided"' in record and "单价录错" in record
    month = browser.get("/t/canteen-school/m/canteen/deliveries").get_data(as_text=True)
    assert 'class="badge voided"' in month and 'data-testid="month-total">0.00' in month


@pytest.mark.postgres
def test_on_postgresql_the_app_can_neither_change_nor_remove_what_was_inspected(
        app_factory, houqin_postgres, make_school):
    from sqlalchemy import create_engine, pool, text
    from sqlalchemy.exc import IntegrityError, ProgrammingError

    from plugins.canteen.services import suppliers

    app = app_factory(plugins=["canteen"], database=houqin_postgres)
    with app.app_context():
        school = make_school("canteen-pg", modules=("canteen",))
        with tenant_context(school):
            found = suppliers.create_supplier({"name": "绿源", "credit_code": "JY13301000000009"})
            suppliers.add_certificate(found.id, {
                "kind": "food_operation_licence", "number": "JY1", "issued_on": date(2024, 1, 1),
                "valid_until": None}, school_today())
            receiving.create_delivery({
                "supplier_id": found.id, "day": school_today(), "inspector": "王",
                "second_inspector": "李", "items": [{
                    "food": "大米", "quantity": Decimal(10), "unit": "kg", "unit_price_fen": 500,
                    "expiry_date": school_today() + timedelta(days=300), "result": "accepted"}]})
            db.session.commit()
    engine = create_engine(houqin_postgres.app_url, poolclass=pool.NullPool)
    scope = "SELECT set_config('houqin.tenant_id', :t, true)"
    try:
        for statement in ("UPDATE canteen_delivery_items SET food = 'x'",
                          "DELETE FROM canteen_delivery_items"):
            with pytest.raises(ProgrammingError, match="permission denied"), \
                    engine.begin() as connection:
                connection.execute(text(scope), {"t": str(school.id)})
                connection.execute(text(statement))
        # A raw delete of the delivery itself is stopped by its items.
        with pytest.raises(IntegrityError), engine.begin() as connection:
            connection.execute(text(scope), {"t": str(school.id)})
            connection.execute(text("DELETE FROM canteen_deliveries"))
    finally:
        engine.dispose()


def test_the_form_takes_a_shelf_life_in_days_as_typed_and_the_api_keeps_numbers(
        client, manager, school):
    supplier_id = licensed_supplier(client, manager)
    made = school_today() - timedelta(days=1)
    api = deliver(client, manager, supplier_id,
                  [item(production_date=made.isoformat(), shelf_life_days="7",
                        expiry_date=None)])
    assert api.status_code == 422 and "shelf_life_days" in str(api.get_json())
    token = signed_in(client, manager)
    recorded = client.post("/t/canteen-school/m/canteen/deliveries/new", data={
        "csrf_token": token, "rows": "1", "supplier_id": supplier_id,
        "day": school_today().isoformat(), "inspector": "王师傅", "second_inspector": "李老师",
        "items-0-food": "豆腐", "items-0-quantity": "5", "items-0-unit": "kg",
        "items-0-unit_price": "3", "items-0-production_date": made.isoformat(),
        "items-0-shelf_life_days": "7", "items-0-storage": "ambient",
        "items-0-result": "accepted"})
    assert recorded.status_code == 302, recorded.get_data(as_text=True)
    with tenant_context(school):
        kept = db.session.scalar(select(DeliveryItem).where(DeliveryItem.food == "豆腐"))
        assert kept.shelf_life_days == 7 and kept.expiry_date == made + timedelta(days=7)
