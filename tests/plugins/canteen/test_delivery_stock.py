"""An accepted delivery's items come into the food stock by themselves; a voided delivery takes
what is left of them out again, and what was issued stays issued."""

import pytest

from .support import deliver, item, licensed_supplier, school_today

pytestmark = pytest.mark.houqin_plugins("canteen")


def _foods(client, user):
    return {(f["food"], f["unit"]): f["usable"] for f in client.get(
        f"/api/v1/canteen/stock/foods?day={school_today()}", headers=user.headers).get_json()}


def test_accepted_items_are_stocked_and_a_void_withdraws_what_is_left(client, manager,
                                                                      make_user, school):
    supplier_id = licensed_supplier(client, manager)
    made = deliver(client, manager, supplier_id, [
        item(), item(food="鸡蛋", quantity="30", unit="个", result="rejected",
                     reject_reason="破损")])
    assert made.status_code == 201, made.get_json()
    assert _foods(client, manager) == {("西红柿", "kg"): "12.500"}

    issued = client.post("/api/v1/canteen/stock/issues", headers=manager.headers, json={
        "day": school_today().isoformat(), "food": "西红柿", "unit": "kg", "quantity": "2.5"})
    assert issued.status_code == 201, issued.get_json()

    director = make_user(school, "logistics_director")
    voided = client.post(f"/api/v1/canteen/deliveries/{made.get_json()['id']}/void",
                         headers=director.headers, json={"reason": "供应商送错货"})
    assert voided.status_code == 200, voided.get_json()
    assert _foods(client, manager).get(("西红柿", "kg")) in (None, "0.000")
    movements = client.get(f"/api/v1/canteen/stock/movements?start={school_today()}"
                           f"&end={school_today()}", headers=manager.headers).get_json()
    kinds = sorted((m["kind"], m["quantity"]) for m in movements)
    assert kinds == [("discard", "-10.000"), ("in", "12.500"), ("out", "-2.500")]
