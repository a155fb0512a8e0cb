"""What the canteen's daily food-safety report (食安日报) costs, against the bare SQL queries
that fetch the same rows.

One run, from the repository root::

    .venv/bin/python bench/canteen_daily_report.py [--sizes 300,3000,30000] [--repeat 15]

It creates its own PostgreSQL database and migrates it in-process as ``houqin db upgrade``
does (``core.migrate.upgrade``: migrations, the app role, grants, row-level security). It
provisions two primary schools per size through ``tenants.manifests.apply_manifest`` with the
canteen module on (tuck shop on too), and writes, as the owner with SQLAlchemy Core, a
realistic school of that many students: grades 1-6 in classes of about 40 with their head
teachers, the enrolled students, a term, a dish library, and for the measured day and the
school days before it the menus, samples, meal counts, kitchen workers with their health
certificates and morning checks, hygiene logs, deliveries with their items, stock lots and
issues, and the tuck shop's batches and sales. The second school of each size ("twin") holds
the same kind of data, so row-level security has rows of another school to filter.

Then, per size, it times in interleaved rounds:

* the report: ``plugins.canteen.services.report.daily_report(day, now)`` in-process, inside an
  app context with the school in context (``core.tenancy.tenant_context``), through the app's
  session as the app role with row-level security, exactly as a request or the daily job
  builds it (a fresh session each time);
* the raw queries: plain ``text()`` SQL with ``WHERE tenant_id = :t`` on an owner connection,
  no ORM, fetching the rows each section of the report reads (``RAW_SECTIONS`` below).

It prints per size the median time of each, their ratio (target: the report costs at most 3x
its raw queries), how each grows from one size to the next, the SQL statements and rows each
side reads, and the statements the report repeats (a loop per class or per row shows up
there). It is a report, not a test: it exits 0 whether or not the target is met, and non-zero
only when it could not measure.

Only 127.0.0.1 is used; every timing loop is bounded in count and in time. The database is
dropped at the end, whatever happens (unless ``--keep-db``).
"""

from __future__ import annotations

import argparse
import calendar
import gc
import itertools
import json
import os
import platform
import random
import re
import statistics
import sys
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import create_engine, event, text

REPO = Path(__file__).resolve().parent.parent
BENCH = REPO / "bench"
sys.path[:0] = [str(REPO), str(BENCH)]

from request_overhead import (  # noqa: E402  (the same helpers as the other benchmark)
    ScratchDatabase,
    backend_pids,
    code_version,
    cpu_seconds,
    machine_busy,
    spread,
    system_cpu,
)

TARGET_RATIO = 3.0
SPREAD_GROUPS = 5  # the paired rounds are judged in this many consecutive groups


def on_cpu_ms(pids: list[int]) -> float:
    """Milliseconds these processes have run on a CPU (``/proc/<pid>/schedstat``: nanosecond
    resolution, where ``/proc/<pid>/stat`` counts 10 ms ticks, too coarse for one report)."""
    total = 0
    for pid in pids:
        try:
            total += int(Path(f"/proc/{pid}/schedstat").read_text().split()[0])
        except (OSError, ValueError, IndexError):
            continue
    return total / 1e6
ZONE = ZoneInfo("Asia/Shanghai")
SLOTS = ("breakfast", "lunch")
DISHES_PER_SLOT = 6
STUDENTS_PER_CLASS = 40
BREAKDOWN_ROUNDS = 9  # extra rounds with each section timed apart
GRADES = ("一年级", "二年级", "三年级", "四年级", "五年级", "六年级")


class BenchError(RuntimeError):
    """The benchmark could not measure (as opposed to: it measured a poor ratio)."""


# --- the realistic school day ------------------------------------------------------------

SURNAMES = ("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘"
            "于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦"
            "邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤")
GIVEN = ("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉萍红娥玲芬燕彬鹏辉建波宁"
         "欣怡梓涵子轩浩宇一诺雨桐思远嘉怡俊杰梦琪佳琪晨阳博文语嫣")
DISHES = (
    "番茄炒蛋", "青椒肉丝", "红烧鸡块", "清炒时蔬", "土豆丝", "宫保鸡丁", "鱼香肉丝", "麻婆豆腐",
    "红烧排骨", "蒜蓉西兰花", "冬瓜汤", "紫菜蛋花汤", "白米饭", "馒头", "花卷", "小米粥", "八宝粥",
    "鸡蛋", "牛奶", "豆浆", "包子", "油条", "蒸南瓜", "玉米", "胡萝卜炒肉", "香菇青菜", "糖醋里脊",
    "清蒸鱼", "可乐鸡翅", "木须肉", "酸辣土豆丝", "炒豆芽", "凉拌黄瓜", "西红柿牛腩", "咖喱鸡",
    "卤蛋", "葱油饼", "蔬菜面", "鸡蛋羹", "肉末茄子", "干煸豆角", "韭菜炒蛋", "海带汤", "白菜豆腐",
    "红烧狮子头", "水果", "酸奶", "蒸红薯", "绿豆汤", "肉龙",
)
ALLERGENS_OF = {"番茄炒蛋": ["egg"], "紫菜蛋花汤": ["egg"], "鸡蛋": ["egg"], "牛奶": ["milk"],
                "豆浆": ["soy"], "麻婆豆腐": ["soy"], "清蒸鱼": ["fish"], "宫保鸡丁": ["peanut"],
                "馒头": ["gluten"], "包子": ["gluten"], "油条": ["gluten"], "酸奶": ["milk"]}
# (food, unit, fen per unit, storage, shelf life in days, quantity per 100 students)
FOODS = (
    ("大白菜", "kg", 180, "ambient", 5, 6), ("土豆", "kg", 260, "ambient", 20, 5),
    ("番茄", "kg", 450, "ambient", 5, 4), ("黄瓜", "kg", 380, "ambient", 4, 3),
    ("青椒", "kg", 520, "ambient", 5, 2), ("西兰花", "kg", 780, "chilled", 4, 3),
    ("胡萝卜", "kg", 300, "ambient", 15, 2), ("豆芽", "kg", 250, "chilled", 2, 2),
    ("冬瓜", "kg", 200, "ambient", 10, 4), ("茄子", "kg", 420, "ambient", 5, 2),
    ("猪肉", "kg", 2800, "chilled", 3, 4), ("鸡腿", "kg", 2200, "frozen", 180, 4),
    ("排骨", "kg", 4200, "frozen", 180, 2), ("鲈鱼", "kg", 3600, "chilled", 2, 2),
    ("牛腩", "kg", 7600, "frozen", 180, 1), ("鸡蛋", "kg", 1100, "chilled", 30, 5),
    ("豆腐", "kg", 600, "chilled", 3, 3), ("牛奶", "box", 300, "chilled", 21, 100),
    ("酸奶", "cup", 350, "chilled", 21, 50), ("苹果", "kg", 900, "ambient", 20, 8),
    ("香菇", "kg", 1600, "chilled", 7, 1),
)
# Dry goods stocked by hand (an opening balance), drawn on every day.
DRY_GOODS = (("大米", "kg", 620, 365, 15), ("面粉", "kg", 480, 270, 6),
             ("食用油", "L", 1500, 540, 2), ("酱油", "L", 900, 540, 1),
             ("食盐", "kg", 300, 1000, 1), ("小米", "kg", 900, 300, 1))
TUCK_PRODUCTS = (("矿泉水", "瓶", 200, 365), ("面包", "个", 350, 7), ("纯牛奶", "盒", 300, 180),
                 ("饼干", "包", 450, 240), ("铅笔", "支", 100, None), ("橡皮", "块", 150, None),
                 ("作业本", "本", 250, None), ("果汁", "瓶", 400, 270), ("酸奶", "杯", 500, 21),
                 ("苹果", "个", 300, 14))


def name_of(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, clock(hour, minute), tzinfo=ZONE)


