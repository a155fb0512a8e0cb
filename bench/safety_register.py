"""What the safety module's hazard register costs — the register page, its .xlsx and the
district's hazard card — against the bare SQL that reads the same rows, and how each grows
with the number of schools.

One run, from the repository root::

    .venv/bin/python bench/safety_register.py [--schools 10,100] [--hazards 2000] [--rounds 5]

A quick run: ``--schools 3,10 --hazards 200 --rounds 2`` (a couple of minutes).

It creates its own PostgreSQL database and migrates it in-process as ``houqin db upgrade``
does (``core.migrate.upgrade``: migrations, the app role, grants, row-level security), with
the safety module alone installed in the app (``HOUQIN_PLUGINS = ["safety"]``, so the
district page carries core and the safety card only). The schools of one district are
provisioned through ``tenants.manifests.apply_manifest`` with the safety module on (its
deadline days and escalation limit set); the first school has a safety officer, the district
an inspector, both with a web session as after signing in.

The measured school gets, as the owner with COPY, its staff (40, owners drawn from them), its
buildings, ``--hazards`` hazards found over ``--years`` years (levels, places, statuses and
escalations in a realistic mix; the older ones almost all closed) with their steps (reported,
assigned, fixed, failed and fixed again, passed, overdue, escalated), and a drill a month.
Every other school gets a copy of the same (one ``INSERT … SELECT`` a table; ids may repeat
across schools since every key leads with ``tenant_id``). The inspection rounds of the
parallel branch are seeded by ``seed_rounds`` once their tables exist (see there).

Then, for each number of schools (the district grown in place from one to the next), it
measures in paired rounds, the order alternating, each of:

* ``page``: ``GET /t/<school>/m/safety/hazards`` as the safety officer (first page, default
  filters) through the app's test client — the whole request pipeline in-process (session,
  school, roles, ORM guard, row-level security as the app role, template), as
  ``bench/profile_request.py`` does; against the page's rows (51: a page and one to tell
  whether another follows) with the owner's name, and the filters' staff and buildings;
* ``filtered``: the same page with ``?status=unclosed`` (not closed);
* ``xlsx``: ``GET /t/<school>/m/safety/hazards.xlsx`` (every hazard), against the hazards
  with their owners and last fix and verification;
* ``district``: ``GET /district/<district>`` as the district inspector (the schools with
  their modules and the safety card), against the same schools, modules and the card's
  three reads.

The bare side is plain ``text()`` SQL on an owner connection (no ORM, no row-level
security), every school table filtered by ``tenant_id``. Cost per request: this process's
CPU plus its PostgreSQL backend's (``/proc/<pid>/schedstat``). Per case it prints the
CPU-cost ratio (app ÷ bare) of each round, min / median / max (target: median ≤ 3), the
wall-clock ratio beside it, how the app's cost grows from one number of schools to the next
(target: the school's pages do not grow; the district's growth is reported), the SQL
statements each side sends and the statements the app repeats (a loop per row or per school
shows there). A report, not a test: exit 0 whether or not the targets are met, non-zero only
when it could not measure. Only 127.0.0.1 is used; every loop is bounded in count and time;
the database is dropped at the end unless ``--keep-db``.
"""

from __future__ import annotations

import argparse
import io
import itertools
import logging
import os
import random
import statistics
import sys
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from datetime import time as clock
from pathlib import Path
from types import SimpleNamespace
from zoneinfo import ZoneInfo

from sqlalchemy import create_engine, text

REPO = Path(__file__).resolve().parent.parent
BENCH = REPO / "bench"
sys.path[:0] = [str(REPO), str(BENCH)]

from canteen_daily_report import Tally, on_cpu_ms, shape  # noqa: E402
from request_overhead import (  # noqa: E402  (the same helpers as the other benchmarks)
    ScratchDatabase,
    backend_pids,
    code_version,
    machine_busy,
    spread,
    system_cpu,
)

TARGET_RATIO = 3.0
TARGET_GROWTH = 1.1  # the school's page, from the fewest schools to the most
ZONE = ZoneInfo("Asia/Shanghai")
DISTRICT = "bench"
MEASURED = "school-000"
OFFICER = "officer@school-000.bench.test"
INSPECTOR = "inspector@bench.test"
PASSWORD = "bench-only-password-1"
FILTERED = "status=unclosed"
STAFF = 40
BUILDINGS = ("教学楼A", "教学楼B", "实验楼", "综合楼", "食堂", "体育馆", "宿舍楼", "行政楼")
PLACES = ("三楼东侧楼梯", "一楼走廊", "二楼卫生间", "化学实验室", "配电房", "屋顶天台", "后厨",
          "操场看台", "大门口", "消防通道", "地下车库", "楼梯扶手", "教室窗户", "电梯间", "锅炉房")
