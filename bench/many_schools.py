"""Does a school's request slow down when the deployment holds 10,000 schools?

One run, from the repository root::

    .venv/bin/python bench/many_schools.py [--schools 10000] [--rounds 5] [--duration 8]

It makes two PostgreSQL databases with ``houqin db upgrade`` and provisions in each the same
ten schools from one manifest (the ``notes`` module on, a custom host name each, 100 notes
each). Into the second it then writes ``--schools`` more schools in a few set-based
statements (as an operator's bulk provisioning would): each with a custom host in
``tenant_domains``, the notes module, an admin with a membership and an API token, and
10 notes. Two gunicorn servers run the same code, one on each database, and take turns
(few, many, many, few, ...) serving the same request: the first school's
``GET /api/v1/notes?page_size=50``, found by its custom host name, with its admin's token.

It reports, per round pair and as the median with the spread of the rounds, the ratios
with-many ÷ with-few of the p50 and p99 latency (target: both ≤ 1.1) and of the CPU spent per
request in the gunicorn workers and their PostgreSQL backends. It exits 0 whether or not the
target is met, non-zero only when it could not measure. Traffic goes only to 127.0.0.1; the
servers and both databases are removed at the end.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import create_engine, pool, text

REPO = Path(__file__).resolve().parent.parent
BENCH = REPO / "bench"
sys.path[:0] = [str(REPO), str(BENCH)]

from request_overhead import (  # noqa: E402  (the same helpers as the other benchmarks)
    PLUGIN_DIST,
    TOKEN_LINE,
    BenchError,
    ScratchDatabase,
    Server,
    Side,
    backend_pids,
    code_version,
    free_port,
    http_get,
    machine_busy,
    measure,
    run_cli,
    run_python_client,
    run_wrk,
    seed_notes,
)

TARGET_RATIO = 1.1
SCHOOLS_IN_MANIFEST = 10
PATH = "/api/v1/notes?page_size=50"
HOST_SUFFIX = "bench.test"


def manifest() -> str:
    lines = ["# Written by bench/many_schools.py into its own databases, removed at the end.",
             "[district]", 'slug = "bench"', 'name = "基准测试区"', ""]
    for n in range(SCHOOLS_IN_MANIFEST):
        lines += ["[[schools]]", f'slug = "school-{n:02}"', f'name = "第{n}小学"',
                  'type = "primary"', 'modules = ["notes"]',
                  f'domains = ["school-{n:02}.{HOST_SUFFIX}"]', ""]
    lines += ["[[schools.admins]]", 'email = "admin@school-09.bench.test"', 'name = "Admin"',
              'role = "school_admin"', 'password = "bench-only-password-1"', ""]
    return "\n".join(lines)


# Set-based: a few statements, whatever the number of schools. Ids and hosts follow a pattern
# so the statements need no round trip per school.
PROVISION = [
    """INSERT INTO tenants (district_id, slug, name, type, timezone, status, has_boarders,
                            domains, created_at)
       SELECT (SELECT id FROM districts WHERE slug = 'bench'), 'many-' || g, '学校 ' || g,
              'primary', 'Asia/Shanghai', 'active', false,
              json_build_array('many-' || g || '.""" + HOST_SUFFIX + """'), now()
       FROM generate_series(1, :n) g""",
    # The same rows the Tenant flush event writes for schools made through the ORM.
    """INSERT INTO tenant_domains (host, school_id)
       SELECT t.domains ->> 0, t.id FROM tenants t WHERE t.slug LIKE 'many-%'""",
    "UPDATE registry_version SET version = version + 1",
    """INSERT INTO users (email, name, is_active, created_at)
       SELECT 'admin@many-' || g || '.bench.test', 'Admin ' || g, true, now()
       FROM generate_series(1, :n) g""",
    """INSERT INTO tenant_modules (tenant_id, id, module, enabled, settings, changed_at)
       SELECT t.id, gen_random_uuid(), 'notes', true, '{}'::json, now()
       FROM tenants t WHERE t.slug LIKE 'many-%'""",
    """INSERT INTO memberships (tenant_id, id, user_id, role, created_at)
       SELECT t.id, gen_random_uuid(), u.id, 'school_admin', now()
       FROM tenants t JOIN users u ON u.email = 'admin@' || t.slug || '.bench.test'
       WHERE t.slug LIKE 'many-%'""",
    """INSERT INTO api_tokens (tenant_id, id, public_id, user_id, name, secret_hash, created_at)
       SELECT m.tenant_id, gen_random_uuid(), substr(md5(m.id::text), 1, 16), m.user_id,
              'bulk', md5(random()::text) || md5(random()::text), now()
       FROM memberships m JOIN tenants t ON t.id = m.tenant_id WHERE t.slug LIKE 'many-%'""",
    """INSERT INTO notes (tenant_id, id, title, body, created_at)
       SELECT t.id, gen_random_uuid(), t.slug || ' notice ' || g, '食堂 canteen menu',
              now() - interval '1 day' + g * interval '1 minute'
       FROM tenants t, generate_series(1, 10) g WHERE t.slug LIKE 'many-%'""",
    "ANALYZE",
]


def provision_many(owner_url: str, count: int) -> float:
    started = time.perf_counter()
    engine = create_engine(owner_url, poolclass=pool.NullPool)
    with engine.begin() as connection:
        for statement in PROVISION:
            connection.execute(text(statement), {"n": count})
        made = connection.execute(text("SELECT count(*) FROM tenants")).scalar()
    engine.dispose()
    if made != count + SCHOOLS_IN_MANIFEST:
        raise BenchError(f"{made} schools after provisioning, expected "
                         f"{count + SCHOOLS_IN_MANIFEST}")
    return time.perf_counter() - started


def prepare(scratch: ScratchDatabase, redis_url: str) -> tuple[dict[str, str], str]:
    """Migrate, apply the manifest, make a token and the notes; the server's environment and
    the token."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("HOUQIN_PLUGINS", "HOUQIN_SERVER_NAME", "REDIS_URL")}
    env.update({
        "DATABASE_URL": scratch.app_str, "MIGRATION_DATABASE_URL": scratch.owner_str,
        "HOUQIN_INSTANCE_PATH": str(scratch.workdir / "instance"),
        "SECRET_KEY": "bench-" + uuid.uuid4().hex,
        "PYTHONPATH": os.pathsep.join(
            [str(PLUGIN_DIST), str(REPO), *filter(None, [os.environ.get("PYTHONPATH")])]),
    })
    if redis_url:
        env["REDIS_URL"] = redis_url
    run_cli(["db", "upgrade"], env)
    path = scratch.workdir / "bench-district.toml"
    path.write_text(manifest(), encoding="utf-8")
    run_cli(["tenants", "apply", str(path)], env)
    made = run_cli(["tokens", "create", "--email", "admin@school-09.bench.test",
                    "--tenant", "school-09", "--name", "bench", "--days", "1"], env, check=False)
    token = (made.stdout.strip().splitlines() or [""])[0].strip()
    if not TOKEN_LINE.match(token):
        raise BenchError(f"houqin tokens create printed no token:\n{made.stdout}\n{made.stderr}")
    seed_notes(scratch.owner_str)
    return env, token


