"""What billing a term costs through the fee module's job, against one set-based SQL insert
that writes the same bills and lines.

One run, from the repository root::

    .venv/bin/python bench/term_billing.py [--schools 100] [--students 1000] [--issue]

It creates its own PostgreSQL database and migrates it in-process as ``houqin db upgrade``
does (``core.migrate.upgrade``: migrations, the app role, grants, row-level security). It
provisions the schools through ``tenants.manifests.apply_manifest`` with the fees and canteen
modules on (the canteen bills meals: ``meal_fees`` with a daily price), and writes, as the
owner with SQLAlchemy Core, each school's calendar (a term of Monday-to-Friday school days),
grades 1-6 in classes of about 40 with their head teachers, the students, and a fee notice
publishing five items: four priced here (per term, per month, per school day, per item) and
the meal fee whose lines the canteen contributes through the charge-source hook. So every
bill has five lines.

Then, in rounds (by default one), each starting from no bills at all:

* the set-based insert: ONE ``INSERT … SELECT`` statement (data-modifying CTEs) on an owner
  connection, no ORM and no row-level security, that writes every school's bills and their
  lines (and, with ``--issue``, the ledger's charges) from the students and the published
  items, with the term's school days and months and the meal price as parameters;
* the job: for every school, ``plugins.fees.services.billing.start_run`` records a billing
  run and enqueues its job (timed: the side runs from the first request to the last job
  finished), and a real ``houqin worker`` process, started before the rounds, runs the jobs
  from Redis (``--backend inline``: each through ``core.jobs.runner.execute`` in this
  process; ``--backend rq``: an rq ``SimpleWorker`` in this process). It connects as the app
  role with row-level security, and writes an audit event for every bill it creates, as the
  app does.

The rounds are paired (the order of the two sides alternating) and judged by the median
CPU-cost ratio: the set-based statement's PostgreSQL CPU against the job side's CPU (this
process while enqueueing, the worker and its work horses, the app role's backends).

After each side the rows are compared: per school, the bills' count and total, and every
line's kind, source, code, item, category, quantity, unit price and amount (with
``--issue``, the ledger's charges too); the run stops if the two sides differ. It reports
bills/s and lines/s of each side, the ratio (target: the job at least 0.3 of the set-based
rate), the job's statements per school, and its memory: the resident set's peak during the
job side (``VmHWM`` after resetting it) and, in a separate pass over one school,
``tracemalloc``'s peak of what the job allocates. It is a report, not a test: it exits 0
whether or not the target is met, and non-zero only when it could not measure.

Only 127.0.0.1 is used; the database is dropped at the end, whatever happens (unless
``--keep-db``).
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import random
import statistics
import sys
import time
import tracemalloc
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import create_engine, event, text

REPO = Path(__file__).resolve().parent.parent
BENCH = REPO / "bench"
sys.path[:0] = [str(REPO), str(BENCH)]

from canteen_daily_report import GcClock  # noqa: E402
from request_overhead import (  # noqa: E402  (the same helpers as the other benchmarks)
    ScratchDatabase,
    backend_pids,
    child_pids,
    cpu_seconds,
    machine_busy,
    proc_status_kb,
    spread,
    system_cpu,
)

TARGET_RATIO = 0.3
ZONE = ZoneInfo("Asia/Shanghai")
STUDENTS_PER_CLASS = 40
GRADES = ("一年级", "二年级", "三年级", "四年级", "五年级", "六年级")
MEAL_PRICE_FEN = 1200
# (name, category, fen, unit, source): four items priced here and the canteen's meal fee.
ITEMS = (("学费", "tuition", 120000, "term", None),
         ("保育费", "care", 45000, "month", None),
         ("午点费", "meals", 500, "school_day", None),
         ("作业本费", "other", 1550, "item", None),
         ("伙食费", "meals", 0, "school_day", "canteen"))
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉萍红娥玲芬燕彬鹏辉建波宁"


class BenchError(RuntimeError):
    """The benchmark could not measure (as opposed to: it measured a poor ratio)."""


# --- the schools ---------------------------------------------------------------------------


def manifest(schools: int) -> str:
    lines = ["# Written by bench/term_billing.py into its own database, removed at the end.",
             "[district]", 'slug = "bench"', 'name = "基准测试区"', ""]
    for n in range(schools):
        lines += ["[[schools]]", f'slug = "b{n:03d}"', f'name = "第{n + 1}小学"',
                  'type = "primary"', 'modules = ["canteen", "fees"]',
                  "settings = { canteen = { meal_fees = true, meal_prices_fen = { full = "
                  f"{MEAL_PRICE_FEN} }} }} }}", ""]
    return "\n".join(lines)


def generate(connection, tables, tenant_id: int, students: int, today: date, seed: int,
             batch: int) -> tuple[object, int]:
    """One school's calendar, classes, students and published fee items, written as the
    owner with Core inserts. Returns the term's id and the enrolled students."""
    from core.db import uuid7

    rng = random.Random(seed)

    def put(table: str, rows: list[dict]) -> None:
        for row in rows:
            row["tenant_id"] = tenant_id
        for start in range(0, len(rows), batch):
            connection.execute(tables[table].insert(), rows[start:start + batch])

    year_id, term_id = uuid7(), uuid7()
    put("academic_years", [{"id": year_id, "name": f"{today.year}学年",
                            "start_date": today - timedelta(days=150),
                            "end_date": today + timedelta(days=200)}])
    put("terms", [{"id": term_id, "academic_year_id": year_id, "name": "本学期",
                   "start_date": today - timedelta(days=80),
                   "end_date": today + timedelta(days=60), "weekdays": [0, 1, 2, 3, 4]}])
    grades = [{"id": uuid7(), "name": name, "level": n + 1} for n, name in enumerate(GRADES)]
    put("grades", grades)
    count = max(len(GRADES), round(students / STUDENTS_PER_CLASS))
    teachers, classes = [], []
    for n in range(count):
        grade = grades[n * len(grades) // count]
        number = sum(1 for c in classes if c["grade_id"] == grade["id"]) + 1
        teacher = {"id": uuid7(), "name": rng.choice(SURNAMES) + rng.choice(GIVEN),
                   "position": "班主任", "phone": None, "user_id": None, "active": True}
        teachers.append(teacher)
        classes.append({"id": uuid7(), "grade_id": grade["id"], "name": f"{number}班",
                        "head_teacher_id": teacher["id"], "status": "active"})
    put("staff", teachers)
    put("classes", classes)
    put("students", [{
        "id": uuid7(), "student_no": f"{today.year}{n:06d}",
        "name": rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN),
        "gender": "male" if n % 2 else "female", "birth_date": date(2016, 1 + n % 12, 1),
        "class_id": classes[n % count]["id"], "boarding": False, "status": "enrolled",
        "allergies": "", "dietary_notes": ""} for n in range(students)])
    effective = today - timedelta(days=100)
    notice_id = uuid7()
    published = datetime.combine(effective, datetime.min.time(), tzinfo=ZONE)
    items = [{"id": uuid7(), "name": name, "category": category, "amount_fen": fen,
              "unit": unit, "basis_authority": "市发展和改革委员会",
              "basis_reference": "价费〔2026〕12号", "voluntary": False, "applies_to": "school",
              "applies_ids": [], "source": source, "notes": "", "status": "published",
              "version": 1, "created_by": "基准", "created_at": published,
              "approved_by": "基准", "approved_at": published, "notice_id": notice_id,
              "effective_on": effective, "retired_at": None, "retired_by": None}
             for name, category, fen, unit, source in ITEMS]
    put("fees_notices", [{"id": notice_id, "number": 1, "title": "收费公示", "effective_on":
                          effective, "items": [{"name": i["name"], "amount_fen": i["amount_fen"]}
                                               for i in items],
                          "phones": {}, "remarks": "", "published_by": "基准",
                          "published_at": published}])
    put("fees_items", items)
    return term_id, students


