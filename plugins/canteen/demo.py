"""The canteen's share of a demo school's life (``houqin_demo_life``): dishes and menus up to
next week, suppliers with their licences, deliveries, the kitchen staff with health
certificates and morning checks, meal counts reported by the class teachers and retained
samples, all written through the canteen's services so they keep its rules. Today is left
partly undone (its samples and morning checks), as a kitchen's morning looks."""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import func, select

from core.sdk import Principal, TenantRef, db, people, school_today, school_zone

from . import services
from .models import Dish
from .models.counts import STAFF
from .services import (
    counts,
    health,
    hygiene,
    menus,
    receiving,
    samples,
    stock_out,
    suppliers,
)

# Dishes by meal: (name, allergens, ingredients with grams a serving).
SCHOOL_DISHES = {
    "breakfast": [("小米粥", [], [("小米", 30)]), ("鸡蛋", ["egg"], [("鸡蛋", 50)]),
                  ("肉包子", ["gluten"], [("面粉", 60), ("猪肉", 20)]),
                  ("豆浆", ["soy"], [("黄豆", 20)]), ("花卷", ["gluten"], [("面粉", 60)])],
    "lunch": [("米饭", [], [("大米", 120)]), ("番茄炒蛋", ["egg"], [("番茄", 80), ("鸡蛋", 50)]),
              ("红烧鸡块", [], [("鸡肉", 80), ("土豆", 40)]), ("清炒西兰花", [], [("西兰花", 100)]),
              ("鱼香肉丝", [], [("猪肉", 60), ("青椒", 40)]), ("紫菜蛋花汤", ["egg"], [("紫菜", 5)]),
              ("土豆烧牛肉", [], [("牛肉", 60), ("土豆", 60)]), ("蒜蓉生菜", [], [("生菜", 100)]),
              ("冬瓜排骨汤", [], [("排骨", 40), ("冬瓜", 60)])],
    "dinner": [("馒头", ["gluten"], [("面粉", 80)]), ("麻婆豆腐", ["soy"], [("豆腐", 100)]),
               ("青椒土豆丝", [], [("土豆", 100)]), ("西红柿鸡蛋面", ["gluten", "egg"],
                                                     [("面条", 100), ("鸡蛋", 30)])],
}
KINDERGARTEN_DISHES = {
    "breakfast": [("南瓜小米粥", [], [("小米", 20), ("南瓜", 30)]),
                  ("鸡蛋羹", ["egg"], [("鸡蛋", 40)]), ("小花卷", ["gluten"], [("面粉", 30)])],
    "morning_snack": [("牛奶", ["milk"], [("牛奶", 150)]), ("苹果块", [], [("苹果", 80)])],
    "lunch": [("软米饭", [], [("大米", 60)]), ("肉末蒸蛋", ["egg"], [("鸡蛋", 40), ("猪肉", 20)]),
              ("胡萝卜炒肉丝", [], [("胡萝卜", 50), ("猪肉", 30)]), ("清蒸鲈鱼", ["fish"], [("鲈鱼", 50)]),
              ("菠菜豆腐汤", ["soy"], [("菠菜", 40), ("豆腐", 30)]), ("虾仁炒蛋", ["crustacean", "egg"],
                                                                 [("虾仁", 20), ("鸡蛋", 30)])],
    "afternoon_snack": [("香蕉", [], [("香蕉", 80)]), ("酸奶", ["milk"], [("酸奶", 100)]),
                        ("蒸红薯", [], [("红薯", 80)])],
}
SUPPLIERS = [
    ("绿源蔬菜配送有限公司", "蔬菜、水果", [("青菜", "kg", 450), ("土豆", "kg", 300), ("番茄", "kg", 600)]),
    ("金穗粮油商行", "大米、面粉、食用油", [("大米", "kg", 520), ("面粉", "kg", 480)]),
    ("鲜达肉类食品有限公司", "猪肉、鸡肉、鸡蛋", [("猪肉", "kg", 2800), ("鸡肉", "kg", 1900),
                                           ("鸡蛋", "kg", 1100)]),
]
MEAL_TIMES = {"breakfast": time(7, 20), "morning_snack": time(9, 40), "lunch": time(11, 50),
              "afternoon_snack": time(15, 10), "dinner": time(17, 40),
              "evening_snack": time(20, 0)}


def has_life() -> bool:
    return bool(db.session.scalar(select(func.count()).select_from(Dish)))


