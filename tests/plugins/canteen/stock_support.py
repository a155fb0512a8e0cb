"""Small steps the food stock tests share: the school's today, a lot stocked in by hand, an
issue, and the ledger as the database holds it."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from core.extensions import db
from core.tenancy import tenant_context
from plugins.canteen.models import StockMovement


def school_today() -> date:
    return datetime.now(ZoneInfo("Asia/Shanghai")).date()


def days(n: int) -> str:
    """The school's today plus ``n`` days, as the API writes a day."""
    return (school_today() + timedelta(days=n)).isoformat()


def stock_in(client, user, food="大米", unit="kg", quantity="10", price="350", expires=30,
             received=0, batch="B1", **extra):
    body = {"food": food, "unit": unit, "quantity": quantity, "unit_price_fen": price,
            "batch": batch, "expiry_date": days(expires), "received_on": days(received), **extra}
    return client.post("/api/v1/canteen/stock/lots", json=body, headers=user.headers)


def issue(client, user, quantity, food="大米", unit="kg", day=0, **extra):
    body = {"day": days(day), "food": food, "unit": unit, "quantity": quantity, **extra}
    return client.post("/api/v1/canteen/stock/issues", json=body, headers=user.headers)


def on_hand(client, user) -> dict[str, str]:
    lots = client.get("/api/v1/canteen/stock/lots", headers=user.headers).get_json()
    return {lot["batch"]: lot["on_hand"] for lot in lots}


def ledger(school) -> list[tuple[str, str, int]]:
    db.session.expire_all()
    with tenant_context(school):
        return [(m.kind, str(m.quantity), m.cost_fen) for m in db.session.scalars(
            select(StockMovement).order_by(StockMovement.recorded_at, StockMovement.id))]