# --- the set-based insert ------------------------------------------------------------------

SET_BASED = """
WITH pupils AS (
    SELECT s.tenant_id, s.id AS student_id, s.class_id, t.id AS term_id,
           row_number() OVER (ORDER BY s.tenant_id, s.student_no) AS n
    FROM students s JOIN terms t ON t.tenant_id = s.tenant_id
    WHERE s.status = 'enrolled' AND s.tenant_id = ANY(:tenants)
), priced AS (
    SELECT i.tenant_id, i.id AS item_id, i.category, i.name,
           coalesce(i.source, 'fees') AS source,
           CASE WHEN i.source IS NULL THEN 'item:' || i.id::text
                ELSE i.source || '\\:meals.full' END AS code,
           CASE i.unit WHEN 'term' THEN 1 WHEN 'month' THEN :months
                       WHEN 'school_day' THEN :days ELSE 1 END AS quantity,
           CASE WHEN i.source IS NULL THEN i.amount_fen ELSE :meal_price END AS unit_price,
           row_number() OVER (PARTITION BY i.tenant_id ORDER BY i.category, i.name) AS k
    FROM fees_items i
    WHERE i.status = 'published' AND i.effective_on <= :today AND i.tenant_id = ANY(:tenants)
), totals AS (
    SELECT tenant_id, sum(quantity * unit_price) AS total FROM priced GROUP BY tenant_id
), lines AS (
    SELECT p.tenant_id, p.student_id, p.n, pr.item_id, pr.category, pr.name, pr.source,
           pr.code, pr.quantity, pr.unit_price, pr.k,
           (:line_prefix || lpad(to_hex(p.n * 8 + pr.k), 12, '0'))::uuid AS line_id
    FROM pupils p JOIN priced pr ON pr.tenant_id = p.tenant_id
), new_bills AS (
    INSERT INTO fees_bills (tenant_id, id, term_id, student_id, class_id, status, total_fen,
                            generated_at, issued_at, issued_by, version)
    SELECT p.tenant_id, (:bill_prefix || lpad(to_hex(p.n), 12, '0'))::uuid, p.term_id,
           p.student_id, p.class_id, :status, t.total, now(),
           CASE WHEN :issue THEN now() END, CASE WHEN :issue THEN 'bench' END, 1
    FROM pupils p JOIN totals t ON t.tenant_id = p.tenant_id
), new_lines AS (
    INSERT INTO fees_bill_lines (tenant_id, id, bill_id, kind, source, code, fee_item_id,
                                 category, description, quantity, unit_price_fen, amount_fen,
                                 reason, created_by, created_at)
    SELECT tenant_id, line_id, (:bill_prefix || lpad(to_hex(n), 12, '0'))::uuid, 'charge',
           source, code, item_id, category, name, quantity, unit_price, quantity * unit_price,
           '', 'bench', now()
    FROM lines
)
INSERT INTO fees_ledger (tenant_id, id, student_id, bill_id, kind, amount_fen, bill_line_id,
                         reason, day, created_by, created_at)
SELECT tenant_id, (:entry_prefix || lpad(to_hex(n * 8 + k), 12, '0'))::uuid, student_id,
       (:bill_prefix || lpad(to_hex(n), 12, '0'))::uuid, 'charge', quantity * unit_price,
       line_id, name, :today, 'bench', now()
FROM lines WHERE :issue AND quantity * unit_price <> 0
"""