WHAT = ("扶手松动", "灭火器过期", "应急灯不亮", "消防通道堆放杂物", "电线裸露", "地面湿滑",
        "窗户限位器损坏", "护栏高度不足", "配电箱未上锁", "化学品未分类存放", "监控摄像头故障",
        "疏散指示标志损坏", "墙皮脱落", "井盖松动", "燃气管道老化")
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉萍红娥玲芬燕彬鹏辉建波宁"
POSITIONS = ("班主任", "任课教师", "维修工", "电工", "保安", "宿管", "后勤主任", "安全员", "校医")
DAYS = {"general": 7, "major": 15, "grave": 3}


class BenchError(RuntimeError):
    """The benchmark could not measure (as opposed to: it measured a poor ratio)."""


def manifest(count: int) -> str:
    lines = ["# Written by bench/safety_register.py into its own database, removed at the end.",
             "[district]", f'slug = "{DISTRICT}"', 'name = "基准测试区"', "",
             "[[district.admins]]", f'email = "{INSPECTOR}"', 'name = "督导"',
             'role = "district_inspector"', f'password = "{PASSWORD}"', ""]
    for n in range(count):
        lines += ["[[schools]]", f'slug = "school-{n:03}"', f'name = "第{n:03}小学"',
                  'type = "primary"', 'modules = ["safety"]',
                  "settings = { safety = { general_days = 7, major_days = 15, grave_days = 3, "
                  "escalate_after_days = 30 } }", ""]
        if n == 0:
            lines += ["[[schools.admins]]", f'email = "{OFFICER}"', 'name = "安全员"',
                      'role = "safety_officer"', f'password = "{PASSWORD}"', ""]
    return "\n".join(lines)


# --- the data ------------------------------------------------------------------------------


def name_of(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))


def copy_rows(connection, table: str, columns: tuple[str, ...], rows) -> int:
    """COPY ``rows`` (tuples in ``columns`` order) into ``table`` on the owner's connection."""
    cursor = connection.connection.driver_connection.cursor()
    written = 0
    with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
            written += 1
    return written


