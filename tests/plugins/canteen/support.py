"""Small steps the canteen's tests share: a dish, a dish on a meal, a sample time."""

from datetime import UTC, date, datetime

MONDAY = date(2026, 11, 16)


def dish(client, manager, name="番茄炒蛋", **extra):
    body = {"name": name, "allergens": ["egg"],
            "ingredients": [{"food": "番茄", "grams": 80}, {"food": "鸡蛋", "grams": 50}], **extra}
    return client.post("/api/v1/canteen/dishes", json=body, headers=manager.headers)


def serve(client, manager, dish_id, day=MONDAY, slot="lunch"):
    return client.post("/api/v1/canteen/menu", headers=manager.headers,
                       json={"day": day.isoformat(), "slot": slot, "dish_id": dish_id})


def sample_at(day: date, hour: int = 12) -> str:
    return datetime(day.year, day.month, day.day, hour, 10, tzinfo=UTC).isoformat()