def live(tenant: TenantRef, days: int, rng: random.Random) -> None:
    """The canteen's last ``days`` days up to today and its menus to the end of next week;
    nothing when the school has dishes already."""
    if has_life():
        return
    # The settings and the calendar do not change while the demo writes: read them once.
    with services.reading_once():
        _live(tenant, days, rng)


def _live(tenant: TenantRef, days: int, rng: random.Random) -> None:
    today = school_today()
    first = today - timedelta(days=days)
    staff = people.staff(active_only=True)
    cook = _named(staff, "食堂管理员")
    director = _named(staff, "总务主任")
    slots = services.settings()["meal_slots"]
    dishes = _dishes(tenant, slots)
    served = services.remembered_school_days(first, today + timedelta(days=13 - today.weekday()))
    _menus(served, slots, dishes, rng)
    past = [day for day in served if day <= today]
    _suppliers_and_deliveries(past, today, cook, director, rng)
    _kitchen(staff, past, today, cook, rng)
    _counts(past, slots, cook, rng)
    _samples(past, today, slots, cook, rng)
    _hygiene(past, today, slots, cook, director, rng)


def _named(staff: list[people.StaffRef], position: str) -> str:
    return next((s.name for s in staff if s.position == position), position)


def _dishes(tenant: TenantRef, slots: list[str]) -> dict[str, list]:
    library = KINDERGARTEN_DISHES if tenant.type == "kindergarten" else SCHOOL_DISHES
    made: dict[str, list] = {}
    for slot in slots:
        for name, allergens, ingredients in library.get(slot, SCHOOL_DISHES["lunch"]):
            existing = db.session.scalar(select(Dish).where(Dish.name == name))
            dish = existing or menus.create_dish({
                "name": name, "allergens": allergens, "notes": "",
                "ingredients": [{"food": food, "grams": grams} for food, grams in ingredients]})
            made.setdefault(slot, []).append(dish)
    return made


def _menus(served: list[date], slots: list[str], dishes: dict[str, list],
           rng: random.Random) -> None:
    for day in served:
        for slot in slots:
            choice = dishes[slot]
            # Lunch has a staple, two dishes and a soup; other meals one or two things.
            wanted = [choice[0], *rng.sample(choice[1:], min(3, len(choice) - 1))] \
                if slot == "lunch" else rng.sample(choice, min(2, len(choice)))
            for position, dish in enumerate(wanted):
                menus.add_to_menu({"day": day, "slot": slot, "dish_id": dish.id,
                                   "position": position})


def _at(day: date, clock: time) -> datetime:
    return datetime.combine(day, clock, tzinfo=school_zone())


def _suppliers_and_deliveries(past: list[date], today: date, cook: str, director: str,
                              rng: random.Random) -> None:
    made = []
    for number, (name, supplies, foods) in enumerate(SUPPLIERS, 1):
        supplier = suppliers.create_supplier({
            "name": name, "credit_code": f"91310000MA1K{number:06d}", "contact": "",
            "phone": f"021-5555 010{number}", "address": "", "supplies": supplies})
        issued = today - timedelta(days=400 + 30 * number)
        # The vegetable supplier's food licence runs out soon: the office sees the warning.
        valid_until = today + timedelta(days=20) if number == 1 else issued + timedelta(days=5 * 365)
        suppliers.add_certificate(supplier.id, {"kind": "business_licence",
                                                "number": f"3101{number:08d}",
                                                "issued_on": issued, "valid_until": None}, today)
        suppliers.add_certificate(supplier.id, {"kind": "food_operation_licence",
                                                "number": f"JY1310000{number:05d}",
                                                "issued_on": issued, "valid_until": valid_until},
                                  today)
        made.append((supplier, foods))
    for index, day in enumerate(past):
        for supplier, foods in made[index % 2: index % 2 + 2] if index % 3 else made[:1]:
            items = [{"food": food, "unit": unit, "unit_price_fen": price,
                      "quantity": Decimal(rng.randrange(10, 40)),
                      "production_date": day - timedelta(days=1),
                      "shelf_life_days": 7 if unit == "kg" and food not in ("大米", "面粉") else 180,
                      "storage": "chilled" if food in ("猪肉", "鸡肉") else "ambient",
                      "temperature_c": Decimal("3.5") if food in ("猪肉", "鸡肉") else None,
                      "result": "accepted"} for food, unit, price in foods]
            receiving.create_delivery({"supplier_id": supplier.id, "day": day, "inspector": cook,
                                       "second_inspector": director, "items": items})
            # Fresh food goes to the kitchen the day it comes; of the staples, most of it.
            for item in items:
                keep = item["shelf_life_days"] > 7
                stock_out.issue({"day": day, "food": item["food"], "unit": item["unit"],
                                 "quantity": item["quantity"] * Decimal("0.8") if keep
                                 else item["quantity"]}, by=cook)