def generate(connection, tenant_id: int, hazards: int, years: int, now: datetime,
             seed: int) -> dict[str, int]:
    """One school's staff, buildings, hazards with their steps and drills, as the owner."""
    rng = random.Random(seed)
    written: Counter = Counter()
    staff = [(tenant_id, uuid.uuid4(), name_of(rng), rng.choice(POSITIONS),
              f"139{rng.randrange(10**8):08d}", None, n % 13 != 0) for n in range(STAFF)]
    written["staff"] = copy_rows(connection, "staff", (
        "tenant_id", "id", "name", "position", "phone", "user_id", "active"), staff)
    buildings = [(tenant_id, uuid.uuid4(), name) for name in BUILDINGS]
    written["buildings"] = copy_rows(connection, "buildings", ("tenant_id", "id", "name"),
                                     buildings)
    owners = [s for s in staff if s[6]]
    people = [s[2] for s in staff]

    hazard_rows, step_rows = [], []
    span = years * 365 * 86400
    start = now - timedelta(seconds=span)
    for _ in range(hazards):
        found = start + timedelta(seconds=rng.randrange(span))
        found = found.astimezone(ZONE).replace(hour=rng.randrange(7, 18),
                                               minute=rng.randrange(60)).astimezone(UTC)
        if found > now - timedelta(hours=1):
            found = now - timedelta(hours=rng.randrange(1, 48))
        age = (now - found).days
        level = rng.choices(("general", "major", "grave"), (80, 17, 3))[0]
        if age > 60:
            status = rng.choices(("closed", "open", "fixed", "reported"), (97, 1.5, 1, 0.5))[0]
        else:
            status = rng.choices(("closed", "open", "fixed", "reported"), (45, 25, 15, 15))[0]
        hazard_id, reporter = uuid.uuid4(), rng.choice(people)
        deadline = found.astimezone(ZONE).date() + timedelta(days=DAYS[level])
        owner = rng.choice(owners) if status != "reported" else None
        building = rng.choice(buildings)[1] if rng.random() < 0.85 else None
        what = rng.choice(WHAT)
        steps = [("reported", found, reporter, what)]
        at = found + timedelta(hours=rng.randrange(1, 30))
        if owner is not None:
            steps.append(("assigned", at, "安全员", f"{owner[2]}, by {deadline.isoformat()}"))
        fixed_by = closed_at = None
        if status in ("fixed", "closed"):
            if rng.random() < 0.06:  # the first fix did not pass
                at += timedelta(days=rng.randrange(1, DAYS[level] + 1))
                steps.append(("fixed", at, owner[2], "已整改"))
                at += timedelta(hours=rng.randrange(2, 48))
                steps.append(("failed", at, "安全员", "仍有问题，请重新整改"))
            at += timedelta(days=rng.randrange(1, DAYS[level] + 4))
            fixed_by = owner[2]
            steps.append(("fixed", at, fixed_by, rng.choice(("已更换", "已维修", "已清理",
                                                              "已加固", "已上锁"))))
            if status == "closed":
                at += timedelta(hours=rng.randrange(2, 72))
                closed_at = at
                steps.append(("passed", at, "后勤主任", "验收合格"))
        late = status in ("reported", "open") and deadline < now.astimezone(ZONE).date()
        if late:
            steps.append(("overdue", datetime.combine(deadline + timedelta(days=1), clock(7),
                                                      ZONE).astimezone(UTC), "system", ""))
        escalated = None
        if level == "grave":
            escalated = found
            steps.append(("escalated", found, reporter, ""))
        elif late and (now.astimezone(ZONE).date() - deadline).days > 30:
            escalated = datetime.combine(deadline + timedelta(days=31), clock(7),
                                         ZONE).astimezone(UTC)
            steps.append(("escalated", escalated, "system", "30 days past its deadline"))
        steps = [s for s in steps if s[1] <= now]
        hazard_rows.append((tenant_id, hazard_id, found, building, rng.choice(PLACES), what,
                            level, None, reporter, None, status,
                            owner[1] if owner else None, deadline,
                            fixed_by or "", None, closed_at, escalated, len(steps)))
        step_rows += [(tenant_id, uuid.uuid4(), hazard_id, step, at, by, note, None)
                      for step, at, by, note in steps]
    written["safety_hazards"] = copy_rows(connection, "safety_hazards", (
        "tenant_id", "id", "found_at", "building_id", "place", "description", "level",
        "photo_id", "reported_by", "reported_by_user", "status", "owner_id", "deadline",
        "fixed_by", "fixed_by_user", "closed_at", "escalated_at", "version"), hazard_rows)
    written["safety_hazard_steps"] = copy_rows(connection, "safety_hazard_steps", (
        "tenant_id", "id", "hazard_id", "step", "at", "by", "note", "photo_id"), step_rows)

    drills, month = [], now.astimezone(ZONE).date().replace(day=10)
    for back in range(1, years * 12 + 1):  # one a month, last month's included
        held = (month - timedelta(days=31 * back)).replace(day=10)
        drills.append((tenant_id, uuid.uuid4(), "fire" if back % 2 else "earthquake", held,
                       "全校", held, rng.randrange(400, 900), rng.randrange(90, 200), "有序",
                       "", None, "安全员", "安全员", 2))
    written["safety_drills"] = copy_rows(connection, "safety_drills", (
        "tenant_id", "id", "kind", "planned_on", "scope", "held_on", "participants",
        "evacuation_seconds", "evaluation", "lessons", "photo_id", "planned_by",
        "recorded_by", "version"), drills)
    return dict(written)


CLONED = ("staff", "buildings", "safety_hazards", "safety_hazard_steps", "safety_drills")


def clone(connection, source: int, targets: list[int]) -> None:
    """Copy the measured school's safety data (and the staff and buildings it names) to
    ``targets``, one set-based statement a table."""
    if not targets:
        return
    # The copies are of rows already checked; skipping the foreign-key triggers (the owner is
    # a superuser) makes a hundred schools' million rows a matter of seconds, not minutes.
    connection.execute(text("SET LOCAL session_replication_role = replica"))
    for table in CLONED:
        columns = [r[0] for r in connection.execute(text(
            "SELECT column_name FROM information_schema.columns WHERE table_name = :t "
            "AND column_name <> 'tenant_id' ORDER BY ordinal_position"), {"t": table})]
        listed = ", ".join(f'"{c}"' for c in columns)
        picked = ", ".join(f'x."{c}"' for c in columns)
        connection.execute(text(
            f"INSERT INTO {table} (tenant_id, {listed}) SELECT t.id, {picked} "
            f"FROM {table} x CROSS JOIN unnest(CAST(:ids AS bigint[])) AS t(id) "
            "WHERE x.tenant_id = :s"), {"ids": targets, "s": source})


