"""Two people doing the same thing at the same moment: two tills sending one sale with the
same Idempotency-Key, two nurses checking one worker, one delivery item stocked twice. Both
requests look, find nothing and write; the first writer wins and the other hears about it
(the same sale, or a 409 naming the field), never a server error, and nothing is doubled.

On PostgreSQL the second write waits on the unique index until the first commits; SQLite
takes one writer at a time, so the second waits for the first and then meets its row."""

import uuid
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from core.extensions import db
from core.rules import RuleBroken
from core.tenancy import tenant_context
from core.testing import at_once, read_before_written, requests_crossing
from plugins.canteen.models import MorningCheck, StockLot, TuckBatch, TuckSale
from plugins.canteen.models.receiving import DeliveryItem
from plugins.canteen.services import stock

from .support import MONDAY, deliver, item, licensed_supplier
from .test_health import check, worker
from .test_tuckshop import product, receive, sell, switch

pytestmark = pytest.mark.houqin_plugins("canteen")


def count(school, model) -> int:
    with tenant_context(school):
        return db.session.scalar(select(func.count()).select_from(model))


def test_one_sale_sent_twice_at_once_with_its_key_sells_once(app, client, school, manager):
    switch(school, True)
    cola = product(client, manager).get_json()["id"]
    assert receive(client, manager, cola, quantity=10).status_code == 201
    key = {"Idempotency-Key": "till-2-0001"}

    with requests_crossing(db.engine, "canteen_tuck_sales"):
        answers = at_once([lambda: sell(app.test_client(), manager, cola, 3, **key)] * 2)

    assert [a.status_code for a in answers] == [201, 201], [a.get_json() for a in answers]
    assert answers[0].get_json()["id"] == answers[1].get_json()["id"]
    assert count(school, TuckSale) == 1
    with tenant_context(school):
        db.session.expire_all()
        assert db.session.scalar(select(func.sum(TuckBatch.on_hand))) == 7


def test_two_morning_checks_of_one_worker_at_once_keep_the_first(app, client, school,
                                                                  manager):
    cook = worker(client, manager, school, "赵师傅")

    with requests_crossing(db.engine, "canteen_morning_checks"):
        answers = at_once([lambda: check(app.test_client(), manager, cook)] * 2)

    assert sorted(a.status_code for a in answers) == [201, 409], [a.get_json() for a in answers]
    refused = next(a for a in answers if a.status_code == 409).get_json()
    assert "checked already" in refused["errors"]["worker_id"][0]
    with tenant_context(school):
        assert db.session.scalars(select(MorningCheck.day)).all() == [MONDAY]


def test_one_delivery_item_stocked_twice_at_once_is_stocked_once(app, client, school, manager):
    supplier_id = licensed_supplier(client, manager)
    made = deliver(client, manager, supplier_id, [
        item(), item(food="鸡蛋", quantity="30", unit="个", result="rejected",
                     reject_reason="破损")])
    assert made.status_code == 201, made.get_json()
    with tenant_context(school):
        # The rejected eggs, accepted after all and entered from two kitchen PCs at once.
        eggs = db.session.scalar(select(DeliveryItem.id).where(DeliveryItem.food == "鸡蛋"))
    row = {"delivery_item_id": eggs, "food": "鸡蛋", "unit": "个", "quantity": Decimal("30"),
           "unit_price_fen": 60, "batch": "E1", "production_date": None,
           "expiry_date": date.fromordinal(date.today().toordinal() + 30)}

    def stock_in():
        with app.app_context(), tenant_context(school):
            try:
                lots = stock.receive([dict(row)], by="王师傅")
                db.session.commit()
                return [lot.id for lot in lots]
            except RuleBroken as exc:
                db.session.rollback()
                return exc

    with read_before_written(db.engine, "canteen_stock_lots"):
        results = at_once([stock_in, stock_in])

    refusals = [r for r in results if isinstance(r, RuleBroken)]
    assert len(refusals) == 1, results
    assert (refusals[0].status, refusals[0].field) == (409, "rows.0.delivery_item_id")
    with tenant_context(school):
        assert db.session.scalar(select(func.count()).select_from(StockLot).where(
            StockLot.delivery_item_id == eggs)) == 1
    assert isinstance(next(r for r in results if isinstance(r, list))[0], uuid.UUID)