def spread(values: list[float]) -> str:
    return (f"{statistics.median(values):.3f} (rounds {min(values):.3f}–{max(values):.3f})"
            if values else "n/a")


def main() -> int:
    parser = argparse.ArgumentParser(
        description="A school's request with many schools in the deployment ÷ with ten "
                    "(see bench/README.md).")
    parser.add_argument("--schools", type=int, default=10_000,
                        help="schools added beside the ten (1-100000)")
    parser.add_argument("--duration", type=float, default=8.0,
                        help="seconds of load per round and server (1-120)")
    parser.add_argument("--rounds", type=int, default=5, help="paired rounds (1-15)")
    parser.add_argument("--warmup", type=float, default=3.0, help="seconds of warm-up per server")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers per server")
    parser.add_argument("--connections", type=int, default=None,
                        help="concurrent connections of the load client (default 2 x workers)")
    parser.add_argument("--client", choices=("auto", "wrk", "python"), default="auto")
    parser.add_argument("--pg-admin-url", default=os.environ.get(
        "HOUQIN_BENCH_PG_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"))
    parser.add_argument("--app-role", default="houqin_bench_app")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/15")
    parser.add_argument("--json", dest="json_path", default=None)
    parser.add_argument("--no-json", action="store_true")
    args = parser.parse_args()

    count = min(max(args.schools, 1), 100_000)
    duration = min(max(args.duration, 1.0), 120.0)
    rounds = min(max(args.rounds, 1), 15)
    workers = min(max(args.workers, 1), 16)
    connections = min(max(args.connections or 2 * workers, 1), 64)
    wrk = shutil.which("wrk") if args.client in ("auto", "wrk") else None
    if ScratchDatabase.elsewhere(args.pg_admin_url):
        return 2

    few = ScratchDatabase(args.pg_admin_url, args.app_role)
    many = ScratchDatabase(args.pg_admin_url, args.app_role)
    servers: list[Server] = []
    started_at = datetime.now(UTC)
    try:
        version = few.start()
        many.create()
        print(f"provisioning {SCHOOLS_IN_MANIFEST} schools in each database ...")
        few_env, few_token = prepare(few, args.redis_url)
        many_env, many_token = prepare(many, args.redis_url)
        seconds = provision_many(many.owner_str, count)
        print(f"  added {count} schools to the second in {seconds:.1f} s")

        headers = {"few": {"Authorization": f"Bearer {few_token}",
                           "Host": f"school-09.{HOST_SUFFIX}"},
                   "many": {"Authorization": f"Bearer {many_token}",
                            "Host": f"school-09.{HOST_SUFFIX}"}}
        for name, scratch, env in (("few", few, few_env), ("many", many, many_env)):
            servers.append(Server(name, "wsgi:app", free_port(), workers, "sync", 1, env,
                                  scratch.workdir))
        targets = dict(zip(("few", "many"), zip(servers, (few, many), strict=True), strict=True))
        for name, (server, _) in targets.items():
            server.wait_ready(PATH, headers[name], workers)
        bodies = {name: http_get(server.port, PATH, headers[name])[1]
                  for name, (server, _) in targets.items()}
        rows = {name: [(r["title"], r["body"]) for r in json.loads(body)]
                for name, body in bodies.items()}
        if rows["few"] != rows["many"] or len(rows["few"]) != 50:
            raise BenchError("the two servers do not answer the same 50 notes")

        def load_for(name: str, seconds: float):
            server = targets[name][0]
            if wrk:
                return lambda: run_wrk(wrk, server.port, PATH, headers[name], seconds,
                                       connections)
            return lambda: run_python_client(server.port, PATH, headers[name], seconds,
                                             connections)

        print(f"load: {'wrk' if wrk else 'python'}, {connections} connections, {workers} sync "
              f"workers each; {rounds} paired rounds of {duration:.0f}s per server")
        print(f"  machine busy before measuring (servers idle): {machine_busy():.0%}")
        for name in ("few", "many"):
            load_for(name, args.warmup)()
        sides = {"few": Side("few"), "many": Side("many")}
        for number in range(rounds):
            for name in (("few", "many") if number % 2 == 0 else ("many", "few")):
                server, scratch = targets[name]
                db_pids = backend_pids(scratch.owner_str, scratch.name, scratch.app_url.username)
                result, others = measure(sides[name], server, db_pids, load_for(name, duration))
                print(f"  round {number + 1} {name:4} {result.rps:7.1f} req/s, p50 "
                      f"{result.latency_p50_ms or 0:.1f} ms, p99 {result.latency_p99_ms or 0:.1f}"
                      f" ms, {result.errors} errors (other processes {others:.0%} of the CPU)")

        def per_round(pick) -> list[float]:
            pairs = zip(sides["many"].rounds, sides["few"].rounds, strict=True)
            return [pick(m) / pick(f) for m, f in pairs if pick(f)]

        def cpu(side: Side, n: int) -> float:
            db = side.db_cpu_ms_per_request[n] if n < len(side.db_cpu_ms_per_request) else 0.0
            return side.worker_cpu_ms_per_request[n] + db

        ratios = {
            "p50": per_round(lambda r: r.latency_p50_ms),
            "p99": per_round(lambda r: r.latency_p99_ms),
            "cpu": [cpu(sides["many"], n) / cpu(sides["few"], n) for n in range(rounds)],
        }
        passed = all(statistics.median(ratios[k]) <= TARGET_RATIO for k in ("p50", "p99"))
        print()
        print("=" * 72)
        print(f"with {count} + {SCHOOLS_IN_MANIFEST} schools ÷ with {SCHOOLS_IN_MANIFEST}, "
              f"median of {rounds} paired rounds (spread):")
        print(f"  p50 latency      {spread(ratios['p50'])}")
        print(f"  p99 latency      {spread(ratios['p99'])}")
        print(f"  CPU per request  {spread(ratios['cpu'])}  (workers + PostgreSQL backends)")
        for name, side in sides.items():
            print(f"  {name:4} CPU per request: worker "
                  f"{statistics.median(side.worker_cpu_ms_per_request):.2f} ms + backend "
                  f"{statistics.median(side.db_cpu_ms_per_request or [0]):.2f} ms")
        print(f"target: p50 and p99 ≤ {TARGET_RATIO}: " + ("PASS" if passed else "FAIL"))
        print("=" * 72)
        if code_version() != version:
            print("warning: the code changed during the run; the figures may mix two versions")

        if not args.no_json:
            results = {
                "benchmark": "many_schools", "started_at": started_at.isoformat(timespec="seconds"),
                "code": version, "schools": count, "rounds": rounds, "duration_s": duration,
                "workers": workers, "connections": connections,
                "client": "wrk" if wrk else "python", "provision_seconds": seconds,
                "ratios": ratios, "passed": passed, "target_ratio": TARGET_RATIO,
                "sides": {name: {"rounds": [r.__dict__ for r in side.rounds],
                                 "worker_cpu_ms": side.worker_cpu_ms_per_request,
                                 "db_cpu_ms": side.db_cpu_ms_per_request}
                          for name, side in sides.items()},
            }
            path = Path(args.json_path) if args.json_path else (
                BENCH / "results" / f"many_schools-{started_at:%Y%m%d-%H%M%S}.json")
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(results, indent=2) + "\n")
            print(f"results written to {path}")
        return 0
    except BenchError as exc:
        print(f"benchmark could not measure: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    finally:
        for server in servers:
            server.stop()
        few.remove(False)
        many.remove(False)


if __name__ == "__main__":
    sys.exit(main())