ROUNDS_A_WEEK = 50
ITEMS = 30


def seed_rounds(connection, tenant_id: int, years: int, now: datetime) -> int:
    """The measured school's safety rounds (安全检查): about 50 signed rounds a week for
    ``years`` years before ``now`` (≈ 13,000), each with its 30 answered items (≈ 390,000),
    one item in fifty failed, on a checklist of 30 items — written by the database itself
    (``generate_series``), as the owner. Only the measured school gets them: copied to a
    hundred schools they would be 39 million rows, and neither the hazard register nor the
    district's list reads them; they are here so the measured school's database is as large
    as five years of rounds make it. Returns the rows written."""
    checklist = uuid.uuid4()
    connection.execute(text(
        "INSERT INTO safety_checklists (tenant_id, id, kind, title, version) "
        "VALUES (:t, :c, 'classroom', '教室安全检查', 1)"), {"t": tenant_id, "c": checklist})
    connection.execute(text(
        "INSERT INTO safety_checklist_items (tenant_id, id, checklist_id, position, text_zh, "
        "text_en, pass_zh, pass_en, source, certainty) "
        "SELECT :t, gen_random_uuid(), :c, p, '检查项 ' || p, 'item ' || p, '合格', 'pass', "
        "'', '' FROM generate_series(1, :n) p"), {"t": tenant_id, "c": checklist, "n": ITEMS})
    rounds = ROUNDS_A_WEEK * 52 * years
    step = timedelta(weeks=1) / ROUNDS_A_WEEK
    connection.execute(text(
        "INSERT INTO safety_rounds (tenant_id, id, checklist_id, kind, title, place, "
        "started_at, started_by, done_at, signed_by, version) "
        "SELECT :t, gen_random_uuid(), :c, 'classroom', '教室安全检查', '教学楼 ' || (g % 40), "
        "CAST(:now AS timestamptz) - g * CAST(:step AS interval), '保安', "
        "CAST(:now AS timestamptz) - g * CAST(:step AS interval) + interval '20 minutes', "
        "'保安', 1 FROM generate_series(1, :n) g"),
        {"t": tenant_id, "c": checklist, "now": now, "step": step, "n": rounds})
    answers = connection.execute(text(
        "INSERT INTO safety_round_answers (tenant_id, id, round_id, position, text_zh, "
        "text_en, pass_zh, pass_en, source, certainty, result, note, answered_by, "
        "answered_at) "
        "SELECT r.tenant_id, gen_random_uuid(), r.id, p, '检查项 ' || p, 'item ' || p, '合格', "
        "'pass', '', '', CASE WHEN (hashtext(r.id::text) + p) % 50 = 0 THEN 'fail' "
        "ELSE 'pass' END, '', r.signed_by, r.done_at "
        "FROM safety_rounds r CROSS JOIN generate_series(1, :n) p WHERE r.tenant_id = :t"),
        {"t": tenant_id, "n": ITEMS}).rowcount
    print(f"  rounds: {rounds:,} rounds with {answers:,} answered items in the measured school")
    return 1 + ITEMS + rounds + answers


# --- the bare side -------------------------------------------------------------------------

HAZARD_PAGE = """
    SELECT h.*, s.name AS owner FROM safety_hazards h
    LEFT JOIN staff s ON s.tenant_id = h.tenant_id AND s.id = h.owner_id
    WHERE h.tenant_id = :t {where} ORDER BY h.found_at DESC, h.id DESC {limit}"""
