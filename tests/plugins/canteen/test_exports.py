"""Every canteen register exports to .xlsx over a period, audited; the school export holds it."""

import io

import pytest
from openpyxl import load_workbook

from core.audit import AuditEvent
from core.extensions import db
from core.tenancy import tenant_context

from .support import MONDAY, dish, sample_at, serve

pytestmark = pytest.mark.houqin_plugins("canteen")


def test_the_samples_register_exports_the_period_asked_for(client, school, manager):
    dish_id = dish(client, manager).get_json()["id"]
    for day in (MONDAY, MONDAY.replace(day=17)):
        serve(client, manager, dish_id, day=day)
        assert client.post("/api/v1/canteen/samples", headers=manager.headers, json={
            "day": day.isoformat(), "slot": "lunch", "dish_id": dish_id, "grams": 130,
            "taken_at": sample_at(day, 4), "taken_by": "王师傅", "cabinet": "A1"}
        ).status_code == 201
    response = client.get("/api/v1/canteen/exports/samples.xlsx?start=2026-11-16&end=2026-11-16",
                          headers=manager.headers)
    assert response.status_code == 200
    rows = list(load_workbook(io.BytesIO(response.data)).active.values)
    assert rows[0][:4] == ("Day", "Meal", "Dish", "Grams")
    assert [(r[0].date().isoformat(), r[1], r[2], r[3], r[5]) for r in rows[1:]] == [
        ("2026-11-16", "Lunch", "番茄炒蛋", 130, "王师傅")]
    with tenant_context(school):
        exported = db.session.scalars(db.select(AuditEvent.entity)
                                      .where(AuditEvent.action == "export")).all()
    assert exported == ["canteen.samples"]


def test_an_unknown_register_or_a_backwards_period_is_refused(client, manager):
    missing = client.get("/api/v1/canteen/exports/nothing.xlsx?start=2026-11-01&end=2026-11-30",
                         headers=manager.headers)
    assert missing.status_code == 404
    backwards = client.get("/api/v1/canteen/exports/menus.xlsx?start=2026-11-30&end=2026-11-01",
                           headers=manager.headers)
    assert backwards.status_code == 422 and "end" in backwards.get_json()["errors"]