def fen(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def add_months(day: date, months: int) -> date:
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def school_days_before(day: date, count: int) -> list[date]:
    days, probe = [], day
    while len(days) < count:
        probe -= timedelta(days=1)
        if probe.weekday() < 5:
            days.append(probe)
    return sorted(days)


@dataclass
class Plan:
    """The size of one school, derived from its number of students."""

    students: int
    classes: int
    workers: int
    deliveries: int  # on the measured day
    sales: int  # tuck-shop sales a day

    @classmethod
    def of(cls, students: int) -> Plan:
        return cls(students, max(len(GRADES), round(students / STUDENTS_PER_CLASS)),
                   max(5, students // 100), 1 if students <= 1000 else 2 if students <= 10000
                   else 3, max(10, students // 30))


class Writer:
    """Bulk inserts with SQLAlchemy Core as the owner, every row stamped with the school."""

    def __init__(self, connection, tables, tenant_id: int, batch: int) -> None:
        self.connection, self.tables, self.tenant_id, self.batch = (
            connection, tables, tenant_id, batch)
        self.rows: dict[str, int] = Counter()

    def put(self, table: str, rows: list[dict]) -> None:
        if not rows:
            return
        target = self.tables[table]
        for row in rows:
            row["tenant_id"] = self.tenant_id
        for start in range(0, len(rows), self.batch):
            self.connection.execute(target.insert(), rows[start:start + self.batch])
        self.rows[table] += len(rows)


def generate(connection, tables, tenant_id: int, plan: Plan, day: date, now: datetime,
             history: int, seed: int, batch: int) -> dict[str, int]:
    """One school's registers and a realistic day (and ``history`` school days before it) of
    canteen records, valid for the canteen's services. Returns the rows written per table."""
    from core.db import uuid7

    rng = random.Random(seed)
    w = Writer(connection, tables, tenant_id, batch)
    days = [*school_days_before(day, history), day]
    # 2 school days back, the breakfast samples were not disposed of: overdue on the day.
    forgotten = days[-3] if len(days) >= 3 else None

    # Calendar: an academic year and a term (Monday to Friday) around the day.
    year_id, term_id = uuid7(), uuid7()
    w.put("academic_years", [{"id": year_id, "name": f"{day.year}学年",
                              "start_date": day - timedelta(days=150),
                              "end_date": day + timedelta(days=200)}])
    w.put("terms", [{"id": term_id, "academic_year_id": year_id, "name": "本学期",
                     "start_date": day - timedelta(days=100), "end_date": day + timedelta(days=60),
                     "weekdays": [0, 1, 2, 3, 4]}])

    # People: grades, head teachers, classes, students.
    grades = [{"id": uuid7(), "name": name, "level": level + 1}
              for level, name in enumerate(GRADES)]
    w.put("grades", grades)
    staff, classes = [], []
    for n in range(plan.classes):
        grade = grades[n * len(grades) // plan.classes]
        number = sum(1 for c in classes if c["grade_id"] == grade["id"]) + 1
        teacher = {"id": uuid7(), "name": name_of(rng), "position": "班主任",
                   "phone": f"139{rng.randrange(10**8):08d}", "user_id": None, "active": True}
        staff.append(teacher)
        classes.append({"id": uuid7(), "grade_id": grade["id"], "name": f"{number}班",
                        "head_teacher_id": teacher["id"], "status": "active"})
    kitchen_staff = [{"id": uuid7(), "name": name_of(rng),
                      "position": rng.choice(("厨师", "帮厨", "面点师", "洗消员", "配餐员")),
                      "phone": f"137{rng.randrange(10**8):08d}", "user_id": None, "active": True}
                     for _ in range(plan.workers + 1)]  # one left the kitchen last month
    others = [{"id": uuid7(), "name": name_of(rng), "position": position, "phone": None,
               "user_id": None, "active": True}
              for position in ("校长", "副校长", "总务主任", "食堂管理员", "校医")]
    w.put("staff", staff + kitchen_staff + others)
    w.put("classes", classes)
    enrolled: Counter = Counter()
    students = []
    for n in range(plan.students):
        school_class = classes[n % plan.classes]
        grade_level = next(g["level"] for g in grades if g["id"] == school_class["grade_id"])
        status = "enrolled" if n % 97 else "transferred"  # about 1 % moved away
        if status == "enrolled":
            enrolled[school_class["id"]] += 1
        students.append({
            "id": uuid7(), "student_no": f"{day.year - grade_level}{n:06d}", "name": name_of(rng),
            "gender": "male" if n % 2 else "female",
            "birth_date": date(day.year - 6 - grade_level, 1 + n % 12, 1 + n % 28),
            "class_id": school_class["id"], "boarding": False, "status": status,
            "allergies": "花生" if n % 61 == 0 else "", "dietary_notes": ""})
    w.put("students", students)
    del students

    # Dishes and menus; a sample of every dish served, but one on the day.
    dishes = [{"id": uuid7(), "name": name, "allergens": ALLERGENS_OF.get(name, []), "notes": "",
               "active": True, "created_at": now - timedelta(days=200), "photo_id": None}
              for name in DISHES]
    w.put("canteen_dishes", dishes)
    w.put("canteen_dish_ingredients", [
        {"id": uuid7(), "dish_id": dish["id"], "food": food[0], "grams": rng.randrange(20, 150)}
        for dish in dishes for food in rng.sample(FOODS, 3)])
    cooks = [s["name"] for s in kitchen_staff[:plan.workers]]
    menu, samples = [], []
    for number, served_on in enumerate(days):
        for slot in SLOTS:
            start = (number * 7 + (0 if slot == "breakfast" else 25)) % len(dishes)
            served = [dishes[(start + k) % len(dishes)] for k in range(DISHES_PER_SLOT)]
            for position, dish in enumerate(served):
                menu.append({"id": uuid7(), "day": served_on, "slot": slot,
                             "dish_id": dish["id"], "position": position})
                if served_on == day and slot == "lunch" and position == DISHES_PER_SLOT - 1:
                    continue  # the day's one missing sample
                taken = at(served_on, 7 if slot == "breakfast" else 11, 30 + position)
                due = taken + timedelta(hours=48)
                disposed = (due + timedelta(hours=1) <= now
                            and not (served_on == forgotten and slot == "breakfast"))
                samples.append({
                    "id": uuid7(), "day": served_on, "slot": slot, "dish_id": dish["id"],
                    "grams": rng.choice((130, 150, 160, 200)), "taken_at": taken,
                    "taken_by": rng.choice(cooks), "cabinet": "留样柜1",
                    "dispose_due_at": due,
                    "disposed_at": due + timedelta(hours=1) if disposed else None,
                    "disposed_by": rng.choice(cooks) if disposed else None})
    w.put("canteen_menu_items", menu)
    w.put("canteen_samples", samples)

    # Meal counts: every class and the staff, for every meal of every day.
    counts = []
    staff_eaters = plan.classes + plan.workers
    for served_on in days:
        for slot in SLOTS:
            for school_class, teacher in zip(classes, staff, strict=True):
                late = rng.random() < 0.01
                counts.append({
                    "id": uuid7(), "day": served_on, "slot": slot,
                    "unit": str(school_class["id"]), "class_id": school_class["id"],
                    "eaters": max(0, enrolled[school_class["id"]] - rng.choice((0, 0, 0, 1, 2))),
                    "version": 2 if late else 1, "reported_by": teacher["name"],
                    "reported_at": at(served_on, 9, 30) if late else at(served_on, 7, 40),
                    "late": late})
            counts.append({"id": uuid7(), "day": served_on, "slot": slot, "unit": "staff",
                           "class_id": None, "eaters": staff_eaters, "version": 1,
                           "reported_by": others[3]["name"], "reported_at": at(served_on, 8, 0),
                           "late": False})
    w.put("canteen_meal_counts", counts)
    del counts

    # Kitchen workers, health certificates (last year's and this year's), morning checks.
    workers = [{"id": uuid7(), "staff_id": person["id"], "duty": person["position"],
                "started_on": day - timedelta(days=rng.randrange(400, 2000)), "ended_on": None}
               for person in kitchen_staff]
    workers[-1]["ended_on"] = day - timedelta(days=30)
    w.put("canteen_kitchen_workers", workers)
    certificates = []
    for number, worker in enumerate(workers):
        # About 3 % run out within 30 days (a warning); the others later in the year.
        left = rng.randrange(8, 30) if number % 33 == 1 else rng.randrange(31, 360)
        valid_until = day + timedelta(days=left)
        issued = valid_until - timedelta(days=364)
        for issued_on in (issued - timedelta(days=365), issued):
            certificates.append({
                "id": uuid7(), "worker_id": worker["id"],
                "number": f"JK{issued_on:%Y}{rng.randrange(10**6):06d}", "issued_on": issued_on,
                "valid_until": issued_on + timedelta(days=364), "issued_by": "区疾病预防控制中心",
                "scan_id": None, "created_at": at(issued_on, 10), "voided_at": None,
                "voided_by": None, "void_reason": None})
    w.put("canteen_health_certificates", certificates)
    checks = []
    for served_on in days:
        for number, worker in enumerate(workers[:-1]):
            failing = served_on == day and number == 2  # one fever on the day
            checks.append({
                "id": uuid7(), "day": served_on, "worker_id": worker["id"],
                "temperature": Decimal("37.9") if failing else Decimal(
                    rng.choice(("36.2", "36.4", "36.5", "36.6", "36.8"))),
                "symptoms": [], "other_symptom": "", "hand_wound": "none", "remarks": "",
                "fever_from": Decimal("37.3"), "passed": not failing,
                "failed_because": ["temperature"] if failing else [],
                "checked_by": others[3]["name"],
                "checked_at": at(served_on, 6, 30 + number % 25)})
    w.put("canteen_morning_checks", checks)

    # Hygiene logs: disinfection after each meal, a leader's accompanied lunch, waste handed
    # over daily, pest control once in the period.
    manager = others[3]["name"]
    w.put("canteen_disinfections", [
        {"id": uuid7(), "day": served_on, "slot": slot, "method": "steam",
         "temperature": Decimal("100.0"), "agent": "", "minutes": 20, "items": "餐盘、碗筷",
         "done_by": rng.choice(cooks), "recorded_at": at(served_on, 9 if slot == "breakfast"
                                                          else 13, 30),
         "voided_at": None, "voided_by": None, "void_reason": None}
        for served_on in days for slot in SLOTS])
    w.put("canteen_accompanied_meals", [
        {"id": uuid7(), "day": served_on, "slot": "lunch", "leader_name": others[n % 2]["name"],
         "leader_title": others[n % 2]["position"], "rating": rng.choice((4, 5)),
         "remarks": "菜品口味适中，分量充足", "recorded_at": at(served_on, 12, 40),
         "voided_at": None, "voided_by": None, "void_reason": None}
        for n, served_on in enumerate(days)])
    w.put("canteen_waste_handovers", [
        {"id": uuid7(), "day": served_on, "kind": "food_waste",
         "kilograms": Decimal(plan.students) / 20, "collector": "周师傅",
         "collector_company": "城市餐厨垃圾处理有限公司", "receipt_no": f"CC{served_on:%m%d}01",
         "handed_over_by": manager, "recorded_at": at(served_on, 14),
         "voided_at": None, "voided_by": None, "void_reason": None} for served_on in days])
    w.put("canteen_pest_controls", [
        {"id": uuid7(), "day": days[0], "area": "后厨及库房", "method": "粘鼠板、灭蟑胶饵",
         "done_by": "外包人员", "contractor": "康洁有害生物防制公司", "remarks": "",
         "recorded_at": at(days[0], 16), "voided_at": None, "voided_by": None,
         "void_reason": None}])

    # Suppliers with their licences (one runs out within 30 days; one retired supplier has
    # lapsed), deliveries with their items, stock lots and the day's issues.
    suppliers = [{"id": uuid7(), "name": name, "credit_code": f"91{tenant_id:04d}{n:012d}",
                  "contact": name_of(rng), "phone": f"135{rng.randrange(10**8):08d}",
                  "address": "市农产品批发市场", "supplies": supplies, "active": n < 3,
                  "created_at": now - timedelta(days=300)}
                 for n, (name, supplies) in enumerate((
                     ("绿源蔬菜配送有限公司", "蔬菜、豆制品"), ("康达肉类食品有限公司", "肉类、禽类、水产"),
                     ("光明乳业经销部", "乳制品、蛋类、水果"), ("老王粮油店", "粮油")))]
    w.put("canteen_suppliers", suppliers)
    licences = []
    for n, supplier in enumerate(suppliers):
        for kind, valid_until in (("business_licence", None),
                                  ("food_operation_licence",
                                   day + timedelta(days=20) if n == 1 else
                                   day - timedelta(days=40) if n == 3 else
                                   day + timedelta(days=400)),
                                  ("inspection_report", day + timedelta(days=90))):
            licences.append({"id": uuid7(), "supplier_id": supplier["id"], "kind": kind,
                             "number": f"{kind[:2].upper()}{rng.randrange(10**9):09d}",
                             "issued_on": day - timedelta(days=330), "valid_until": valid_until,
                             "scan_file_id": None, "created_at": now - timedelta(days=300)})
    w.put("canteen_certificates", licences)

    deliveries, items, lots, movements = [], [], [], []
    day_lots: list[tuple[dict, Decimal]] = []  # the lots the day's issues draw on
    for number, served_on in enumerate(days):
        count = plan.deliveries if served_on == day else 1
        for k in range(count):
            supplier = suppliers[(number + k) % 3]
            delivery_id = uuid7()
            created = at(served_on, 6, 40 + k)
            foods = [FOODS[(n + k * 7) % len(FOODS)] for n in range(20)]
            delivery_items, expiries = [], []
            for position, (food, unit, price, storage, shelf, per100) in enumerate(foods):
                quantity = Decimal(max(1, plan.students * per100 // 100 // count))
                rejected = served_on == day and k == 0 and position == 3
                produced = served_on - timedelta(days=1 if shelf < 30 else 20)
                expiry = produced + timedelta(days=shelf)
                expiries.append(expiry)
                item = {
                    "id": uuid7(), "delivery_id": delivery_id, "position": position,
                    "food": food, "quantity_milli": int(quantity * 1000), "unit": unit,
                    "unit_price_fen": price, "amount_fen": fen(quantity * price),
                    "batch": f"{produced:%Y%m%d}-{position}", "production_date": produced,
                    "shelf_life_days": shelf, "expiry_date": expiry, "storage": storage,
                    "temperature_deci": {"chilled": 40, "frozen": -180}.get(storage),
                    "result": "rejected" if rejected else "accepted",
                    "reject_reason": "叶片发黄，不新鲜" if rejected else ""}
                delivery_items.append(item)
            accepted = [i for i in delivery_items if i["result"] == "accepted"]
            deliveries.append({
                "id": delivery_id, "supplier_id": supplier["id"], "day": served_on,
                "inspector": manager, "second_inspector": rng.choice(cooks), "note": "",
                "total_fen": sum(i["amount_fen"] for i in accepted),
                "keep_until": max([add_months(served_on, 24),
                                   *(add_months(e, 6) for e in expiries)]),
                "created_at": created, "voided_at": None, "voided_by": None,
                "void_reason": None})
            items += delivery_items
            for item in accepted:
                quantity = Decimal(item["quantity_milli"]) / 1000
                price = Decimal(item["unit_price_fen"])
                lot = {"id": uuid7(), "food": item["food"], "unit": item["unit"],
                       "batch": item["batch"], "production_date": item["production_date"],
                       "expiry_date": item["expiry_date"], "unit_price_fen": price,
                       "received_on": served_on, "delivery_item_id": item["id"],
                       "created_at": created}
                lots.append(lot)
                movements.append(_movement(lot, "in", quantity, served_on, manager, created))
                if served_on == day:
                    day_lots.append((lot, quantity))
                else:  # earlier days' fresh food was used up on its day
                    movements.append(_movement(lot, "out", -quantity, served_on, manager,
                                               at(served_on, 9), slot="lunch",
                                               issue_id=uuid7()))
    # Dry goods entered by hand a few weeks ago, drawn on daily; one lot of flour expires
    # within the warning days, one of soy sauce has expired and is still on the shelf.
    opened = day - timedelta(days=25)
    for food, unit, price, shelf, per100 in DRY_GOODS:
        quantity = Decimal(max(5, plan.students * per100 // 100 * 30))
        expiry = (day + timedelta(days=2) if food == "面粉" else
                  day - timedelta(days=1) if food == "酱油" else opened + timedelta(days=shelf))
        lot = {"id": uuid7(), "food": food, "unit": unit, "batch": f"{opened:%Y%m%d}",
               "production_date": opened - timedelta(days=10), "expiry_date": expiry,
               "unit_price_fen": Decimal(price), "received_on": opened, "delivery_item_id": None,
               "created_at": at(opened, 15)}
        lots.append(lot)
        movements.append(_movement(lot, "in", quantity, opened, manager, at(opened, 15)))
        if food != "酱油":
            daily = max(Decimal(1), (quantity / 40).quantize(Decimal("0.001")))
            for served_on in days[:-1]:
                movements.append(_movement(lot, "out", -daily, served_on, manager,
                                           at(served_on, 9), slot="lunch", issue_id=uuid7()))
            day_lots.append((lot, daily * 2))
    # The day's issues: about 70 % of the fresh food, half for each meal, one taken back.
    for number, (lot, quantity) in enumerate(day_lots):
        for slot in SLOTS:
            share = (quantity * Decimal("0.35")).quantize(Decimal("0.001"))
            issue_id = uuid7()
            issued_at = at(day, 6 if slot == "breakfast" else 10, 10 + number % 40)
            movements.append(_movement(lot, "out", -share, day, manager, issued_at, slot=slot,
                                       issue_id=issue_id))
            if number == 1 and slot == "breakfast":
                movements.append(_movement(lot, "return", share, day, manager,
                                           issued_at + timedelta(minutes=20), slot=slot,
                                           issue_id=issue_id, reason="领错了"))
    w.put("canteen_deliveries", deliveries)
    w.put("canteen_delivery_items", items)
    w.put("canteen_stock_lots", lots)
    w.put("canteen_stock_movements", movements)

    # The tuck shop: products, batches (one expired with goods left, one expiring soon),
    # the day's sales (one voided) and those of the days before.
    products, batches = [], []
    for n, (name, unit, price, shelf) in enumerate(TUCK_PRODUCTS):
        product = {"id": uuid7(), "name": name, "barcode": f"69{tenant_id:03d}{n:08d}",
                   "unit": unit, "price_fen": price, "shelf_life_days": shelf, "active": True,
                   "created_at": now - timedelta(days=200)}
        products.append(product)
        expires = (day - timedelta(days=2) if n == 1 else day + timedelta(days=3) if n == 8 else
                   day + timedelta(days=max(shelf or 3000, 30) - 20))
        received = day - timedelta(days=15)
        stocked = max(50, plan.sales * 8)
        batches.append({"id": uuid7(), "product_id": product["id"], "quantity": stocked,
                        "on_hand": stocked, "cost_fen": price * 7 // 10,
                        "produced_on": received - timedelta(days=1), "expires_on": expires,
                        "received_on": received, "received_by": manager,
                        "received_at": at(received, 15)})
    sales, draws = [], []
    by_product = {b["product_id"]: b for b in batches}
    for served_on in days:
        for k in range(plan.sales):
            product = products[(k * 7) % len(products)]
            batch = by_product[product["id"]]
            if batch["expires_on"] < served_on:
                product = products[0]
                batch = by_product[product["id"]]
            quantity = 1 + k % 2
            voided = served_on == day and k == 5
            sale = {"id": uuid7(), "product_id": product["id"], "quantity": quantity,
                    "unit_price_fen": product["price_fen"],
                    "total_fen": quantity * product["price_fen"], "day": served_on,
                    "sold_at": at(served_on, 10 + k % 7, k % 60), "sold_by": manager,
                    "request_key": None, "voided_at": at(served_on, 17) if voided else None,
                    "voided_by": manager if voided else None,
                    "void_reason": "扫码重复" if voided else None}
            sales.append(sale)
            draws.append({"id": uuid7(), "sale_id": sale["id"], "batch_id": batch["id"],
                          "quantity": quantity})
            if not voided:
                batch["on_hand"] -= quantity
    w.put("canteen_tuck_products", products)
    w.put("canteen_tuck_batches", batches)
    w.put("canteen_tuck_sales", sales)
    w.put("canteen_tuck_sale_draws", draws)
    return dict(w.rows)


def _movement(lot: dict, kind: str, quantity: Decimal, on: date, by: str, when: datetime,
              slot: str | None = None, issue_id: uuid.UUID | None = None,
              reason: str = "") -> dict:
    from core.db import uuid7

    cost = fen(abs(quantity) * lot["unit_price_fen"])
    return {"id": uuid7(), "lot_id": lot["id"], "kind": kind, "quantity": quantity,
            "cost_fen": cost if quantity >= 0 else -cost, "day": on, "slot": slot,
            "issue_id": issue_id, "count_id": None, "reason": reason, "recorded_by": by,
            "recorded_at": when}


def manifest(sizes: list[int]) -> str:
    lines = ["# Written by bench/canteen_daily_report.py into its own database, removed at the end.",
             "[district]", 'slug = "bench"', 'name = "基准测试区"', ""]
    for size in sizes:
        for slug, title in ((f"s{size}", f"{size}人小学"), (f"s{size}-twin", f"{size}人小学（二）")):
            lines += ["[[schools]]", f'slug = "{slug}"', f'name = "{title}"', 'type = "primary"',
                      'modules = ["canteen"]',
                      'settings = { canteen = { tuck_shop = true, '
                      'meal_slots = ["breakfast", "lunch"] } }', ""]
    return "\n".join(lines)


# --- measuring -----------------------------------------------------------------------------


@dataclass
class Tally:
    """SQL statements and rows seen on a connection while ``on``."""

    on: bool = False
    statements: list[tuple[str, int]] = field(default_factory=list)

    def listen(self, engine) -> None:
        @event.listens_for(engine, "after_cursor_execute")
        def _seen(conn, cursor, statement, parameters, context, executemany):
            if self.on:
                rows = cursor.rowcount if cursor.description is not None else 0
                self.statements.append((" ".join(statement.split()), max(rows, 0)))

    def take(self) -> list[tuple[str, int]]:
        taken, self.statements = self.statements, []
        return taken


class GcClock:
    """Time spent in the garbage collector of this process (``gc.callbacks``)."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self._started: float | None = None

    def __call__(self, phase: str, info: dict) -> None:
        if phase == "start":
            self._started = time.perf_counter()
        elif self._started is not None:
            self.seconds += time.perf_counter() - self._started
            self._started = None


def shape(statement: str) -> str:
    """A statement without its literals, to find the ones sent over and over."""
    return re.sub(r"\d+", "N", re.sub(r"'[^']*'", "?", statement))[:160]


@dataclass
class SizeResult:
    students: int
    tenant_id: int
    rows_written: dict[str, int]
    generate_s: float
    report_ms: list[float] = field(default_factory=list)
    report_cpu_ms: list[float] = field(default_factory=list)
    report_gc_ms: list[float] = field(default_factory=list)
    heap_objects: int = 0  # objects the collector tracks in this process when measuring
    others_cpu_share: float = 0.0  # of the machine, used by other processes while measuring
    raw_ms: list[float] = field(default_factory=list)
    raw_cpu_ms: list[float] = field(default_factory=list)
    raw_gc_ms: list[float] = field(default_factory=list)
    report_db_cpu_ms: list[float] = field(default_factory=list)  # its PostgreSQL backend's
    raw_db_cpu_ms: list[float] = field(default_factory=list)
    report_statements: int = 0
    report_rows: int = 0
    raw_statements: int = 0
    raw_rows: int = 0
    raw_rows_by_section: dict[str, int] = field(default_factory=dict)
    repeated: list[tuple[str, int]] = field(default_factory=list)
    by_section: dict[str, dict[str, float]] = field(default_factory=dict)
    report_status: str = ""
    report_missing: list[str] = field(default_factory=list)
    report_warnings: list[str] = field(default_factory=list)
    sections: list[str] = field(default_factory=list)
    checks: dict[str, object] = field(default_factory=dict)

    @property
    def report_median(self) -> float:
        return statistics.median(self.report_ms)

    @property
    def raw_median(self) -> float:
        return statistics.median(self.raw_ms)

    @property
    def ratio(self) -> float:
        return self.report_median / self.raw_median if self.raw_median else 0.0

    def cost_groups(self, groups: int = SPREAD_GROUPS) -> list[float]:
        """The CPU-cost ratio (report ÷ raw: this process's CPU plus its PostgreSQL
        backend's) of consecutive groups of paired rounds, one figure per group."""
        report = [a + b for a, b in zip(self.report_cpu_ms, self.report_db_cpu_ms, strict=True)]
        raw = [a + b for a, b in zip(self.raw_cpu_ms, self.raw_db_cpu_ms, strict=True)]
        size = max(1, len(report) // groups)
        found = []
        for first in range(0, size * min(groups, len(report)), size):
            bare = sum(raw[first:first + size])
            if bare:
                found.append(sum(report[first:first + size]) / bare)
        return found

    @property
    def cost_ratio(self) -> float:
        groups = self.cost_groups()
        return statistics.median(groups) if groups else 0.0

    @property
    def ratio_without_gc(self) -> float:
        """The ratio had the garbage collector not run during either side's rounds."""
        report = statistics.median(a - b for a, b in zip(self.report_ms, self.report_gc_ms,
                                                         strict=True))
        raw = statistics.median(a - b for a, b in zip(self.raw_ms, self.raw_gc_ms, strict=True))
        return report / raw if raw else 0.0


def validate_day(day: date, now: datetime, plan: Plan) -> dict[str, object]:
    """Read the generated day back through the canteen's own services (school in context):
    the data must be what they expect, or the timings mean nothing."""
    from core.sdk import is_school_day
    from plugins.canteen.services import (
        counts,
        health,
        hygiene,
        samples,
        stock,
        suppliers,
        tuckshop,
    )

    found = {
        "school_day": is_school_day(day),
        "unreported_meals": len(counts.unreported(day)),
        "samples_missing": len(samples.sample_day(day, now)["missing"]),
        "samples_overdue": len(samples.sample_day(day, now)["overdue"]),
        "workers_expected": len(health.day_checks(day).workers),
        "checks_missing": len(health.day_checks(day).missing),
        "off_work": len(health.off_work(day)),
        "without_certificate": len(health.workers_without_certificate(day)),
        "coverage_missing": hygiene.coverage(day, day)[0].missing,
        "suppliers_expired": len(suppliers.expired_suppliers(day)),
        "lots_on_hand": len(stock.on_hand()),
        "lots_expired_on_hand": len(stock.expired_on_hand(day)),
        "tuck_shop_open": tuckshop.is_open(),
        "tuck_expired_batches": len(tuckshop.expired_batches(day)),
    }
    expected = {"school_day": True, "unreported_meals": 0, "samples_missing": 1,
                "workers_expected": plan.workers, "checks_missing": 0, "off_work": 1,
                "without_certificate": 0, "coverage_missing": [], "suppliers_expired": 0,
                "lots_expired_on_hand": 1, "tuck_shop_open": True, "tuck_expired_batches": 1}
    wrong = {k: (found[k], v) for k, v in expected.items() if found[k] != v}
    if wrong:
        raise BenchError("the generated day does not read back as planned through the "
                         "services: " + ", ".join(f"{k} = {a!r}, expected {b!r}"
                                                  for k, (a, b) in wrong.items()))
    return found


# --- the bare queries ----------------------------------------------------------------------
#
# Plain SQL on the owner's connection (no ORM, no row-level security), every school table
# filtered by ``tenant_id = :t``: first what ``daily_report`` itself reads, then one list per
# section of ``plugins.canteen.services.report.SECTIONS`` in the same order. Each fetches the
# rows that section's service calls read, as the report reads them since it reads each thing
# once (bench/README.md: the fixes after 3ac82a3). The list written against 3ac82a3 fetched
# what that report read, the certificate history, every sale and every kitchen worker
# among it; it is in the git history.
#
# * every distinct read once: a read the report repeats is fetched once, in the first
#   section that needs it;
# * a lookup by ids that follows a query (staff of the workers, supplier names) is a join of
#   that query, as one writes it by hand;
# * whole rows (``x.*``) where the services load model instances, the same columns where they
#   select columns or sums.
#
# ``:day`` is the report's day, ``:now`` its moment.

RAW_SECTIONS: list[tuple[str, list[str]]] = [
    ("day", [
        # daily_report: the day's menu (for the samples and whether it is a meal day), is it
        # a school day (core.calendar.school_days), the canteen settings (services.settings())
        """SELECT m.*, d.* FROM canteen_menu_items m
           JOIN canteen_dishes d ON d.tenant_id = m.tenant_id AND d.id = m.dish_id
           WHERE m.tenant_id = :t AND m.day = :day
           ORDER BY m.day, m.slot, m.position, d.name""",
        "SELECT * FROM terms WHERE tenant_id = :t AND start_date <= :day AND end_date >= :day",
        "SELECT * FROM calendar_days WHERE tenant_id = :t AND day = :day",
        "SELECT settings FROM tenant_modules WHERE tenant_id = :t AND module = 'canteen'",
    ]),
    ("counts", [
        # counts.totals: people.classes() (active, with grade and head teacher's login) and
        # the day's counts (their values)
        """SELECT c.id, c.name, g.name AS grade, g.level, c.head_teacher_id, s.user_id
           FROM classes c
           JOIN grades g ON g.tenant_id = c.tenant_id AND g.id = c.grade_id
           LEFT JOIN staff s ON s.tenant_id = c.tenant_id AND s.id = c.head_teacher_id
                            AND s.active
           WHERE c.tenant_id = :t AND c.status = 'active'
           ORDER BY g.level, g.name, c.name""",
        """SELECT slot, class_id, eaters, version, reported_by, reported_at, late
           FROM canteen_meal_counts WHERE tenant_id = :t AND day = :day ORDER BY slot, unit""",
    ]),
    ("samples", [
        # samples.sample_day (with the day's menu read above): the day's samples, the overdue
        # ones with the names of their dishes
        """SELECT * FROM canteen_samples WHERE tenant_id = :t AND day = :day
           ORDER BY taken_at""",
        """SELECT s.*, d.name FROM canteen_samples s
           JOIN canteen_dishes d ON d.tenant_id = s.tenant_id AND d.id = s.dish_id
           WHERE s.tenant_id = :t AND s.disposed_at IS NULL AND s.dispose_due_at <= :now
           ORDER BY s.dispose_due_at""",
    ]),
    ("health", [
        # health.day_checks: the day's checks, workers_on(day) with their staff records, the
        # certificates valid on the day (DayChecks.expiring_certificates reads nothing more)
        "SELECT * FROM canteen_morning_checks WHERE tenant_id = :t AND day = :day",
        """SELECT w.*, s.name, s.position, s.active FROM canteen_kitchen_workers w
           JOIN staff s ON s.tenant_id = w.tenant_id AND s.id = w.staff_id
           WHERE w.tenant_id = :t AND w.started_on <= :day
             AND (w.ended_on IS NULL OR w.ended_on >= :day)""",
        """SELECT * FROM canteen_health_certificates
           WHERE tenant_id = :t AND voided_at IS NULL AND issued_on <= :day
             AND valid_until >= :day ORDER BY valid_until""",
    ]),
    ("hygiene", [
        # hygiene.coverage(day, day): meals served, accompanied, disinfected
        "SELECT DISTINCT day, slot FROM canteen_menu_items WHERE tenant_id = :t AND day = :day",
        """SELECT DISTINCT day, slot FROM canteen_accompanied_meals
           WHERE tenant_id = :t AND day = :day AND voided_at IS NULL""",
        """SELECT DISTINCT day, slot FROM canteen_disinfections
           WHERE tenant_id = :t AND day = :day AND voided_at IS NULL""",
    ]),
    ("supply", [
        # receiving.deliveries_between(day, day) with their items (selectin) and the names of
        # their suppliers; suppliers.supplier_watch: the active suppliers with every
        # certificate they have
        """SELECT d.*, s.name FROM canteen_deliveries d
           JOIN canteen_suppliers s ON s.tenant_id = d.tenant_id AND s.id = d.supplier_id
           WHERE d.tenant_id = :t AND d.day = :day ORDER BY d.day, d.created_at""",
        """SELECT i.* FROM canteen_delivery_items i
           JOIN canteen_deliveries d ON d.tenant_id = i.tenant_id AND d.id = i.delivery_id
           WHERE i.tenant_id = :t AND d.day = :day ORDER BY i.delivery_id, i.position""",
        """SELECT s.*, c.* FROM canteen_suppliers s
           LEFT JOIN canteen_certificates c ON c.tenant_id = s.tenant_id AND c.supplier_id = s.id
           WHERE s.tenant_id = :t AND s.active
           ORDER BY s.name, c.kind, c.issued_on DESC""",
    ]),
    ("stock", [
        # stock_cost.food_cost(day, day, counts.eaters_by_day(day, day)); stock.expiry_watch ->
        # on_hand(): the lots with something on hand, and how much
        """SELECT day, slot, sum(eaters) FROM canteen_meal_counts
           WHERE tenant_id = :t AND day = :day GROUP BY day, slot""",
        """SELECT day, slot, sum(cost_fen) FROM canteen_stock_movements
           WHERE tenant_id = :t AND kind IN ('out', 'return') AND day = :day
           GROUP BY day, slot""",
        """SELECT l.*, m.on_hand FROM canteen_stock_lots l
           JOIN (SELECT lot_id, sum(quantity) AS on_hand FROM canteen_stock_movements
                 WHERE tenant_id = :t GROUP BY lot_id) m ON m.lot_id = l.id
           WHERE l.tenant_id = :t AND m.on_hand > 0
           ORDER BY l.food, l.unit, l.expiry_date, l.received_on, l.id""",
    ]),
    ("tuck_shop", [
        # tuckshop_sales.takings(day): the day's sales summed by product (kept and voided),
        # the cost of the goods the kept sales drew, by product; tuckshop.expired_batches(day)
        """SELECT p.id, p.name, p.unit, count(s.id),
                  sum(CASE WHEN s.voided_at IS NULL THEN 1 ELSE 0 END),
                  sum(CASE WHEN s.voided_at IS NULL THEN s.quantity ELSE 0 END),
                  sum(CASE WHEN s.voided_at IS NULL THEN s.total_fen ELSE 0 END)
           FROM canteen_tuck_sales s
           JOIN canteen_tuck_products p ON p.tenant_id = s.tenant_id AND p.id = s.product_id
           WHERE s.tenant_id = :t AND s.day = :day GROUP BY p.id, p.name, p.unit""",
        """SELECT s.product_id, sum(d.quantity * b.cost_fen) FROM canteen_tuck_sales s
           JOIN canteen_tuck_sale_draws d ON d.tenant_id = s.tenant_id AND d.sale_id = s.id
           JOIN canteen_tuck_batches b ON b.tenant_id = d.tenant_id AND b.id = d.batch_id
           WHERE s.tenant_id = :t AND s.day = :day AND s.voided_at IS NULL
           GROUP BY s.product_id""",
        """SELECT b.*, p.* FROM canteen_tuck_batches b
           JOIN canteen_tuck_products p ON p.tenant_id = b.tenant_id AND p.id = b.product_id
           WHERE b.tenant_id = :t AND b.on_hand > 0 AND b.expires_on < :day
           ORDER BY b.expires_on, p.name""",
    ]),
]


def run_raw(connection, params: dict, times: dict[str, list[float]] | None = None
            ) -> dict[str, int]:
    """Every bare query; the rows each section fetched (and its time, into ``times``)."""
    rows: dict[str, int] = {}
    for section, statements in RAW_SECTIONS:
        started = time.perf_counter()
        for sql in statements:
            rows[section] = rows.get(section, 0) + len(
                connection.execute(text(sql), params).all())
        if times is not None:
            times.setdefault(section, []).append((time.perf_counter() - started) * 1000)
    return rows


def report_by_section(report_module, build, tally: Tally,
                      times: dict[str, list[float]]) -> dict[str, list[tuple[str, int]]]:
    """Build one report with each of its SECTIONS timed (the list is wrapped in place for the
    call and restored after); "day" is what ``daily_report`` reads before the sections.
    Returns the statements each part sent (when ``tally`` is on)."""
    original = list(report_module.SECTIONS)
    spent: dict[str, float] = {}
    sent: dict[str, list[tuple[str, int]]] = {}

    def timed(section_builder):
        def run(of):
            mark, started = len(tally.statements), time.perf_counter()
            section = section_builder(of)
            spent[section.key] = (time.perf_counter() - started) * 1000
            sent[section.key] = tally.statements[mark:]
            return section
        return run

    report_module.SECTIONS[:] = [timed(b) for b in original]
    try:
        mark, started = len(tally.statements), time.perf_counter()
        build()
        total = (time.perf_counter() - started) * 1000
    finally:
        report_module.SECTIONS[:] = original
    in_sections = sum(len(v) for v in sent.values())
    sent = {"day": tally.statements[mark:][:len(tally.statements[mark:]) - in_sections], **sent}
    spent = {"day": total - sum(spent.values()), **spent}
    for key, ms in spent.items():
        times.setdefault(key, []).append(ms)
    return sent


def main() -> int:
    parser = argparse.ArgumentParser(
        description="The canteen's daily food-safety report against the bare SQL queries "
                    "that fetch the same rows, for schools of several sizes (see "
                    "bench/README.md).")
    parser.add_argument("--sizes", default="300,3000,30000",
                        help="students per school, comma-separated (each 40-100000)")
    parser.add_argument("--repeat", type=int, default=31,
                        help="measured rounds per size (1-200); each times both sides once")
    parser.add_argument("--warmup", type=int, default=2, help="untimed rounds first (0-20)")
    parser.add_argument("--budget", type=float, default=45.0,
                        help="seconds of measuring per size at most (at least 3 rounds run)")
    parser.add_argument("--history", type=int, default=5,
                        help="school days of records before the measured day (0-30)")
    parser.add_argument("--batch", type=int, default=5000, help="rows per bulk insert")
    parser.add_argument("--seed", type=int, default=20261121, help="random seed of the data")
    parser.add_argument("--pg-admin-url", default=os.environ.get(
        "HOUQIN_BENCH_PG_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"),
        help="a superuser URL on the local server, used to create and drop the database")
    parser.add_argument("--app-role", default="houqin_bench_app",
                        help="the PostgreSQL role the app connects as (created when missing)")
    parser.add_argument("--json", dest="json_path", default=None,
                        help="where to write the results (default bench/results/<time>.json)")
    parser.add_argument("--no-json", action="store_true", help="write no results file")
    parser.add_argument("--show-sql", action="store_true",
                        help="print every statement the report sends, with the rows it read")
    parser.add_argument("--keep-db", action="store_true", help="leave the database (debugging)")
    args = parser.parse_args()

    try:
        sizes = sorted({int(s) for s in args.sizes.split(",") if s.strip()})
    except ValueError:
        print("--sizes takes numbers such as 300,3000,30000", file=sys.stderr)
        return 2
    if not sizes or not all(40 <= s <= 100_000 for s in sizes):
        print("each size lies between 40 and 100000 students", file=sys.stderr)
        return 2
    repeat = min(max(args.repeat, 1), 200)
    warmup = min(max(args.warmup, 0), 20)
    history = min(max(args.history, 0), 30)
    budget = min(max(args.budget, 1.0), 600.0)
    batch = min(max(args.batch, 100), 50_000)

    if ScratchDatabase.elsewhere(args.pg_admin_url):
        return 2
    scratch = ScratchDatabase(args.pg_admin_url, args.app_role)
    database, owner_url, owner_str = scratch.name, scratch.owner_url, scratch.owner_str
    app = owner = None
    started_at = datetime.now(UTC)

    try:
        version = scratch.start()
        server_version = scratch.server_version

        from core.app import create_app
        from core.extensions import db
        from core.migrate import upgrade
        from core.schools.models import Tenant
        from core.tenancy import tenant_context
        from tenants.manifests import apply_manifest

        app = create_app(scratch.app_config(REDIS_URL=None))
        print("migrating (core.migrate.upgrade, as houqin db upgrade) and provisioning "
              f"{2 * len(sizes)} schools ...")
        with app.app_context():
            for note in upgrade(app):
                if "row-level security" not in note:
                    print(f"  upgrade: {note}")
            apply_manifest(manifest(sizes), source="bench manifest")
            refs = {t.slug: t.ref() for t in db.session.scalars(db.select(Tenant))}
            db.session.remove()
        from plugins.canteen.services import report as report_module
        from plugins.canteen.services.report import daily_report

        today = datetime.now(ZONE).date()
        day = today - timedelta(days=(today.weekday() - 2) % 7 or 7)  # the last Wednesday
        now = at(day, 15)
        print(f"the measured day: {day} (a Wednesday in term), as of {now:%H:%M} school time; "
              f"{history} school days of records before it")

        idle_busy = machine_busy()
        print(f"machine busy before generating (nothing of ours running): {idle_busy:.0%}"
              + ("; other work is running, the figures will be noisy" if idle_busy > 0.15
                 else ""))
        owner = create_engine(owner_str, pool_size=1, max_overflow=0)
        with owner.connect() as connection:
            tables = {name: table for name, table in db.metadata.tables.items()}
            results: list[SizeResult] = []
            for size in sizes:
                plan = Plan.of(size)
                started = time.perf_counter()
                mine = generate(connection, tables, refs[f"s{size}"].id, plan, day, now,
                                history, args.seed + size, batch)
                generate(connection, tables, refs[f"s{size}-twin"].id, plan, day, now, history,
                         args.seed + size + 1, batch)
                connection.commit()
                took = time.perf_counter() - started
                results.append(SizeResult(size, refs[f"s{size}"].id, mine, took))
                print(f"  {size:>6} students: {plan.classes} classes, {plan.workers} kitchen "
                      f"workers, {plan.deliveries} deliveries on the day, {plan.sales} tuck-shop "
                      f"sales a day; {sum(mine.values()):,} rows per school, both schools "
                      f"written in {took:.1f} s")
            connection.execute(text("ANALYZE"))
            connection.commit()

        collector = GcClock()
        gc.callbacks.append(collector)
        app_tally, raw_tally = Tally(), Tally()
        with app.app_context():
            app_tally.listen(db.engine)
        raw_tally.listen(owner)

        for result in results:
            ref = refs[f"s{result.students}"]
            params = {"t": ref.id, "day": day, "now": now}
            plan = Plan.of(result.students)
            with app.app_context(), tenant_context(ref):
                result.checks = validate_day(day, now, plan)
                db.session.remove()

            app_backends: list[int] = []
            owner_backends: list[int] = []

            def one_report(ref=ref, app_backends=app_backends
                           ) -> tuple[float, float, float, float]:
                db_cpu = on_cpu_ms(app_backends)
                with app.app_context(), tenant_context(ref):
                    collected = collector.seconds
                    cpu, wall = time.process_time(), time.perf_counter()
                    report = daily_report(day, now)
                    _ = report.status, report.missing
                    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
                    collected = collector.seconds - collected
                    db.session.remove()
                return (wall * 1000, cpu * 1000, collected * 1000,
                        on_cpu_ms(app_backends) - db_cpu)

            def one_raw(params=params, owner_backends=owner_backends
                        ) -> tuple[float, float, float, float]:
                db_cpu = on_cpu_ms(owner_backends)
                collected = collector.seconds
                cpu, wall = time.process_time(), time.perf_counter()
                with owner.connect() as connection:
                    run_raw(connection, params)
                    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
                    collected = collector.seconds - collected
                return (wall * 1000, cpu * 1000, collected * 1000,
                        on_cpu_ms(owner_backends) - db_cpu)

            # One instrumented pass of each: statements and rows read, and what the report
            # contains (so the figures are about a report that found what it should).
            app_tally.on = raw_tally.on = True
            with app.app_context(), tenant_context(ref):
                report = daily_report(day, now)
                result.report_status = report.status
                result.report_missing = [str(m) for m in report.missing]
                result.report_warnings = [str(w) for s in report.sections for w in s.warnings]
                result.sections = [s.key for s in report.sections]
                db.session.remove()
            with owner.connect() as connection:
                result.raw_rows_by_section = run_raw(connection, params)
            app_tally.on = raw_tally.on = False
            seen, raw_seen = app_tally.take(), raw_tally.take()
            result.report_statements, result.report_rows = len(seen), sum(r for _s, r in seen)
            result.raw_statements, result.raw_rows = len(raw_seen), sum(r for _s, r in raw_seen)
            if args.show_sql:
                print(f"  the report's statements ({result.students} students):")
                for statement, rows in seen:
                    print(f"    {rows:>6} rows  {statement[:300]}")
            result.repeated = [(s, n) for s, n in Counter(shape(s) for s, _r in seen)
                               .most_common(5) if n > 1]

            for _ in range(warmup):
                one_report(), one_raw()
            gc.collect()  # start each size from the same heap (the collector stays on)
            result.heap_objects = len(gc.get_objects())
            app_backends[:] = backend_pids(owner_str, database, args.app_role)
            owner_backends[:] = backend_pids(owner_str, database, owner_url.username)
            backends = app_backends + owner_backends
            busy, total = system_cpu()
            ours = time.process_time() + cpu_seconds(backends)
            deadline = time.perf_counter() + budget
            for number in range(repeat):
                order = (one_report, one_raw) if number % 2 == 0 else (one_raw, one_report)
                for measure in order:
                    wall, cpu, collected, db_cpu = measure()
                    if measure is one_report:
                        result.report_ms.append(wall)
                        result.report_cpu_ms.append(cpu)
                        result.report_gc_ms.append(collected)
                        result.report_db_cpu_ms.append(db_cpu)
                    else:
                        result.raw_ms.append(wall)
                        result.raw_cpu_ms.append(cpu)
                        result.raw_gc_ms.append(collected)
                        result.raw_db_cpu_ms.append(db_cpu)
                if number >= 2 and time.perf_counter() > deadline:
                    break
            busy_after, total_after = system_cpu()
            ours = time.process_time() + cpu_seconds(backends) - ours
            result.others_cpu_share = max(0.0, (busy_after - busy - ours) / max(
                total_after - total, 1e-9))
            # Where the time goes: each section of the report against its bare queries.
            report_times: dict[str, list[float]] = {}
            raw_times: dict[str, list[float]] = {}
            sent: dict[str, list[tuple[str, int]]] = {}
            raw_rows: dict[str, int] = {}
            for number in range(BREAKDOWN_ROUNDS):
                app_tally.on = number == 0
                with app.app_context(), tenant_context(ref):
                    found = report_by_section(report_module, lambda: daily_report(day, now),
                                              app_tally, report_times)
                    db.session.remove()
                app_tally.on = False
                app_tally.take()
                sent = sent or found
                with owner.connect() as connection:
                    raw_rows = run_raw(connection, params, raw_times)
            raw_statements = dict((name, len(sql)) for name, sql in RAW_SECTIONS)
            result.by_section = {key: {
                "report_ms": statistics.median(report_times[key]),
                "report_statements": len(sent.get(key, [])),
                "report_rows": sum(r for _s, r in sent.get(key, [])),
                "raw_ms": statistics.median(raw_times.get(key, [0.0])),
                "raw_statements": raw_statements.get(key, 0),
                "raw_rows": raw_rows.get(key, 0)} for key in report_times}
            print(f"  {result.students:>6} students: report {result.report_median:8.2f} ms, raw "
                  f"{result.raw_median:7.2f} ms, ratio {result.ratio:5.2f} "
                  f"({len(result.report_ms)} rounds; other processes used "
                  f"{result.others_cpu_share:.0%} of the CPU)")

        if code_version() != version:
            print("warning: the code changed during the run; the figures may mix two versions")

        print()
        print("=" * 88)
        print(f"{'students':>8} {'report ms':>10} {'raw ms':>8} {'ratio':>6}   {'CPU ms':>15} "
              f"{'of it GC ms':>13}   {'statements':>11} {'rows read':>15}")
        for r in results:
            print(f"{r.students:>8} {r.report_median:10.2f} {r.raw_median:8.2f} {r.ratio:6.2f}   "
                  f"{statistics.median(r.report_cpu_ms):7.2f} /{statistics.median(r.raw_cpu_ms):6.2f} "
                  f"{statistics.median(r.report_gc_ms):6.2f} /{statistics.median(r.raw_gc_ms):5.2f}   "
                  f"{r.report_statements:>4} / {r.raw_statements:<4} "
                  f"{r.report_rows:>6} / {r.raw_rows:<6}")
        print("(medians; pairs are report / raw. CPU and GC are this process's; the rest of the "
              "time is PostgreSQL and the socket)")
        for before, after in itertools.pairwise(results):
            grew = after.students / before.students
            print(f"{before.students} -> {after.students} students (x{grew:g}): report "
                  f"x{after.report_median / before.report_median:.2f}, raw "
                  f"x{after.raw_median / before.raw_median:.2f}, statements "
                  f"{before.report_statements} -> {after.report_statements}, rows read "
                  f"x{(after.report_rows / before.report_rows) if before.report_rows else 0:.2f}")
        for r in results:
            verdict = "PASS" if r.cost_ratio <= TARGET_RATIO else "FAIL (above target)"
            print(f"{r.students:>6} students: CPU-cost ratio (this process + its PostgreSQL "
                  f"backend, report / raw; {len(r.cost_groups())} groups of paired rounds) "
                  f"min / median / max {spread(r.cost_groups(), 2)}; target <= "
                  f"{TARGET_RATIO:g}: {verdict}")
            print(f"{'':>6}           wall-clock ratio {r.ratio:.2f} (medians; without the "
                  f"collector's pauses {r.ratio_without_gc:.2f}); PostgreSQL CPU per report "
                  f"{statistics.median(r.report_db_cpu_ms):.2f} ms, per raw fetch "
                  f"{statistics.median(r.raw_db_cpu_ms):.2f} ms")
        print("per section, median ms report / raw (statements report / raw) "
              "[\"day\": what daily_report reads before its sections]:")
        print(f"{'':>10}" + "".join(f"{r.students:>26}" for r in results))
        for key in results[0].by_section:
            cells = []
            for r in results:
                part = r.by_section.get(key, {})
                cells.append(f"{part.get('report_ms', 0):7.2f} /{part.get('raw_ms', 0):6.2f} "
                             f"({part.get('report_statements', 0):>2}/"
                             f"{part.get('raw_statements', 0):>2})")
            print(f"{key:>10}" + "".join(f"{c:>26}" for c in cells))
        last = results[-1]
        print(f"report of the largest school: sections {', '.join(last.sections)}; status "
              f"{last.report_status}; {len(last.report_missing)} missing, "
              f"{len(last.report_warnings)} warnings")
        for problem in last.report_missing[:6] + last.report_warnings[:6]:
            print(f"  - {problem[:150]}")
        if last.repeated:
            print("statements the report sends more than once (largest school):")
            for statement, times in last.repeated:
                print(f"  {times:>4} x {statement}")
        print("=" * 88)

        if not args.no_json:
            out = {
                "benchmark": "canteen_daily_report",
                "started_at": started_at.isoformat(timespec="seconds"),
                "code": version,
                "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                            "postgresql": server_version, "platform": platform.platform()},
                "settings": {"sizes": sizes, "repeat": repeat, "warmup": warmup,
                             "budget_s": budget, "history_days": history, "seed": args.seed,
                             "day": day.isoformat(), "now": now.isoformat()},
                "target_ratio": TARGET_RATIO, "machine_busy_before": idle_busy,
                "sizes": [{
                    "students": r.students, "rows_written": r.rows_written,
                    "generate_s": round(r.generate_s, 2),
                    "report_ms_median": r.report_median, "raw_ms_median": r.raw_median,
                    "ratio": r.ratio, "cost_ratio": r.cost_ratio,
                    "cost_ratio_groups": r.cost_groups(),
                    "judged_by": "median CPU-cost ratio of groups of paired rounds",
                    "passed": r.cost_ratio <= TARGET_RATIO,
                    "ratio_without_gc": r.ratio_without_gc,
                    "report_ms": r.report_ms, "raw_ms": r.raw_ms,
                    "report_cpu_ms": r.report_cpu_ms, "raw_cpu_ms": r.raw_cpu_ms,
                    "report_db_cpu_ms": r.report_db_cpu_ms, "raw_db_cpu_ms": r.raw_db_cpu_ms,
                    "report_gc_ms": r.report_gc_ms, "raw_gc_ms": r.raw_gc_ms,
                    "heap_objects": r.heap_objects, "others_cpu_share": r.others_cpu_share,
                    "report_statements": r.report_statements, "report_rows": r.report_rows,
                    "raw_statements": r.raw_statements, "raw_rows": r.raw_rows,
                    "raw_rows_by_section": r.raw_rows_by_section,
                    "by_section": r.by_section,
                    "repeated_statements": r.repeated, "sections": r.sections,
                    "report_status": r.report_status, "report_missing": r.report_missing,
                    "report_warnings": r.report_warnings, "checks": r.checks,
                } for r in results],
            }
            path = Path(args.json_path) if args.json_path else (
                BENCH / "results" / f"canteen_daily_report-{started_at:%Y%m%d-%H%M%S}.json")
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(out, indent=2, ensure_ascii=False, default=str) + "\n")
            print(f"results written to {path}")
        return 0
    except BenchError as exc:
        print(f"benchmark could not measure: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    finally:
        if app is not None:
            from core.extensions import db

            with app.app_context():
                db.session.remove()
                for engine in db.engines.values():
                    engine.dispose()
        if owner is not None:
            owner.dispose()
        scratch.remove(args.keep_db)


if __name__ == "__main__":
    sys.exit(main())