FILTER_LISTS = [
    "SELECT id, name, position, active FROM staff WHERE tenant_id = :t AND active "
    "ORDER BY name, id",
    "SELECT id, name FROM buildings WHERE tenant_id = :t ORDER BY name, id",
]
UNCLOSED = "('reported', 'open', 'fixed')"
BARE = {
    "page": [HAZARD_PAGE.format(where="", limit="LIMIT 51"), *FILTER_LISTS],
    "filtered": [HAZARD_PAGE.format(
        where=f"AND h.status IN {UNCLOSED}", limit="LIMIT 51"),
        *FILTER_LISTS],
    "xlsx": ["""
        SELECT h.*, s.name AS owner, f.note AS fix_note, f.at AS fixed_at, p.by AS verified_by,
               p.at AS verified_at
        FROM safety_hazards h
        LEFT JOIN staff s ON s.tenant_id = h.tenant_id AND s.id = h.owner_id
        LEFT JOIN LATERAL (SELECT note, at FROM safety_hazard_steps x
                           WHERE x.tenant_id = h.tenant_id AND x.hazard_id = h.id
                             AND x.step = 'fixed' ORDER BY x.at DESC, x.id DESC LIMIT 1) f ON true
        LEFT JOIN LATERAL (SELECT by, at FROM safety_hazard_steps x
                           WHERE x.tenant_id = h.tenant_id AND x.hazard_id = h.id
                             AND x.step = 'passed' ORDER BY x.at DESC, x.id DESC LIMIT 1) p ON true
        WHERE h.tenant_id = :t ORDER BY h.found_at DESC, h.id DESC"""],
    "district": [
        """SELECT t.id, t.slug, t.name, t.type, m.module FROM tenants t
           LEFT JOIN tenant_modules m ON m.tenant_id = t.id AND m.enabled
           WHERE t.district_id = :d ORDER BY t.name, t.id, m.module""",
        f"""SELECT tenant_id, count(*),
                  sum(CASE WHEN status IN ('reported', 'open') AND deadline < :today
                      THEN 1 ELSE 0 END),
                  sum(CASE WHEN level = 'grave' THEN 1 ELSE 0 END)
           FROM safety_hazards WHERE tenant_id = ANY(:ids) AND status IN {UNCLOSED}
           GROUP BY tenant_id""",
        """SELECT tenant_id, place, description, level, deadline, status FROM safety_hazards
           WHERE tenant_id = ANY(:ids) AND escalated_at IS NOT NULL AND status <> 'closed'
           ORDER BY escalated_at DESC LIMIT 20""",
        """SELECT tenant_id, max(held_on), min(coalesce(held_on, planned_on)) FROM safety_drills
           WHERE tenant_id = ANY(:ids)
             AND kind IN ('fire', 'earthquake', 'flood', 'stampede')
           GROUP BY tenant_id""",
    ],
}


def xlsx_file_ms(owner, params: dict, times: int = 3) -> float:
    """CPU ms to write the register's sheet (13 columns) from the bare rows with core's
    ``workbook_bytes``, as the export does: what the .xlsx format costs on its own."""
    from core.exports import workbook_bytes

    def naive(moment):
        return moment.astimezone(ZONE).replace(tzinfo=None) if moment else None

    with owner.connect() as connection:
        rows = connection.execute(text(BARE["xlsx"][0]), params).mappings().all()
    sheet = [[f"c{n}" for n in range(13)], *(
        [n, naive(r["found_at"]), r["place"], r["description"], r["level"], r["reported_by"],
         r["owner"] or "", r["deadline"], r["fix_note"] or "", naive(r["fixed_at"]),
         r["verified_by"] or "", naive(r["verified_at"]), r["status"]]
        for n, r in enumerate(rows, start=1))]
    spent = []
    for _ in range(times):
        cpu = time.process_time()
        workbook_bytes([("隐患台账", sheet)])
        spent.append((time.process_time() - cpu) * 1000)
    return statistics.median(spent)


def run_bare(connection, case: str, params: dict) -> int:
    return sum(len(connection.execute(text(sql), params).all()) for sql in BARE[case])


# --- measuring -----------------------------------------------------------------------------

CASES = ("page", "filtered", "xlsx", "district")


@dataclass
class CaseResult:
    case: str
    schools: int
    app_ms: list[float] = field(default_factory=list)  # CPU per request, process + backend
    bare_ms: list[float] = field(default_factory=list)
    app_wall: list[float] = field(default_factory=list)
    bare_wall: list[float] = field(default_factory=list)
    app_db_ms: list[float] = field(default_factory=list)
    bare_db_ms: list[float] = field(default_factory=list)
    others: list[float] = field(default_factory=list)
    app_statements: int = 0
    bare_statements: int = 0
    app_rows: int = 0
    bare_rows: int = 0
    repeated: list[tuple[str, int]] = field(default_factory=list)
    file_ms: float | None = None  # xlsx: writing the file alone from the bare rows

    def ratios(self) -> list[float]:
        return [a / b for a, b in zip(self.app_ms, self.bare_ms, strict=True) if b]

    def wall_ratios(self) -> list[float]:
        return [a / b for a, b in zip(self.app_wall, self.bare_wall, strict=True) if b]


def quiet(app) -> None:
    """Keep the per-request log line's cost, not its output (as profile_request does)."""
    sink = open(os.devnull, "w")  # noqa: SIM115 (open for the life of the process)
    for name in ("houqin", app.logger.name):
        for handler in logging.getLogger(name).handlers:
            if isinstance(handler, logging.StreamHandler):
                handler.setStream(sink)


