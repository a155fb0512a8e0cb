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