def _kitchen(staff: list[people.StaffRef], past: list[date], today: date, cook: str,
             rng: random.Random) -> None:
    kitchen = [s for s in staff if s.position in ("厨师", "帮厨", "面点师", "洗消员")]
    for number, member in enumerate(kitchen):
        worker = health.add_worker({"staff_id": member.id, "duty": member.position,
                                    "started_on": today - timedelta(days=700)})
        # One certificate runs out within the month: the nurse sees it coming.
        issued = today - timedelta(days=340 if number == 0 else rng.randrange(30, 200))
        health.add_certificate({"worker_id": worker.id, "number": f"JK{today.year}{number:05d}",
                                "issued_on": issued,
                                "valid_until": issued + timedelta(days=364),
                                "issued_by": "区疾病预防控制中心"}, today)
        for day in past:
            if day == today:
                continue  # today's checks are the kitchen's first work of the morning
            health.record_check({"worker_id": worker.id, "day": day,
                                 "checked_at": _at(day, time(6, 40 + number)),
                                 "checked_by": cook, "temperature":
                                     Decimal("36.") + Decimal(rng.randrange(1, 9)) / 10,
                                 "symptoms": [], "hand_wound": "none"})


def _counts(past: list[date], slots: list[str], cook: str, rng: random.Random) -> None:
    classes = people.classes()
    enrolled = people.enrolled_by_class()
    office = Principal(user_id=0, name=cook, tenant_id=None, school_roles=frozenset(),
                       district_roles=frozenset(),
                       permissions=frozenset({counts.REPORT, counts.MANAGE}))
    for day in past:
        reported_at = _at(day, time(8, 10))
        for school_class in classes:
            teacher = Principal(user_id=school_class.head_teacher_user_id or 0,
                                name=school_class.title, tenant_id=None,
                                school_roles=frozenset(), district_roles=frozenset(),
                                permissions=frozenset({counts.REPORT}))
            absent = rng.choice((0, 0, 0, 1, 1, 2))
            for slot in slots:
                counts.report_count({"day": day, "slot": slot, "class_id": school_class.id,
                                     "eaters": max(enrolled.get(school_class.id, 0) - absent, 0),
                                     "version": 0}, teacher, reported_at)
        for slot in slots:
            counts.report_count({"day": day, "slot": slot, "kind": STAFF,
                                 "eaters": rng.randrange(8, 15), "version": 0}, office,
                                reported_at)


def _samples(past: list[date], today: date, slots: list[str], cook: str,
             rng: random.Random) -> None:
    """A sample of every dish served before today, disposed of once its keeping time ended."""
    now = datetime.now(school_zone())
    for day in past:
        if day == today:
            continue  # the day's samples are taken as its meals are served
        for item, _dish in menus.menu(day, day):
            if item.slot not in slots:
                continue
            sample = samples.take_sample({
                "day": day, "slot": item.slot, "dish_id": item.dish_id,
                "grams": 125 + rng.randrange(0, 30), "taken_at": _at(day, MEAL_TIMES[item.slot]),
                "taken_by": cook, "cabinet": "留样柜1"})
            if sample.dispose_due_at <= now:
                samples.dispose_sample(sample.id, cook, sample.dispose_due_at)
    db.session.flush()


def _hygiene(past: list[date], today: date, slots: list[str], cook: str, director: str,
             rng: random.Random) -> None:
    """Every meal before today: the tableware disinfected, a school leader eating with the
    pupils (陪餐)."""
    for day in past:
        if day == today:
            continue
        for slot in slots:
            hygiene.record("disinfections", {
                "day": day, "slot": slot, "method": "steam", "temperature": Decimal("100.0"),
                "minutes": 15, "items": "餐盘、碗筷", "done_by": cook}, today)
            hygiene.record("accompanied_meals", {
                "day": day, "slot": slot, "leader_name": director, "leader_title": "总务主任",
                "rating": rng.choice((4, 5, 5)), "remarks": ""}, today)
