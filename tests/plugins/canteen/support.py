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


def classroom(school, name: str, head=None, students: int = 3) -> tuple[str, list[str]]:
    """A class of 一年级 with ``students`` enrolled; ``head`` (a test user) heads it through a
    staff record linked to their login. Returns the class id and the student ids."""
    from sqlalchemy import select

    from core.extensions import db
    from core.people import services as people
    from core.people.models import Grade
    from core.tenancy import tenant_context

    with tenant_context(school):
        grade = db.session.scalar(select(Grade).where(Grade.name == "一年级")) or \
            people.create_grade("一年级", 1)
        head_id = None
        if head is not None:
            head_id = people.create_staff({"name": f"{name}班主任", "position": "teacher",
                                           "phone": None, "active": True,
                                           "login": head.email}).id
        school_class = people.create_class(grade.id, name, head_id)
        pupils = [people.create_student({
            "student_no": f"{name}-{n}", "name": f"{name}学生{n}", "gender": "female",
            "birth_date": date(2019, 1, 1), "class_id": school_class.id}).id
            for n in range(students)]
        db.session.commit()
        return str(school_class.id), [str(p) for p in pupils]


def school_day_ahead(school) -> date:
    """A weekday after today at the school, made a school day if the calendar has no term
    then: its meal counts are still open, whenever the tests run."""
    from datetime import timedelta
    from zoneinfo import ZoneInfo

    from core.calendar import services as calendar
    from core.extensions import db
    from core.tenancy import tenant_context

    day = datetime.now(ZoneInfo("Asia/Shanghai")).date() + timedelta(days=1)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    with tenant_context(school):
        if not calendar.is_school_day(day):
            year = calendar.create_year(f"ahead {day}", day, day)
            calendar.create_term(year.id, "ahead", day, day)
            db.session.commit()
    return day


# --- suppliers and deliveries --------------------------------------------------------------

CREDIT_CODE = "91350100M000100Y43"  # a well-formed unified social credit code (GB 32100-2015)
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def school_today() -> date:
    from zoneinfo import ZoneInfo

    return datetime.now(ZoneInfo("Asia/Shanghai")).date()


def supplier(client, manager, name="绿源蔬菜合作社", credit_code=CREDIT_CODE, **extra):
    return client.post("/api/v1/canteen/suppliers", headers=manager.headers,
                       json={"name": name, "credit_code": credit_code, **extra})


def certificate(client, manager, supplier_id, kind="food_operation_licence", valid_until=None,
                issued_on="2024-01-01", number="JY13301000000001", scan: bytes | None = None):
    """A certificate as the API takes it: multipart, with the scan if given."""
    import io

    form = {"kind": kind, "number": number, "issued_on": issued_on,
            "valid_until": valid_until.isoformat() if valid_until else ""}
    if scan is not None:
        form["scan"] = (io.BytesIO(scan), "licence.png")
    return client.post(f"/api/v1/canteen/suppliers/{supplier_id}/certificates",
                       headers=manager.headers, data=form, content_type="multipart/form-data")


def licensed_supplier(client, manager, name="绿源蔬菜合作社", credit_code=CREDIT_CODE) -> str:
    """A supplier whose food operation licence is in force for years to come."""
    from datetime import timedelta

    supplier_id = supplier(client, manager, name=name, credit_code=credit_code).get_json()["id"]
    certificate(client, manager, supplier_id, valid_until=school_today() + timedelta(days=900))
    return supplier_id


def item(**extra) -> dict:
    """An accepted item of a delivery, with everything the rules ask for."""
    return {"food": "西红柿", "quantity": "12.5", "unit": "kg", "unit_price_fen": 480,
            "batch": "B20261116", "production_date": None, "shelf_life_days": None,
            "expiry_date": date.fromordinal(school_today().toordinal() + 365).isoformat(),
            "result": "accepted", **extra}


def deliver(client, user, supplier_id, items, day: date | None = None, **extra):
    body = {"supplier_id": supplier_id, "day": (day or school_today()).isoformat(),
            "inspector": "王师傅", "second_inspector": "李老师", "items": items, **extra}
    return client.post("/api/v1/canteen/deliveries", headers=user.headers, json=body)
