"""The scheduler's minute at 10,000 schools: a quiet minute and the 07:30 minute.

What a scheduler does each minute (core.jobs.scheduler): tick the minute (``catch_up``, which
starts every schedule due then for every school with its module on, set-based, and hands the
jobs to rq in bulk) and the stalled-job sweep (``resend``). Targets at 10,000 schools: a quiet
minute under 0.5 s, the 07:30 minute (canteen reminders start for every school) under 10 s.

It creates its own PostgreSQL database, migrates it as ``houqin db upgrade`` does, provisions
the schools with a few bulk statements as the owner, and measures paired rounds: the same
minute with all schools active, then with only 10 active (the baseline, in the same run).
Each round reports wall-clock seconds and the CPU of this process and of its PostgreSQL
backend; the ratio 10,000 ÷ 10 is judged by CPU. The rq queue it fills is private and emptied.

    .venv/bin/python bench/job_sweep.py [--schools 10000] [--rounds 3]
"""

from __future__ import annotations

import argparse
import logging
import os
import statistics
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import create_engine, pool, text

REPO = Path(__file__).resolve().parent.parent
BENCH = REPO / "bench"
sys.path[:0] = [str(REPO), str(BENCH)]

from request_overhead import ScratchDatabase, backend_pids, cpu_seconds, machine_busy  # noqa: E402

QUIET_TARGET, BUSY_TARGET = 0.5, 10.0
BASELINE_SCHOOLS = 10


def provision(owner_url: str, schools: int) -> None:
    """``schools`` schools in Shanghai with the canteen module on: three statements."""
    engine = create_engine(owner_url, poolclass=pool.NullPool)
    with engine.begin() as connection:
        district = connection.execute(text(
            "INSERT INTO districts (slug, name, timezone, created_at)"
            " VALUES ('bench', 'Bench', 'Asia/Shanghai', now()) RETURNING id")).scalar()
        connection.execute(text(
            "INSERT INTO tenants (district_id, slug, name, type, timezone, status, has_boarders,"
            " domains, created_at) SELECT :d, 'school-' || n, 'School ' || n, 'primary',"
            " 'Asia/Shanghai', 'active', false, '[]', now() FROM generate_series(1, :n) n"),
            {"d": district, "n": schools})
        connection.execute(text(
            "INSERT INTO tenant_modules (tenant_id, id, module, enabled, settings, changed_at)"
            " SELECT id, gen_random_uuid(), 'canteen', true, '{}', now() FROM tenants"))
    engine.dispose()


def set_active(owner_url: str, count: int | None) -> None:
    """Only the first ``count`` schools active (None: all), for the baseline rounds."""
    engine = create_engine(owner_url, poolclass=pool.NullPool)
    with engine.begin() as connection:
        connection.execute(text(
            "UPDATE tenants SET status = CASE WHEN :all OR id <= :n THEN 'active'"
            " ELSE 'suspended' END"), {"all": count is None, "n": count or 0})
    engine.dispose()


def finish_all(owner_url: str) -> None:
    engine = create_engine(owner_url, poolclass=pool.NullPool)
    with engine.begin() as connection:
        connection.execute(text("UPDATE job_runs SET status = 'finished', finished_at = now()"
                                " WHERE status <> 'finished'"))
    engine.dispose()