def prefix() -> str:
    """The first 20 hex digits of a fresh time-ordered id: the set-based side's ids count up
    from there, time-ordered as the app's are (random ids would slow its index inserts)."""
    from core.db import uuid7

    return uuid7().hex[:20]


# --- comparing the two sides ---------------------------------------------------------------


def rows_written(connection) -> dict[str, object]:
    """Every school's bills, lines and ledger charges, as comparable sums and counts (not the
    ids, times and descriptions, which differ by construction)."""
    bills = connection.execute(text(
        "SELECT tenant_id, status, count(*), sum(total_fen) FROM fees_bills "
        "GROUP BY tenant_id, status ORDER BY 1, 2")).all()
    lines = connection.execute(text(
        "SELECT b.tenant_id, l.kind, l.source, l.code, l.fee_item_id::text, l.category, "
        "l.quantity, l.unit_price_fen, l.amount_fen, count(*) FROM fees_bill_lines l "
        "JOIN fees_bills b ON b.tenant_id = l.tenant_id AND b.id = l.bill_id "
        "GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9 ORDER BY 1, 2, 3, 4, 5, 6, 7, 8, 9")).all()
    ledger = connection.execute(text(
        "SELECT tenant_id, kind, count(*), sum(amount_fen), count(DISTINCT bill_line_id) "
        "FROM fees_ledger GROUP BY 1, 2 ORDER BY 1, 2")).all()
    return {"bills": [tuple(r) for r in bills], "lines": [tuple(r) for r in lines],
            "ledger": [tuple(r) for r in ledger],
            "bill_count": sum(r[2] for r in bills), "line_count": sum(r[-1] for r in lines),
            "entry_count": sum(r[2] for r in ledger)}


def clear(connection) -> None:
    """Back to no bills: what either side wrote, and the job side's runs and audit events."""
    connection.execute(text("TRUNCATE fees_ledger, fees_bill_lines, fees_bills, "
                            "fees_billing_runs, job_runs, audit_events"))
    connection.commit()


# --- the job side --------------------------------------------------------------------------


class Recorder:
    """A job backend that keeps what it is handed, so the benchmark runs each job itself as
    a worker would (``core.jobs.runner.execute``), timed and one after the other."""

    def __init__(self) -> None:
        self.jobs: list[tuple[int, str]] = []

    def dispatch(self, tenant_id: int, run_id: str, max_attempts: int, run_at=None) -> None:
        self.jobs.append((tenant_id, run_id))

    def is_pending(self, run_id: str) -> bool:
        return any(r == run_id for _t, r in self.jobs)

    def ping(self) -> bool:
        return True


def start_runs(app, refs, terms: dict[int, object], issue: bool) -> list[str]:
    """Record a billing run per school and enqueue its job, as the API does."""
    from core.audit import Actor, acting_as
    from core.extensions import db
    from core.tenancy import tenant_context
    from plugins.fees.services import billing

    ids = []
    with app.app_context():
        for ref in refs:
            with tenant_context(ref), acting_as(Actor(user_id=None, source="cli")):
                run = billing.start_run(terms[ref.id], "school", None, issue, by="基准")
                ids.append(str(run.id))
                db.session.commit()
        db.session.remove()
    return ids


def job_outcomes(app, refs) -> list[tuple[str, int, int]]:
    """Each school's job status and its run's counts, read back through the app."""
    from sqlalchemy import select

    from core.extensions import db
    from core.jobs.models import JobRun
    from core.tenancy import tenant_context
    from plugins.fees.models import BillingRun

    found = []
    with app.app_context():
        for ref in refs:
            with tenant_context(ref):
                status = db.session.scalar(select(JobRun.status))
                run = db.session.scalar(select(BillingRun))
                found.append((status, run.created, run.unchanged))
        db.session.remove()
    return found


def work_through_rq(app) -> None:
    """What ``houqin worker --burst`` does, in this process: every queued job, then stop."""
    from rq import SimpleWorker

    from core.jobs import runner

    backend = app.extensions["houqin_jobs"]
    runner.set_worker_app(app)
    SimpleWorker([backend.queue], connection=backend.connection).work(burst=True)


