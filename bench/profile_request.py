"""Where the time of one full-stack list request goes (cProfile through the Flask test client).

Run by ``bench/request_overhead.py --profile N`` against the database it seeded, with the same
environment the gunicorn workers get (DATABASE_URL, MIGRATION_DATABASE_URL, HOUQIN_*, PYTHONPATH
with tests/plugin_dist). It can also be run by hand against any seeded database::

    .venv/bin/python bench/profile_request.py --token hq_... --tenant alpha --requests 500

It prints the SQL statements one request sends, the time spent waiting on the database, and
the functions with the most own and cumulative CPU time over ``--requests`` requests (after a
bounded warm-up). The numbers are in-process (no gunicorn, no HTTP parsing), so they show
the share of each layer, not the throughput.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import logging
import os
import pstats
import time

from sqlalchemy import event

PATH = "/api/v1/notes?page_size=50"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--token", required=True)
    parser.add_argument("--tenant", required=True)
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--stats", metavar="FILE", help="also save the profile for pstats")
    args = parser.parse_args()
    count = max(1, min(args.requests, 20_000))

    from core.app import create_app
    from core.extensions import db

    app = create_app()
    client = app.test_client()
    # Keep the access log's cost, not its output: its lines would bury the report.
    sink = open(os.devnull, "w")  # noqa: SIM115 (open for the life of the process)
    for name in ("houqin", app.logger.name):
        for handler in logging.getLogger(name).handlers:
            if isinstance(handler, logging.StreamHandler):
                handler.setStream(sink)
    headers = {"Authorization": f"Bearer {args.token}", "X-Tenant": args.tenant}

    with app.app_context():
        engine = db.engine
    statements: list[str] = []
    db_time = [0.0]

    def before(conn, cursor, statement, parameters, context, executemany):
        conn.info["bench_started"] = time.perf_counter()
        statements.append(" ".join(statement.split())[:110])

    def after(conn, cursor, statement, parameters, context, executemany):
        db_time[0] += time.perf_counter() - conn.info.pop("bench_started", time.perf_counter())

    event.listen(engine, "before_cursor_execute", before)
    event.listen(engine, "after_cursor_execute", after)

    for _ in range(min(50, count)):  # warm-up: caches, compiled statements, pool
        response = client.get(PATH, headers=headers)
        if response.status_code != 200:
            raise SystemExit(f"warm-up request answered {response.status_code}: "
                             f"{response.get_data(as_text=True)[:300]}")
    statements.clear()
    client.get(PATH, headers=headers)
    print(f"SQL statements in one request: {len(statements)} "
          "(plus the pool's pre-ping, which sends no statement through these events)")
    for statement in statements:
        print(f"  {statement}")

    db_time[0] = 0.0
    started = time.perf_counter()
    for _ in range(count):
        client.get(PATH, headers=headers)
    plain = time.perf_counter() - started
    cpu_started = time.process_time()
    for _ in range(count):
        client.get(PATH, headers=headers)
    cpu = time.process_time() - cpu_started
    print(f"\n{count} requests in-process without profiler: {plain / count * 1000:.2f} ms each, "
          f"of which {db_time[0] / count * 1000:.2f} ms in cursor.execute "
          f"({db_time[0] / plain:.0%}); {cpu / count * 1000:.2f} ms of CPU each")

    # CPU time, not wall time: waiting on the database or on a busy machine is not cost here.
    profiler = cProfile.Profile(time.process_time)
    profiler.enable()
    for _ in range(count):
        client.get(PATH, headers=headers)
    profiler.disable()
    if args.stats:
        profiler.dump_stats(args.stats)
    for order in ("tottime", "cumulative"):
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).strip_dirs().sort_stats(order).print_stats(args.top)
        print(f"\n--- by {order} (under cProfile, {count} requests) ---")
        text = out.getvalue()
        print(text[text.find("   ncalls"):].rstrip())


if __name__ == "__main__":
    main()