def one_minute(app, minute: datetime, owner_url: str, database: str, app_role: str
               ) -> tuple[float, float, int]:
    """Tick ``minute`` and sweep, as the scheduler does; (wall s, CPU s, jobs started)."""
    from core.extensions import db
    from core.jobs.models import SchedulerState
    from core.jobs.scheduler import catch_up, resend
    from core.jobs.scope import cross_school

    with app.app_context():
        state = db.session.get(SchedulerState, "ticks")
        if state is None:
            state = SchedulerState(name="ticks", skipped_minutes=0,
                                   last_minute=minute - timedelta(minutes=1))
            db.session.add(state)
        state.last_minute = minute - timedelta(minutes=1)
        db.session.commit()
        db.session.execute(text("SELECT 1"))  # the connection is open: its backend is known
        pids = backend_pids(owner_url, database, app_role)
        before = datetime.now(UTC)
        own0, db0 = time.process_time(), cpu_seconds(pids)
        start = time.perf_counter()
        catch_up(minute + timedelta(seconds=5))
        resend(app)
        wall = time.perf_counter() - start
        cpu = time.process_time() - own0 + cpu_seconds(pids) - db0
        with cross_school("bench count") as connection:
            started = connection.execute(text(
                "SELECT count(*) FROM job_runs WHERE created_at >= :t"),
                {"t": before}).scalar()
        db.session.commit()
        db.session.remove()
        return wall, cpu, started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--schools", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=3, help="paired rounds (1-9)")
    parser.add_argument("--pg-admin-url", default=os.environ.get(
        "HOUQIN_BENCH_PG_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"))
    parser.add_argument("--app-role", default="houqin_bench_app")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/15",
                        help="rq's Redis ('' to hand jobs to the in-process backend instead)")
    parser.add_argument("--keep-db", action="store_true")
    args = parser.parse_args()
    rounds = min(max(args.rounds, 1), 9)
    if ScratchDatabase.elsewhere(args.pg_admin_url):
        return 2
    scratch = ScratchDatabase(args.pg_admin_url, args.app_role)
    queue_name = f"houqin-bench-{uuid.uuid4().hex[:8]}"
    app = None
    try:
        scratch.start()
        from core.app import create_app
        from core.migrate import upgrade

        app = create_app(scratch.app_config(REDIS_URL=args.redis_url or None,
                                            RQ_QUEUE=queue_name, HOUQIN_PLUGINS=["canteen"]))
        logging.getLogger("houqin").setLevel(logging.WARNING)
        with app.app_context():
            upgrade(app)
        backend = app.extensions["houqin_jobs"]
        if hasattr(backend, "shutdown"):  # measure the handover, not the jobs themselves
            backend.shutdown()
            backend.dispatch_many = lambda jobs: None
            backend.dispatch = lambda *a, **k: None
        started = time.perf_counter()
        provision(scratch.owner_str, args.schools)
        print(f"provisioned {args.schools} schools in {time.perf_counter() - started:.1f} s")
        print(f"machine busy before measuring: {machine_busy():.0%}")
        results: dict[str, dict[str, list]] = {
            kind: {"many": [], "few": []} for kind in ("quiet", "07:30")}
        day = datetime(2026, 9, 1, tzinfo=UTC)
        for r in range(rounds):
            for side, active in (("many", None), ("few", BASELINE_SCHOOLS)) if r % 2 == 0 else (
                    ("few", BASELINE_SCHOOLS), ("many", None)):
                set_active(scratch.owner_str, active)
                base = day + timedelta(days=2 * r + (side == "few"))
                for kind, minute in (("quiet", base + timedelta(hours=19, minutes=17)),
                                     ("07:30", base - timedelta(minutes=30))):  # 07:30 +08
                    wall, cpu, jobs = one_minute(app, minute, scratch.owner_str, scratch.name,
                                                 args.app_role)
                    results[kind][side].append((wall, cpu, jobs))
                    print(f"round {r + 1} {side:4} {kind:5}: {wall:7.3f} s wall,"
                          f" {cpu:7.3f} s CPU, {jobs} job(s) started")
                finish_all(scratch.owner_str)  # as workers would have, before the next minute
                if hasattr(backend, "queue"):
                    backend.queue.empty()
        print()
        for kind, target in (("quiet", QUIET_TARGET), ("07:30", BUSY_TARGET)):
            many, few = results[kind]["many"], results[kind]["few"]
            walls = [w for w, _, _ in many]
            ratios = [m[1] / max(f[1], 1e-3) for m, f in zip(many, few, strict=True)]
            print(f"{kind} minute at {args.schools} schools: median {statistics.median(walls):.3f}"
                  f" s wall (spread {min(walls):.3f}-{max(walls):.3f}), target < {target} s:"
                  f" {'met' if max(walls) < target else 'NOT met'}; CPU ÷ {BASELINE_SCHOOLS}"
                  f" schools: median {statistics.median(ratios):.1f}"
                  f" (spread {min(ratios):.1f}-{max(ratios):.1f})")
        return 0
    finally:
        if app is not None:
            backend = app.extensions.get("houqin_jobs")
            if hasattr(backend, "queue"):
                backend.queue.empty()
                backend.queue.delete(delete_jobs=True)
            from core.extensions import db

            with app.app_context():
                db.session.remove()
                for engine in db.engines.values():
                    engine.dispose()
        scratch.remove(args.keep_db)


if __name__ == "__main__":
    sys.exit(main())