class WorkerProcess:
    """A real ``houqin worker`` (rq's forking worker: a work horse per job) on its own queue,
    started before the job side is timed, as it waits in production. While jobs run, a
    sampler thread reads from ``/proc`` the CPU of the app role's PostgreSQL backends (they
    come and go with the work horses; each one's last reading is kept, so at most one
    sampling interval of a backend's last moments is missed) and the resident set of the
    worker and its work horses."""

    INTERVAL = 0.05

    def __init__(self, scratch, redis_url: str, queue: str, app_role: str) -> None:
        import subprocess

        self.scratch, self.app_role = scratch, app_role
        env = {**os.environ, "DATABASE_URL": scratch.app_str,
               "MIGRATION_DATABASE_URL": scratch.owner_str, "REDIS_URL": redis_url,
               "HOUQIN_QUEUE": queue, "HOUQIN_INSTANCE_PATH": str(scratch.workdir / "instance"),
               "SECRET_KEY": "bench-worker", "HOUQIN_LOG_FORMAT": "text"}
        env.pop("HOUQIN_PLUGINS", None)  # every installed module, as the bench's own app
        self.log = open(scratch.workdir / "worker.log", "w+")  # noqa: SIM115
        self.process = subprocess.Popen(
            [sys.executable, "-c", "from core.cli import main; main()", "worker",
             "--no-scheduler"], cwd=REPO, env=env, stdout=self.log, stderr=subprocess.STDOUT)
        self.rss_peak_kb = 0
        self.horse_peak_kb = 0

    def wait_ready(self, redis_url: str, queue: str, timeout: float = 60.0) -> None:
        from redis import Redis
        from rq import Queue, Worker

        connection = Redis.from_url(redis_url)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise BenchError(f"houqin worker exited: {self.tail()}")
            if Worker.all(queue=Queue(queue, connection=connection)):
                return
            time.sleep(0.1)
        raise BenchError(f"houqin worker did not start within {timeout:.0f} s: {self.tail()}")

    def cpu(self) -> float:
        """The worker's CPU and that of its finished work horses (user + system)."""
        ticks = os.sysconf("SC_CLK_TCK")
        try:
            fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError as exc:
            raise BenchError("houqin worker is gone") from exc
        own = sum(int(v) for v in fields[11:15])  # utime, stime, cutime, cstime
        return own / ticks + cpu_seconds(child_pids(self.process.pid))

    def run_until(self, done, timeout: float, poll: float = 0.1) -> float:
        """Sample until ``done()``; the PostgreSQL CPU of the app role's backends meanwhile."""
        import threading

        seen: dict[int, tuple[float, float]] = {}  # pid: (first reading, last reading)
        before = set(backend_pids(self.scratch.owner_str, self.scratch.name, self.app_role))
        stop = threading.Event()

        def sample() -> None:
            from sqlalchemy import pool as sa_pool

            engine = create_engine(self.scratch.owner_str, poolclass=sa_pool.NullPool)
            try:
                with engine.connect() as connection:
                    while not stop.is_set():
                        pids = connection.execute(text(
                            "SELECT pid FROM pg_stat_activity WHERE datname = :d AND usename = :u"
                        ), {"d": self.scratch.name, "u": self.app_role}).scalars().all()
                        connection.rollback()
                        for pid in pids:
                            now = cpu_seconds([pid])
                            first = seen.get(pid, (0.0 if pid not in before else now, now))[0]
                            seen[pid] = (first, now)
                        for pid in [self.process.pid, *child_pids(self.process.pid)]:
                            kb = proc_status_kb(pid, "VmRSS") or 0
                            if pid == self.process.pid:
                                self.rss_peak_kb = max(self.rss_peak_kb, kb)
                            else:
                                self.horse_peak_kb = max(self.horse_peak_kb, kb)
                        stop.wait(self.INTERVAL)
            finally:
                engine.dispose()

        thread = threading.Thread(target=sample, daemon=True)
        thread.start()
        deadline = time.monotonic() + timeout
        try:
            while not done():
                if self.process.poll() is not None:
                    raise BenchError(f"houqin worker exited: {self.tail()}")
                if time.monotonic() > deadline:
                    raise BenchError(f"the jobs did not finish within {timeout:.0f} s")
                time.sleep(poll)
        finally:
            stop.set()
            thread.join()
        return sum(last - first for first, last in seen.values())

    def tail(self, lines: int = 20) -> str:
        self.log.flush()
        self.log.seek(0)
        return "".join(self.log.readlines()[-lines:])

    def stop(self) -> None:
        import signal
        import subprocess

        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)  # rq's warm shutdown
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()


def finished_runs(owner) -> int:
    with owner.connect() as connection:
        return connection.execute(text(
            "SELECT count(*) FROM fees_billing_runs WHERE finished_at IS NOT NULL")).scalar()