def main() -> int:
    parser = argparse.ArgumentParser(
        description="The safety module's hazard register page, its .xlsx and the district's "
                    "hazard card against bare SQL reading the same rows (see bench/README.md).")
    parser.add_argument("--schools", default="10,100",
                        help="schools in the district, comma-separated, ascending (each 1-500)")
    parser.add_argument("--hazards", type=int, default=2000, help="hazards a school (10-20000)")
    parser.add_argument("--years", type=int, default=5, help="years the hazards span (1-20)")
    parser.add_argument("--rounds", type=int, default=5, help="paired rounds a case (1-20)")
    parser.add_argument("--requests", type=int, default=10,
                        help="requests a side per round for the pages (1-200); the .xlsx and "
                             "the district page take a third of it (at least 2)")
    parser.add_argument("--budget", type=float, default=60.0,
                        help="seconds of measuring per case and number of schools at most "
                             "(at least 2 rounds run)")
    parser.add_argument("--seed", type=int, default=20261207, help="random seed of the data")
    parser.add_argument("--pg-admin-url", default=os.environ.get(
        "HOUQIN_BENCH_PG_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"),
        help="a superuser URL on the local server, used to create and drop the database")
    parser.add_argument("--app-role", default="houqin_bench_app",
                        help="the PostgreSQL role the app connects as (created when missing)")
    parser.add_argument("--show-sql", action="store_true",
                        help="print every statement the app sends per case")
    parser.add_argument("--keep-db", action="store_true", help="leave the database (debugging)")
    args = parser.parse_args()
    try:
        sizes = [int(s) for s in args.schools.split(",") if s.strip()]
    except ValueError:
        print("--schools takes numbers such as 10,100", file=sys.stderr)
        return 2
    if not sizes or sizes != sorted(set(sizes)) or not all(1 <= s <= 500 for s in sizes):
        print("--schools: ascending numbers, each 1-500", file=sys.stderr)
        return 2
    hazards = min(max(args.hazards, 10), 20_000)
    years = min(max(args.years, 1), 20)
    rounds = min(max(args.rounds, 1), 20)
    requests = min(max(args.requests, 1), 200)
    budget = min(max(args.budget, 1.0), 600.0)
    per_round = {"page": requests, "filtered": requests, "xlsx": max(2, requests // 3),
                 "district": max(2, requests // 3)}

    if ScratchDatabase.elsewhere(args.pg_admin_url):
        return 2
    scratch = ScratchDatabase(args.pg_admin_url, args.app_role)
    database, owner_str = scratch.name, scratch.owner_str
    app = owner = None
    try:
        version = scratch.start()
        from core.app import create_app
        from core.extensions import db
        from core.identity.services import user_by_email
        from core.migrate import upgrade
        from core.schools.models import District, Tenant
        from core.testing import signed_in
        from tenants.manifests import apply_manifest

        app = create_app(scratch.app_config(REDIS_URL=None, HOUQIN_PLUGINS=["safety"]))
        quiet(app)
        owner = create_engine(owner_str, pool_size=1, max_overflow=0)
        now = datetime.now(UTC)
        today = now.astimezone(ZONE).date()
        print(f"migrating (core.migrate.upgrade, as houqin db upgrade) and provisioning "
              f"{sizes[0]} schools ...")
        with app.app_context():
            for note in upgrade(app):
                if "row-level security" not in note:
                    print(f"  upgrade: {note}")
            apply_manifest(manifest(sizes[0]), source="bench manifest")
            ids = dict(db.session.execute(db.select(Tenant.slug, Tenant.id)).all())
            district_id = db.session.scalar(db.select(District.id)
                                            .where(District.slug == DISTRICT))
            officer = user_by_email(OFFICER).id
            inspector = user_by_email(INSPECTOR).id
            db.session.remove()
        started = time.perf_counter()
        with owner.begin() as connection:
            written = generate(connection, ids[MEASURED], hazards, years, now, args.seed)
            seed_rounds(connection, ids[MEASURED], years, now)
            clone(connection, ids[MEASURED], [i for s, i in ids.items() if s != MEASURED])
        with owner.connect() as connection:
            statuses = dict(connection.execute(text(
                "SELECT status, count(*) FROM safety_hazards WHERE tenant_id = :t "
                "GROUP BY status"), {"t": ids[MEASURED]}).all())
        print(f"  the measured school: {', '.join(f'{n:,} {t}' for t, n in written.items())}; "
              f"statuses {statuses}; written and copied to {len(ids) - 1} schools in "
              f"{time.perf_counter() - started:.1f} s")

        clients = {}
        with app.app_context():
            for who, user_id in (("officer", officer), ("inspector", inspector)):
                clients[who] = app.test_client()
                signed_in(clients[who], SimpleNamespace(id=user_id))
            db.session.remove()
        urls = {"page": f"/t/{MEASURED}/m/safety/hazards",
                "filtered": f"/t/{MEASURED}/m/safety/hazards?{FILTERED}",
                "xlsx": f"/t/{MEASURED}/m/safety/hazards.xlsx",
                "district": f"/district/{DISTRICT}"}
        client_of = {"page": "officer", "filtered": "officer", "xlsx": "officer",
                     "district": "inspector"}
        app_tally, bare_tally = Tally(), Tally()
        with app.app_context():
            app_tally.listen(db.engine)
        bare_tally.listen(owner)

        idle_busy = machine_busy()
        print(f"machine busy before measuring (nothing of ours running): {idle_busy:.0%}"
              + ("; other work is running, the figures will be noisy" if idle_busy > 0.15
                 else ""))
        results: list[CaseResult] = []
        for size in sizes:
            if size > len(ids):
                with app.app_context():
                    apply_manifest(manifest(size), source="bench manifest")
                    grown = dict(db.session.execute(db.select(Tenant.slug, Tenant.id)).all())
                    db.session.remove()
                with owner.begin() as connection:
                    clone(connection, ids[MEASURED], [i for s, i in grown.items() if s not in ids])
                ids = grown
            with owner.begin() as connection:
                connection.execute(text("ANALYZE"))
            params = {"t": ids[MEASURED], "d": district_id, "ids": list(ids.values()),
                      "today": today}
            print(f"{size} schools in the district:")

            def one_app(case: str, check: bool = False, size: int = size) -> int:
                with app.app_context():
                    answer = clients[client_of[case]].get(urls[case])
                    body = answer.get_data()
                    db.session.remove()
                if answer.status_code != 200:
                    raise BenchError(f"GET {urls[case]} answered {answer.status_code}: "
                                     f"{body[:300]!r}")
                if check:
                    return check_answer(case, body, size, hazards)
                return len(body)

            def one_bare(case: str, params=params) -> int:
                with owner.connect() as connection:
                    return run_bare(connection, case, params)

            for case in CASES:
                result = CaseResult(case, size)
                for _ in range(2):  # warm-up: the first request fills caches
                    one_app(case), one_bare(case)
                app_tally.on = bare_tally.on = True
                shown = one_app(case, check=True)
                result.bare_rows = one_bare(case)
                app_tally.on = bare_tally.on = False
                seen, bare_seen = app_tally.take(), bare_tally.take()
                result.app_statements, result.bare_statements = len(seen), len(bare_seen)
                result.app_rows = sum(r for _s, r in seen)
                result.repeated = [(s, n) for s, n in Counter(shape(s) for s, _r in seen)
                                   .most_common(6) if n > 1]
                if args.show_sql:
                    for statement, rows in seen:
                        print(f"    {rows:>6} rows  {statement[:240]}")
                count = per_round[case]
                deadline = time.perf_counter() + budget
                for number in range(rounds):
                    app_pids = backend_pids(owner_str, database, args.app_role)
                    bare_pids = backend_pids(owner_str, database, scratch.owner_url.username)
                    busy, total = system_cpu()
                    spent = 0.0
                    order = ("app", "bare") if number % 2 == 0 else ("bare", "app")
                    for side in order:
                        pids = app_pids if side == "app" else bare_pids
                        db_cpu = on_cpu_ms(pids)
                        cpu, wall = time.process_time(), time.perf_counter()
                        for _ in range(count):
                            one_app(case) if side == "app" else one_bare(case)
                        wall = (time.perf_counter() - wall) * 1000 / count
                        cpu = (time.process_time() - cpu) * 1000 / count
                        db_cpu = (on_cpu_ms(pids) - db_cpu) / count
                        spent += (cpu + db_cpu) * count / 1000
                        if side == "app":
                            result.app_ms.append(cpu + db_cpu)
                            result.app_db_ms.append(db_cpu)
                            result.app_wall.append(wall)
                        else:
                            result.bare_ms.append(cpu + db_cpu)
                            result.bare_db_ms.append(db_cpu)
                            result.bare_wall.append(wall)
                    busy_after, total_after = system_cpu()
                    result.others.append(max(0.0, (busy_after - busy - spent)
                                             / max(total_after - total, 1e-9)))
                    if number >= 1 and time.perf_counter() > deadline:
                        break
                if case == "xlsx":
                    with app.app_context():
                        result.file_ms = xlsx_file_ms(owner, params)
                results.append(result)
                print(f"  {case:>8}: app {statistics.median(result.app_ms):8.2f} ms CPU "
                      f"(of it PostgreSQL {statistics.median(result.app_db_ms):6.2f}), bare "
                      f"{statistics.median(result.bare_ms):7.2f} ms "
                      f"(PostgreSQL {statistics.median(result.bare_db_ms):5.2f}); ratio "
                      f"{spread(result.ratios(), 2)}; {shown:,} shown; statements "
                      f"{result.app_statements}/{result.bare_statements}; other processes "
                      f"{statistics.median(result.others):.0%} of the CPU")

        if code_version() != version:
            print("warning: the code changed during the run; the figures may mix two versions")
        report(results, sizes)
        return 0
    except BenchError as exc:
        print(f"benchmark could not measure: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    finally:
        if app is not None:
            from core.testdb import dispose

            dispose(app)
        if owner is not None:
            owner.dispose()
        scratch.remove(args.keep_db)


def check_answer(case: str, body: bytes, schools: int, hazards: int) -> int:
    """What the answer shows: rows of the page, of the sheet, schools on the card. Refuses an
    answer that does not show what the data holds (the timings would mean nothing)."""
    if case == "xlsx":
        from openpyxl import load_workbook

        sheet = load_workbook(io.BytesIO(body), read_only=True).active
        rows = sum(1 for _ in sheet.iter_rows()) - 1
        if rows != hazards:
            raise BenchError(f"the .xlsx has {rows} hazards, expected {hazards}")
        return rows
    html = body.decode()
    if case == "district":
        card = html.split('data-testid="safety-district"')[1].split("</table>")[0]
        shown = card.count("<tr>") - 1
        if shown != schools:
            raise BenchError(f"the district card lists {shown} schools, expected {schools}")
        return shown
    table = html.split('data-testid="hazards"')[1].split("</table>")[0]
    shown = table.count("<tr>") - 1
    if shown < 1 or (case == "page" and shown != min(50, hazards)):
        raise BenchError(f"the register page shows {shown} hazards")
    return shown


def report(results: list[CaseResult], sizes: list[int]) -> None:
    print()
    print("=" * 92)
    print(f"{'case':>8} {'schools':>7}  {'CPU-cost ratio min / median / max':>34}  "
          f"{'wall ratio':>10}  {'app ms':>8} {'bare ms':>8}  {'statements':>10}  verdict")
    for r in results:
        ratio = statistics.median(r.ratios())
        verdict = "PASS" if ratio <= TARGET_RATIO else "FAIL (above target)"
        print(f"{r.case:>8} {r.schools:>7}  {spread(r.ratios(), 2):>34}  "
              f"{statistics.median(r.wall_ratios()):10.2f}  {statistics.median(r.app_ms):8.2f} "
              f"{statistics.median(r.bare_ms):8.2f}  {r.app_statements:>4} / {r.bare_statements:<4} "
              f" {verdict}")
    print(f"(CPU per request: this process + its PostgreSQL backend; target ratio <= "
          f"{TARGET_RATIO:g}, judged by the median of {len(results[0].ratios())} paired rounds)")
    for r in results:
        if r.file_ms is not None:
            bare = statistics.median(r.bare_ms)
            print(f"xlsx at {r.schools} schools: writing the file alone (core.exports."
                  f"workbook_bytes on the bare rows) {r.file_ms:.1f} ms of CPU; app / (bare SQL "
                  f"+ file) {statistics.median(r.app_ms) / (bare + r.file_ms):.2f}")
    for case in CASES:
        found = [r for r in results if r.case == case]
        for before, after in itertools.pairwise(found):
            grew = statistics.median(after.app_ms) / statistics.median(before.app_ms)
            bare = statistics.median(after.bare_ms) / statistics.median(before.bare_ms)
            judged = ""
            if case != "district":
                judged = "; " + ("PASS" if grew <= TARGET_GROWTH else
                                 "FAIL (grows with the number of schools)")
            print(f"growth {case:>8} {before.schools} -> {after.schools} schools: app "
                  f"x{grew:.2f}, bare x{bare:.2f}, statements {before.app_statements} -> "
                  f"{after.app_statements}{judged}")
    for r in results:
        if r.schools == sizes[-1] and r.repeated:
            print(f"statements the app repeats in one {r.case} request ({r.schools} schools):")
            for statement, times in r.repeated:
                print(f"  {times:>4} x {statement}")
    print("=" * 92)


if __name__ == "__main__":
    sys.exit(main())