def profile_one_school(app, owner, ref, terms, recorder, args) -> None:
    """One school's job again from no bills, under cProfile: where its time goes."""
    import cProfile
    import pstats

    from core.jobs import runner

    with owner.connect() as connection:
        for table in ("fees_ledger", "fees_bill_lines", "fees_bills", "fees_billing_runs",
                      "job_runs"):
            connection.execute(text(f"DELETE FROM {table} WHERE tenant_id = :t"), {"t": ref.id})
        connection.commit()
    recorder.jobs.clear()
    start_runs(app, [ref], terms, args.issue)
    profiler = cProfile.Profile()
    profiler.enable()
    runner.execute(*recorder.jobs[0], app)
    profiler.disable()
    print(f"one school's job under cProfile, the {args.profile} functions with the most "
          "time of their own and below:")
    order = os.environ.get("BENCH_PROFILE_SORT", "cumulative")
    pstats.Stats(profiler).sort_stats(order).print_stats(args.profile)


def vm(field_name: str) -> int:
    """A memory figure of this process from /proc/self/status, in kB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field_name + ":"):
            return int(line.split()[1])
    return 0


def reset_peak_rss() -> bool:
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


@dataclass
class Round:
    set_based_s: float = 0.0
    set_based_backend_cpu_s: float = 0.0
    job_s: float = 0.0
    job_backend_cpu_s: float = 0.0
    job_cpu_s: float = 0.0
    job_gc_s: float = 0.0
    enqueue_s: float = 0.0  # requesting the runs and enqueueing their jobs (in job_s)
    worker_cpu_s: float = 0.0  # `houqin worker` and its work horses (--backend worker)
    worker_backend_cpu_s: float = 0.0  # PostgreSQL backends of the worker's connections
    per_school_s: list[float] = field(default_factory=list)
    statements: int = 0
    rss_before_kb: int = 0
    rss_after_kb: int = 0
    rss_peak_kb: int = 0
    others_cpu_share: float = 0.0

    @property
    def job_cpu_total_s(self) -> float:
        return self.job_cpu_s + self.worker_cpu_s + self.job_backend_cpu_s

    @property
    def cpu_ratio(self) -> float:
        """The job's rate by CPU cost against the set-based one's: CPU seconds set-based ÷
        CPU seconds of the job (this process's enqueueing, the worker, their backends)."""
        return self.set_based_backend_cpu_s / self.job_cpu_total_s if self.job_cpu_total_s \
            else 0.0

    @property
    def ratio(self) -> float:
        return self.set_based_s / self.job_s if self.job_s else 0.0


def main() -> int:
    parser = argparse.ArgumentParser(
        description="Billing a term through the fee module's job against one set-based SQL "
                    "insert of the same rows (see bench/README.md).")
    parser.add_argument("--schools", type=int, default=20, help="schools (1-500)")
    parser.add_argument("--students", type=int, default=1000,
                        help="students per school (40-20000)")
    parser.add_argument("--issue", action="store_true",
                        help="issue the bills in the run (ledger charges on both sides)")
    parser.add_argument("--rounds", type=int, default=5,
                        help="paired rounds of both sides (1-9), the order alternating")
    parser.add_argument("--backend", choices=("worker", "inline", "rq"), default="worker",
                        help="worker: a real `houqin worker` process on rq/Redis (default); "
                             "inline: each job through runner.execute in this process; rq: "
                             "an rq SimpleWorker in this process")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/15",
                        help="Redis for --backend worker and rq")
    parser.add_argument("--batch", type=int, default=5000, help="rows per generating insert")
    parser.add_argument("--seed", type=int, default=20261121, help="random seed of the data")
    parser.add_argument("--pg-admin-url", default=os.environ.get(
        "HOUQIN_BENCH_PG_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"),
        help="a superuser URL on the local server, used to create and drop the database")
    parser.add_argument("--app-role", default="houqin_bench_app",
                        help="the PostgreSQL role the app connects as (created when missing)")
    parser.add_argument("--json", dest="json_path", default=None,
                        help="where to write the results (default bench/results/<time>.json)")
    parser.add_argument("--no-json", action="store_true", help="write no results file")
    parser.add_argument("--keep-db", action="store_true", help="leave the database (debugging)")
    parser.add_argument("--show-sql", action="store_true",
                        help="print the statements the job side sends, with their time")
    parser.add_argument("--profile", type=int, default=0, metavar="N",
                        help="afterwards, bill one school again under cProfile and print the "
                             "N functions that take the most time")
    args = parser.parse_args()
    if not (1 <= args.schools <= 500 and 40 <= args.students <= 20000):
        print("--schools lies between 1 and 500, --students between 40 and 20000",
              file=sys.stderr)
        return 2
    rounds = min(max(args.rounds, 1), 9)

    if ScratchDatabase.elsewhere(args.pg_admin_url):
        return 2
    scratch = ScratchDatabase(args.pg_admin_url, args.app_role)
    database, owner_str = scratch.name, scratch.owner_str
    app = owner = worker = None
    queue_name = f"houqin-bench-{uuid.uuid4().hex[:8]}"
    started_at = datetime.now(UTC)

    try:
        version = scratch.start()
        server_version = scratch.server_version

        from core.app import create_app
        from core.extensions import db
        from core.jobs import runner
        from core.migrate import upgrade
        from core.schools.models import Tenant
        from core.sdk import school_days
        from core.tenancy import tenant_context
        from tenants.manifests import apply_manifest

        app = create_app(scratch.app_config(
            REDIS_URL=None if args.backend == "inline" else args.redis_url, RQ_QUEUE=queue_name))
        import logging

        logging.getLogger("houqin.jobs").setLevel(logging.WARNING)  # a line per job is noise
        runner.start_worker_process(app)  # as ``houqin worker`` does once it has the app
        recorder = Recorder()
        if args.backend == "inline":
            app.extensions["houqin_jobs"].shutdown()
            app.extensions["houqin_jobs"] = recorder
        print(f"migrating and provisioning {args.schools} schools ...")
        with app.app_context():
            for note in upgrade(app):
                if "row-level security" not in note:
                    print(f"  upgrade: {note}")
            apply_manifest(manifest(args.schools), source="bench manifest")
            refs = sorted((t.ref() for t in db.session.scalars(db.select(Tenant))),
                          key=lambda r: r.slug)
            db.session.remove()

        today = datetime.now(ZONE).date()
        idle_busy = machine_busy()
        print(f"machine busy before generating (nothing of ours running): {idle_busy:.0%}"
              + ("; other work is running, the figures will be noisy" if idle_busy > 0.15
                 else ""))
        owner = create_engine(owner_str, pool_size=1, max_overflow=0)
        terms: dict[int, object] = {}
        generated = time.perf_counter()
        with owner.connect() as connection:
            tables = dict(db.metadata.tables)
            for n, ref in enumerate(refs):
                terms[ref.id], _count = generate(connection, tables, ref.id, args.students,
                                                 today, args.seed + n, args.batch)
            connection.commit()
            connection.execute(text("ANALYZE"))
            connection.commit()
        print(f"  {args.schools} schools of {args.students} students written in "
              f"{time.perf_counter() - generated:.1f} s")
        with app.app_context(), tenant_context(refs[0]):
            days = school_days(today - timedelta(days=80), today + timedelta(days=60))
            db.session.remove()
        params = {"tenants": [r.id for r in refs], "days": len(days),
                  "months": len({(d.year, d.month) for d in days}),
                  "meal_price": MEAL_PRICE_FEN, "today": today, "issue": args.issue,
                  "status": "issued" if args.issue else "draft"}
        bills_expected = args.schools * args.students
        lines_expected = bills_expected * len(ITEMS)
        print(f"the term: {len(days)} school days in {params['months']} months; "
              f"{bills_expected:,} bills of {len(ITEMS)} lines to write per side"
              + (", issued (ledger charges too)" if args.issue else ", as drafts"))

        statements = Counter()
        spent: Counter = Counter()  # wall seconds per statement shape (--show-sql)

        def _started(conn, cursor, statement, parameters, context, executemany):
            conn.info["bench_started"] = time.perf_counter()

        def _count(conn, cursor, statement, parameters, context, executemany):
            statements["sent"] += 1
            if args.show_sql:
                shape = " ".join(statement.split())[:110]
                spent[shape] += time.perf_counter() - conn.info.pop("bench_started", 0)
                statements[shape] += 1

        with app.app_context():
            event.listen(db.engine, "before_cursor_execute", _started)
            event.listen(db.engine, "after_cursor_execute", _count)

        collector = GcClock()
        gc.callbacks.append(collector)
        results: list[Round] = []
        reference = None
        if args.backend == "worker":
            worker = WorkerProcess(scratch, args.redis_url, queue_name, args.app_role)
            worker.wait_ready(args.redis_url, queue_name)
            print(f"houqin worker started (pid {worker.process.pid}) on queue {queue_name}")

        def set_based_side(result: Round) -> dict:
            """One statement, on an owner connection."""
            with owner.connect() as connection:
                clear(connection)
                backend = [connection.execute(text("SELECT pg_backend_pid()")).scalar()]
                connection.commit()
                backend_cpu = cpu_seconds(backend)
                started = time.perf_counter()
                connection.execute(text(SET_BASED), {
                    **params, "bill_prefix": prefix(), "line_prefix": prefix(),
                    "entry_prefix": prefix()})
                connection.commit()
                result.set_based_s = time.perf_counter() - started
                result.set_based_backend_cpu_s = cpu_seconds(backend) - backend_cpu
                set_rows = rows_written(connection)
                clear(connection)
            if set_rows["bill_count"] != bills_expected or (
                    set_rows["line_count"] != lines_expected):
                raise BenchError(f"the set-based insert wrote {set_rows['bill_count']} bills "
                                 f"and {set_rows['line_count']} lines")
            return set_rows

        def job_side(result: Round) -> dict:
            """A run per school, requested and enqueued (timed), each job run by a worker."""
            with owner.connect() as connection:
                clear(connection)
            recorder.jobs.clear()
            gc.collect()
            result.rss_before_kb = vm("VmRSS")
            peak_known = reset_peak_rss()
            busy, total = system_cpu()
            backends = backend_pids(owner_str, database, args.app_role)
            backend_cpu = cpu_seconds(backends)
            worker_cpu = worker.cpu() if worker else 0.0
            statements.clear()
            collected = collector.seconds
            cpu, started = time.process_time(), time.perf_counter()
            start_runs(app, refs, terms, args.issue)  # the enqueueing, as the API does it
            result.enqueue_s = time.perf_counter() - started
            enqueue_cpu = time.process_time() - cpu
            if args.backend == "inline":
                for tenant_id, job_id in recorder.jobs:
                    one = time.perf_counter()
                    runner.execute(tenant_id, job_id, app)
                    result.per_school_s.append(time.perf_counter() - one)
            elif args.backend == "rq":
                work_through_rq(app)
            else:
                result.worker_backend_cpu_s = worker.run_until(
                    lambda: finished_runs(owner) >= len(refs), timeout=1800, poll=0.1)
            result.job_s = time.perf_counter() - started
            # With a worker process, this process only requested and enqueued: its waiting and
            # sampling afterwards are the benchmark's, not the job's.
            result.job_cpu_s = enqueue_cpu if worker else time.process_time() - cpu
            result.job_gc_s = collector.seconds - collected
            result.job_backend_cpu_s = (cpu_seconds(backends) - backend_cpu
                                        + result.worker_backend_cpu_s)
            if worker:
                result.worker_cpu_s = worker.cpu() - worker_cpu
            result.statements = statements["sent"]
            if args.show_sql:
                print("  the job side's statements, by the time they took (wall):")
                for shape, seconds in spent.most_common(25):
                    print(f"    {seconds:7.3f} s {statements[shape]:>6} x  {shape}")
                spent.clear()
            busy_after, total_after = system_cpu()
            result.others_cpu_share = max(0.0, (
                busy_after - busy - result.job_cpu_s - result.worker_cpu_s
                - result.job_backend_cpu_s) / max(total_after - total, 1e-9))
            result.rss_after_kb = vm("VmRSS")
            result.rss_peak_kb = vm("VmHWM") if peak_known else 0
            outcomes = job_outcomes(app, refs)
            bad = [o for o in outcomes if o[0] != "finished" or o[1] != args.students]
            if bad:
                raise BenchError(f"{len(bad)} jobs did not bill their school: {bad[:3]}")
            with owner.connect() as connection:
                return rows_written(connection)

        for number in range(rounds):
            result = Round()
            # Paired rounds, the order alternating, so neither side always runs first.
            if number % 2 == 0:
                set_rows = set_based_side(result)
                job_rows = job_side(result)
            else:
                job_rows = job_side(result)
                set_rows = set_based_side(result)
            if job_rows != set_rows:
                differ = [k for k in job_rows if job_rows[k] != set_rows[k]]
                raise BenchError(f"the two sides wrote different rows ({', '.join(differ)})")
            reference = job_rows
            results.append(result)
            print(f"  round {number + 1}: set-based {result.set_based_s:.2f} s (its PostgreSQL "
                  f"backend's CPU {result.set_based_backend_cpu_s:.2f} s), job "
                  f"{result.job_s:.2f} s incl. {result.enqueue_s:.2f} s requesting and "
                  f"enqueueing (CPU: this process {result.job_cpu_s:.2f} s, the worker "
                  f"{result.worker_cpu_s:.2f} s, PostgreSQL {result.job_backend_cpu_s:.2f} s); "
                  f"CPU-cost ratio {result.cpu_ratio:.3f}, wall ratio {result.ratio:.3f}; "
                  f"other processes used {result.others_cpu_share:.0%} of the machine")

        # What one school's job allocates, traced apart (tracemalloc slows Python down); in
        # this process, so not with a worker process (its resident set is reported instead).
        traced_now = traced_peak = 0
        if args.backend != "worker":
            with owner.connect() as connection:
                for table in ("fees_ledger", "fees_bill_lines", "fees_bills",
                              "fees_billing_runs", "job_runs"):
                    connection.execute(text(f"DELETE FROM {table} WHERE tenant_id = :t"),
                                       {"t": refs[0].id})
                connection.commit()
            recorder.jobs.clear()
            start_runs(app, refs[:1], terms, args.issue)
            gc.collect()
            tracemalloc.start()
            if args.backend == "inline":
                runner.execute(*recorder.jobs[0], app)
            else:
                work_through_rq(app)
            traced_now, traced_peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()

        if args.profile and args.backend == "inline":
            profile_one_school(app, owner, refs[0], terms, recorder, args)

        set_based = statistics.median(r.set_based_s for r in results)
        job = statistics.median(r.job_s for r in results)
        cpu_ratios = [r.cpu_ratio for r in results]
        wall_ratios = [r.ratio for r in results]
        cpu_ratio, ratio = statistics.median(cpu_ratios), statistics.median(wall_ratios)
        median = sorted(results, key=lambda r: r.cpu_ratio)[len(results) // 2]
        print()
        print("=" * 88)
        print(f"{args.schools} schools x {args.students} students, {len(ITEMS)} lines a bill"
              + (", issued" if args.issue else ", drafts") + f"; backend {args.backend}; "
              f"{len(results)} paired rounds")
        print(f"{'':>12} {'seconds':>9} {'bills/s':>10} {'lines/s':>11}   (medians)")
        for name, seconds in (("set-based", set_based), ("job", job)):
            print(f"{name:>12} {seconds:9.2f} {bills_expected / seconds:10,.0f} "
                  f"{lines_expected / seconds:11,.0f}")
        print(f"job side includes requesting and enqueueing: median "
              f"{statistics.median(r.enqueue_s for r in results):.2f} s")
        print(f"CPU-cost ratio (set-based CPU / job CPU) min / median / max: "
              f"{spread(cpu_ratios)}")
        print(f"wall-clock ratio (job rate / set-based rate) min / median / max: "
              f"{spread(wall_ratios)}")
        print(f"CPU of the median round: set-based {median.set_based_backend_cpu_s:.2f} s "
              f"(PostgreSQL); job {median.job_cpu_total_s:.2f} s (this process "
              f"{median.job_cpu_s:.2f}, the worker {median.worker_cpu_s:.2f}, PostgreSQL "
              f"{median.job_backend_cpu_s:.2f})")
        verdict = "PASS" if cpu_ratio >= TARGET_RATIO else "FAIL (below target)"
        print(f"judged by the median CPU-cost ratio {cpu_ratio:.3f}, target >= {TARGET_RATIO}: "
              f"{verdict}")
        if median.per_school_s:
            print(f"per school: median {statistics.median(median.per_school_s) * 1000:.0f} ms, "
                  f"slowest {max(median.per_school_s) * 1000:.0f} ms; statements sent "
                  f"{median.statements / args.schools:.1f} per school")
        if worker is not None:
            print(f"PF5 memory: `houqin worker` (every module) resident set peak "
                  f"{worker.rss_peak_kb / 1024:.1f} MB, its work horses' peak "
                  f"{worker.horse_peak_kb / 1024:.1f} MB (target <= 150 MB)")
        else:
            print(f"job memory: RSS {median.rss_before_kb / 1024:.1f} MB before, "
                  f"{median.rss_after_kb / 1024:.1f} MB after, peak "
                  f"{median.rss_peak_kb / 1024:.1f} MB during the job side; tracemalloc peak "
                  f"of one school's job {traced_peak / 1024 / 1024:.1f} MB "
                  f"({traced_now / 1024 / 1024:.1f} MB still held after it)")
        print(f"rows on each side: {reference['bill_count']:,} bills, "
              f"{reference['line_count']:,} lines, {reference['entry_count']:,} ledger entries")
        print("=" * 88)

        if not args.no_json:
            out = {
                "benchmark": "term_billing",
                "started_at": started_at.isoformat(timespec="seconds"),
                "code": version,
                "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                            "postgresql": server_version, "platform": platform.platform()},
                "settings": {"schools": args.schools, "students": args.students,
                             "issue": args.issue, "rounds": rounds, "backend": args.backend,
                             "seed": args.seed, "school_days": params["days"],
                             "months": params["months"]},
                "machine_busy_before": idle_busy,
                "bills": bills_expected, "lines": lines_expected,
                "set_based_s": [r.set_based_s for r in results],
                "job_s": [r.job_s for r in results],
                "job_cpu_s": [r.job_cpu_s for r in results],
                "job_gc_s": [r.job_gc_s for r in results],
                "set_based_backend_cpu_s": [r.set_based_backend_cpu_s for r in results],
                "job_backend_cpu_s": [r.job_backend_cpu_s for r in results],
                "enqueue_s": [r.enqueue_s for r in results],
                "worker_cpu_s": [r.worker_cpu_s for r in results],
                "cpu_ratios": cpu_ratios, "ratios": wall_ratios,
                "cpu_ratio": cpu_ratio, "ratio": ratio, "target_ratio": TARGET_RATIO,
                "passed": cpu_ratio >= TARGET_RATIO, "judged_by": "median CPU-cost ratio",
                "worker_rss_peak_kb": worker.rss_peak_kb if worker else None,
                "work_horse_rss_peak_kb": worker.horse_peak_kb if worker else None,
                "per_school_s": median.per_school_s,
                "statements": median.statements,
                "rss_kb": {"before": median.rss_before_kb, "after": median.rss_after_kb,
                           "peak": median.rss_peak_kb},
                "tracemalloc_peak_bytes": traced_peak,
                "others_cpu_share": [r.others_cpu_share for r in results],
            }
            path = Path(args.json_path) if args.json_path else (
                BENCH / "results" / f"term_billing-{started_at:%Y%m%d-%H%M%S}.json")
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
        if worker is not None:
            worker.stop()
        if app is not None:
            from core.extensions import db

            with app.app_context():
                db.session.remove()
                for engine in db.engines.values():
                    engine.dispose()
            if args.backend != "inline":
                try:
                    from redis import Redis
                    from rq import Queue

                    Queue(queue_name, connection=Redis.from_url(args.redis_url)).delete(
                        delete_jobs=True)
                except Exception as exc:  # the queue is a leftover, not a measurement
                    print(f"could not remove the rq queue {queue_name}: {exc}", file=sys.stderr)
        if owner is not None:
            owner.dispose()
        scratch.remove(args.keep_db)


if __name__ == "__main__":
    sys.exit(main())
