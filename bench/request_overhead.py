"""What the whole Houqin stack costs per request, against bare Flask + SQLAlchemy.

One run, from the repository root::

    .venv/bin/python bench/request_overhead.py [--duration 10] [--rounds 3] [--workers 2]

It creates its own PostgreSQL database, migrates it with ``houqin db upgrade`` (every
installed plugin, with the test plugins of ``tests/plugin_dist``), provisions two schools with
the ``notes`` module, gives one admin an API token and writes 100 notes per school. Then it
serves two apps under gunicorn with the same sync workers, on two loopback ports:

* full stack: ``wsgi:app``, ``GET /api/v1/notes?page_size=50`` with a bearer token and
  ``X-Tenant`` (school resolution, authentication, module check, permission, ORM guard,
  row-level security, marshmallow schema, pagination);
* baseline: ``bench/baseline_app.py``, bare Flask + Flask-SQLAlchemy returning the same 50
  rows as the same JSON from the same database, connected as the owner.

It checks both answer the same rows, warms both up, and measures them in interleaved rounds
(full, baseline, baseline, full, ...) with wrk (or a bounded Python client when wrk is not
installed). It prints each one's requests per second (the median of the rounds), their ratio
against the target (0.8), the CPU each spends per request, and the resident memory (VmRSS) of
one full-stack worker with every plugin loaded. It is a report, not a test: it exits 0 whether
or not the target is met, and non-zero only when it could not measure.

Traffic goes only to 127.0.0.1; every load loop is bounded in time and in count. Servers and
the database are removed at the end, whatever happens.
"""

from __future__ import annotations

import argparse
import hashlib
import http.client
import json
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import create_engine, pool, text
from sqlalchemy.engine import make_url

REPO = Path(__file__).resolve().parent.parent
BENCH = REPO / "bench"
PLUGIN_DIST = REPO / "tests" / "plugin_dist"
HOST = "127.0.0.1"  # loopback only, on purpose: there is no option to change it
TARGET_RATIO = 0.8
PAGE_SIZE = 50
NOTES_PER_SCHOOL = 100  # two pages of 50, so pagination has a next page
FULL_PATH = f"/api/v1/notes?page_size={PAGE_SIZE}"
BASELINE_PATH = f"/notes?page_size={PAGE_SIZE}"
TOKEN_LINE = re.compile(r"^hq_[0-9a-f]{16}_\S+$")

MANIFEST = """\
# Written by bench/request_overhead.py into its own database, removed at the end.
[district]
slug = "bench"
name = "基准测试区"

[[schools]]
slug = "alpha"
name = "阿尔法小学"
type = "primary"
modules = ["notes"]

[[schools.admins]]
email = "admin@alpha.bench.test"
name = "Alpha admin"
role = "school_admin"
password = "bench-only-password-1"

[[schools]]
slug = "beta"
name = "贝塔小学"
type = "primary"
modules = ["notes"]

[[schools.admins]]
email = "admin@beta.bench.test"
name = "Beta admin"
role = "school_admin"
password = "bench-only-password-2"
"""


class BenchError(RuntimeError):
    """The benchmark could not measure (as opposed to: it measured a poor ratio)."""


# --- load generation ---------------------------------------------------------------------


@dataclass
class Load:
    requests: int
    seconds: float
    rps: float
    errors: int  # non-2xx answers plus socket errors
    latency_p50_ms: float | None = None
    latency_p99_ms: float | None = None


def _wrk_time_ms(value: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", value).groups()
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def run_wrk(wrk: str, port: int, path: str, headers: dict[str, str], seconds: float,
            connections: int) -> Load:
    command = [wrk, "-t1", f"-c{connections}", f"-d{max(1, round(seconds))}s", "--timeout", "10s",
               "--latency"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    command.append(f"http://{HOST}:{port}{path}")
    done = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60)
    out = done.stdout
    if done.returncode != 0 or "Requests/sec" not in out:
        raise BenchError(f"wrk failed ({done.returncode}): {out}{done.stderr}")
    count, secs = re.search(r"(\d+) requests in ([\d.]+(?:us|ms|s|m)),", out).groups()
    secs = _wrk_time_ms(secs) / 1000
    errors = 0
    if match := re.search(r"Non-2xx or 3xx responses: (\d+)", out):
        errors += int(match.group(1))
    if match := re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)",
                          out):
        # gunicorn's sync workers close every connection; wrk may count a close that races
        # its next write as a read error. Only connect errors and timeouts are failures.
        errors += int(match.group(1)) + int(match.group(4))
    p50 = re.search(r"^\s+50%\s+(\S+)", out, re.M)
    p99 = re.search(r"^\s+99%\s+(\S+)", out, re.M)
    return Load(
        requests=int(count), seconds=secs,
        rps=float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)), errors=errors,
        latency_p50_ms=_wrk_time_ms(p50.group(1)) if p50 else None,
        latency_p99_ms=_wrk_time_ms(p99.group(1)) if p99 else None,
    )


def run_python_client(port: int, path: str, headers: dict[str, str], seconds: float,
                      connections: int, max_requests: int = 2_000_000) -> Load:
    """A bounded fallback for wrk: ``connections`` threads, each one request at a time."""
    deadline = time.perf_counter() + seconds
    per_thread = max(1, max_requests // connections)
    lock = threading.Lock()
    totals = {"requests": 0, "errors": 0}
    latencies: list[float] = []

    def worker() -> None:
        done = errors = 0
        mine: list[float] = []
        while done < per_thread and time.perf_counter() < deadline:
            started = time.perf_counter()
            try:
                connection = http.client.HTTPConnection(HOST, port, timeout=10)
                connection.request("GET", path, headers=headers)
                response = connection.getresponse()
                response.read()
                if response.status >= 400:
                    errors += 1
                connection.close()
            except OSError:
                errors += 1
            done += 1
            if len(mine) < 100_000:
                mine.append((time.perf_counter() - started) * 1000)
        with lock:
            totals["requests"] += done
            totals["errors"] += errors
            latencies.extend(mine)

    started = time.perf_counter()
    threads = [threading.Thread(target=worker, daemon=True) for _ in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(seconds + 30)
    elapsed = time.perf_counter() - started
    latencies.sort()

    def pct(q: float) -> float | None:
        return latencies[min(len(latencies) - 1, int(q * len(latencies)))] if latencies else None

    return Load(totals["requests"], elapsed, totals["requests"] / elapsed, totals["errors"],
                pct(0.50), pct(0.99))


# --- processes ---------------------------------------------------------------------------


def code_version() -> dict:
    """The commit measured, and the files outside bench/ that differ from it (if any)."""
    def git(*args: str) -> str:
        try:
            return subprocess.run(["git", *args], cwd=REPO, capture_output=True, text=True,
                                  timeout=30).stdout
        except (OSError, subprocess.SubprocessError):
            return ""

    changed = [line[3:] for line in git("status", "--porcelain").splitlines()
               if len(line) > 3 and not line[3:].startswith("bench/")]
    diff = git("diff", "HEAD", "--", ".", ":(exclude)bench") + "".join(
        (REPO / name).read_text(errors="replace") for name in changed
        if (REPO / name).is_file() and not git("ls-files", name))
    return {"commit": git("rev-parse", "--short", "HEAD").strip() or "unknown",
            "uncommitted": changed,
            "diff_sha1": hashlib.sha1(diff.encode()).hexdigest()[:12] if changed else None}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def spread(values: list[float], digits: int = 3) -> str:
    """min / median / max of the rounds' values."""
    if not values:
        return "-"
    return " / ".join(f"{v:.{digits}f}" for v in (min(values), statistics.median(values),
                                                    max(values)))


def child_pids(pid: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def proc_status_kb(pid: int, key: str) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time of these processes (their own, not their children's)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / ticks


def system_cpu() -> tuple[float, float]:
    """Seconds of busy and of total CPU time of the whole machine, all cores (/proc/stat)."""
    ticks = os.sysconf("SC_CLK_TCK")
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:9]]
    idle = values[3] + values[4]  # idle, iowait
    return (sum(values) - idle) / ticks, sum(values) / ticks


def own_cpu() -> float:
    """CPU seconds of this process and its finished children (wrk)."""
    times = os.times()
    return times.user + times.system + times.children_user + times.children_system


def machine_busy(seconds: float = 2.0) -> float:
    """Share of the machine's CPU in use by anything, sampled over ``seconds``."""
    busy0, total0 = system_cpu()
    time.sleep(seconds)
    busy1, total1 = system_cpu()
    return (busy1 - busy0) / max(total1 - total0, 1e-9)


class Server:
    """A gunicorn master started in its own session, so it and its workers stop together."""

    def __init__(self, name: str, app: str, port: int, workers: int, worker_class: str,
                 threads: int, env: dict[str, str], logdir: Path, extra: list[str] = ()) -> None:
        self.name, self.port = name, port
        self.log = logdir / f"gunicorn-{name}.log"
        command = [
            sys.executable, "-m", "gunicorn", app, "--bind", f"{HOST}:{port}",
            "--workers", str(workers), "--worker-class", worker_class,
            *(["--threads", str(threads)] if worker_class == "gthread" else []), "--timeout", "30",
            "--graceful-timeout", "5", "--log-level", "warning", "--no-control-socket",
            "--chdir", str(REPO), *extra,
        ]
        with self.log.open("w") as log:
            self.process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT,
                                            stdin=subprocess.DEVNULL, start_new_session=True)

    @property
    def workers(self) -> list[int]:
        return child_pids(self.process.pid)

    def wait_ready(self, path: str, headers: dict[str, str], workers: int,
                   timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise BenchError(f"{self.name} server exited:\n{self.tail()}")
            if len(self.workers) >= workers:
                try:
                    status, _ = http_get(self.port, path, headers)
                    if status == 200:
                        return
                except OSError:
                    pass
            time.sleep(0.2)
        raise BenchError(f"{self.name} server not ready after {timeout:.0f}s:\n{self.tail()}")

    def tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def stop(self) -> None:
        if self.process.poll() is not None:
            return
        self.process.terminate()  # gunicorn's graceful stop of master and workers
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)  # the session this script started
            self.process.wait(5)


def http_get(port: int, path: str, headers: dict[str, str]) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection(HOST, port, timeout=10)
    try:
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


# --- the database ------------------------------------------------------------------------


def run_cli(args: list[str], env: dict[str, str], check: bool = True
            ) -> subprocess.CompletedProcess:
    done = subprocess.run(
        [sys.executable, "-c", "from core.cli import main; main()", *args],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=300,
    )
    if check and done.returncode != 0:
        raise BenchError(f"houqin {' '.join(args)} failed ({done.returncode}):\n"
                         f"{done.stdout}\n{done.stderr}")
    return done


def seed_notes(owner_url: str) -> dict[str, int]:
    """Notes for every school, as the owner; returns each school's id."""
    engine = create_engine(owner_url, poolclass=pool.NullPool)
    with engine.begin() as connection:
        ids = dict(connection.execute(text("SELECT slug, id FROM tenants")).all())
        # Enabling the module wrote one greeting note per school; fill up to NOTES_PER_SCHOOL.
        connection.execute(text("""
            INSERT INTO notes (tenant_id, id, title, body, created_at)
            SELECT t.id, gen_random_uuid(),
                   t.slug || ' 第' || g || '条 notice ' || g,
                   repeat('食堂 canteen menu, asset check, fire drill. ', 1 + g % 5),
                   now() - interval '1 day' + g * interval '1 minute'
            FROM tenants t, generate_series(1, :n) g
        """), {"n": NOTES_PER_SCHOOL - 1})
        counts = dict(connection.execute(
            text("SELECT tenant_id, count(*) FROM notes GROUP BY tenant_id")).all())
    engine.dispose()
    for slug, tenant_id in ids.items():
        if counts.get(tenant_id) != NOTES_PER_SCHOOL:
            raise BenchError(f"school {slug} has {counts.get(tenant_id)} notes, "
                             f"expected {NOTES_PER_SCHOOL}")
    return ids


def backend_pids(owner_url: str, database: str, user: str) -> list[int]:
    engine = create_engine(owner_url, poolclass=pool.NullPool)
    with engine.connect() as connection:
        pids = list(connection.execute(text(
            "SELECT pid FROM pg_stat_activity WHERE datname = :d AND usename = :u"
            " AND pid <> pg_backend_pid()"), {"d": database, "u": user}).scalars())
    engine.dispose()
    return pids


# --- the run -----------------------------------------------------------------------------


@dataclass
class Side:
    name: str
    rounds: list[Load] = field(default_factory=list)
    worker_cpu_ms_per_request: list[float] = field(default_factory=list)
    db_cpu_ms_per_request: list[float] = field(default_factory=list)
    worker_rss_mb: list[float] = field(default_factory=list)
    others_cpu_share: list[float] = field(default_factory=list)
    response_bytes: int = 0

    @property
    def rps(self) -> float:
        return statistics.median(r.rps for r in self.rounds)

    def median(self, values: list[float]) -> float | None:
        return statistics.median(values) if values else None


def measure(side: Side, server: Server, db_pids: list[int], load) -> tuple[Load, float]:
    """Run one round; returns it with the share of the machine's CPU that other processes
    (not the servers, their PostgreSQL backends or the load client) took meanwhile."""
    workers = server.workers
    before_workers, before_db = cpu_seconds(workers), cpu_seconds(db_pids)
    before_own, (before_busy, before_total) = own_cpu(), system_cpu()
    result = load()
    busy, total = system_cpu()
    worker_cpu = cpu_seconds(workers) - before_workers
    db_cpu = cpu_seconds(db_pids) - before_db
    ours = worker_cpu + db_cpu + own_cpu() - before_own
    others = max(0.0, (busy - before_busy) - ours) / max(total - before_total, 1e-9)
    if result.requests:
        side.worker_cpu_ms_per_request.append(worker_cpu * 1000 / result.requests)
        if db_pids:
            side.db_cpu_ms_per_request.append(db_cpu * 1000 / result.requests)
    side.rounds.append(result)
    side.others_cpu_share.append(round(others, 3))
    return result, others


class ScratchDatabase:
    """A throwaway database on the local PostgreSQL and a work folder, for one run: its
    owner's and the app role's connection strings, made by ``create`` and removed by
    ``remove`` (kept with ``--keep-db``). Every benchmark here starts from one."""

    def __init__(self, admin_url: str, app_role: str) -> None:
        self.name = f"houqin_bench_{uuid.uuid4().hex[:10]}"
        self.owner_url = make_url(admin_url).set(database=self.name)
        self.app_url = self.owner_url.set(username=app_role, password=None)
        self.owner_str = self.owner_url.render_as_string(False)
        self.app_str = self.app_url.render_as_string(False)
        self.workdir = Path(tempfile.mkdtemp(prefix="houqin-bench-"))
        self.admin = create_engine(admin_url, poolclass=pool.NullPool,
                                   isolation_level="AUTOCOMMIT")
        self.created = False
        self.server_version: str | None = None

    @staticmethod
    def elsewhere(admin_url: str) -> bool:
        """Whether ``admin_url`` names a server on another machine (said on stderr): the
        benchmarks create and drop databases on this machine's only."""
        if make_url(admin_url).host in (HOST, "localhost", None):
            return False
        print("the benchmark only runs against a PostgreSQL on this machine", file=sys.stderr)
        return True

    def start(self) -> dict:
        """Stop cleanly on SIGTERM (``finally`` still removes the database), create the
        database, and say where the run works and on which code; that code's version."""

        def on_signal(signum, frame):
            raise KeyboardInterrupt(f"signal {signum}")

        signal.signal(signal.SIGTERM, on_signal)
        self.create()
        version = code_version()
        print(f"database {self.name}; work files in {self.workdir}")
        print(f"code: commit {version['commit']}" + (
            f", with uncommitted changes in {', '.join(version['uncommitted'])}"
            if version["uncommitted"] else ", no uncommitted changes outside bench/"))
        return version

    def app_config(self, **extra) -> dict:
        """``create_app``'s configuration for the app role on this database."""
        return {"SQLALCHEMY_DATABASE_URI": self.app_str, "MIGRATION_DATABASE_URL": self.owner_str,
                "INSTANCE_PATH": str(self.workdir / "instance"),
                "SECRET_KEY": "bench-" + uuid.uuid4().hex, "HOUQIN_PLUGINS": None, **extra}

    def create(self) -> None:
        with self.admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{self.name}"'))
            self.server_version = connection.execute(text("SHOW server_version")).scalar()
        self.created = True

    def remove(self, keep: bool) -> None:
        if self.created and not keep:
            with self.admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)'))
        elif self.created:
            print(f"kept database {self.name}")
        self.admin.dispose()
        shutil.rmtree(self.workdir, ignore_errors=True)


def main() -> int:
    parser = argparse.ArgumentParser(
        description="Requests per second of the full Houqin stack against bare Flask + "
                    "SQLAlchemy, measured in one run (see bench/README.md).")
    parser.add_argument("--duration", type=float, default=8.0,
                        help="seconds of load per measured round and server (1-120)")
    parser.add_argument("--rounds", type=int, default=5,
                        help="paired rounds (1-9), the order alternating within each pair")
    parser.add_argument("--warmup", type=float, default=3.0, help="seconds of warm-up per server")
    parser.add_argument("--workers", type=int, default=2,
                        help="gunicorn sync workers for each server (default 2, one per core)")
    parser.add_argument("--worker-class", choices=("sync", "gthread"), default="sync",
                        help="gunicorn worker class for both servers (default sync)")
    parser.add_argument("--threads", type=int, default=4, help="threads per gthread worker")
    parser.add_argument("--connections", type=int, default=None,
                        help="concurrent connections of the load client (default 4 x workers)")
    parser.add_argument("--client", choices=("auto", "wrk", "python"), default="auto",
                        help="load client; auto uses wrk when installed")
    parser.add_argument("--pg-admin-url", default=os.environ.get(
        "HOUQIN_BENCH_PG_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"),
        help="a superuser URL on the local server, used to create and drop the database")
    parser.add_argument("--app-role", default="houqin_bench_app",
                        help="the PostgreSQL role the app connects as (created when missing)")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/15",
                        help="REDIS_URL for the full app, as in production ('' for none); "
                             "the list endpoint never touches it")
    parser.add_argument("--profile", type=int, default=0, metavar="N",
                        help="afterwards, profile N full-stack requests in-process (cProfile)")
    parser.add_argument("--profile-top", type=int, default=30, metavar="N",
                        help="how many functions the profile lists by each ordering")
    parser.add_argument("--json", dest="json_path", default=None,
                        help="where to write the results (default bench/results/<time>.json)")
    parser.add_argument("--no-json", action="store_true", help="write no results file")
    parser.add_argument("--keep-db", action="store_true", help="leave the database (debugging)")
    args = parser.parse_args()

    duration = min(max(args.duration, 1.0), 120.0)
    rounds = min(max(args.rounds, 1), 9)
    warmup = min(max(args.warmup, 0.0), 60.0)
    workers = min(max(args.workers, 1), 16)
    connections = min(max(args.connections or 4 * workers, 1), 64)
    threads = min(max(args.threads, 1), 32)
    wrk = shutil.which("wrk") if args.client in ("auto", "wrk") else None
    if args.client == "wrk" and wrk is None:
        print("wrk is not installed (apt-get install wrk); use --client python", file=sys.stderr)
        return 2

    if ScratchDatabase.elsewhere(args.pg_admin_url):
        return 2
    scratch = ScratchDatabase(args.pg_admin_url, args.app_role)
    database, workdir = scratch.name, scratch.workdir
    owner_url, app_url, owner_str, app_str = (scratch.owner_url, scratch.app_url,
                                              scratch.owner_str, scratch.app_str)
    servers: list[Server] = []
    started_at = datetime.now(UTC)

    try:
        version = scratch.start()

        env = {k: v for k, v in os.environ.items()
               if k not in ("HOUQIN_PLUGINS", "HOUQIN_SERVER_NAME", "REDIS_URL")}
        env.update({
            "DATABASE_URL": app_str,
            "MIGRATION_DATABASE_URL": owner_str,
            "HOUQIN_INSTANCE_PATH": str(workdir / "instance"),
            "SECRET_KEY": "bench-" + uuid.uuid4().hex,
            "PYTHONPATH": os.pathsep.join(
                [str(PLUGIN_DIST), str(REPO), *filter(None, [os.environ.get("PYTHONPATH")])]),
        })
        if args.redis_url:
            env["REDIS_URL"] = args.redis_url

        print("migrating (houqin db upgrade) and provisioning two schools ...")
        for note in run_cli(["db", "upgrade"], env).stderr.splitlines():
            if "row-level security" not in note:
                print(f"  upgrade: {note}")
        manifest = workdir / "bench-district.toml"
        manifest.write_text(MANIFEST, encoding="utf-8")
        run_cli(["tenants", "apply", str(manifest)], env)
        made = run_cli(["tokens", "create", "--email", "admin@alpha.bench.test",
                        "--tenant", "alpha", "--name", "bench", "--days", "1"], env, check=False)
        lines = made.stdout.strip().splitlines()
        token = lines[0].strip() if lines else ""
        if not TOKEN_LINE.match(token):
            raise BenchError(f"houqin tokens create printed no token ({made.returncode}):\n"
                             f"{made.stdout}\n{made.stderr}")
        if made.returncode != 0:
            last = made.stderr.strip().splitlines()[-1:] or ["?"]
            print(f"  note: 'houqin tokens create' printed the token, then exited "
                  f"{made.returncode}: {last[0]}")
        tenant_ids = seed_notes(owner_str)
        print(f"  schools {sorted(tenant_ids)}, {NOTES_PER_SCHOOL} notes each")

        base_env = {k: v for k, v in os.environ.items()
                    if not k.startswith(("HOUQIN_", "DATABASE"))}
        base_env.update({"BASELINE_DATABASE_URL": owner_str,
                         "BASELINE_TENANT_ID": str(tenant_ids["alpha"])})
        full_headers = {"Authorization": f"Bearer {token}", "X-Tenant": "alpha"}
        full = Server("full", "wsgi:app", free_port(), workers, args.worker_class, threads, env,
                      workdir)
        servers.append(full)
        base = Server("baseline", "baseline_app:app", free_port(), workers, args.worker_class,
                      threads, base_env, workdir, extra=["--pythonpath", str(BENCH)])
        servers.append(base)
        full.wait_ready(FULL_PATH, full_headers, workers)
        base.wait_ready(BASELINE_PATH, {}, workers)
        if code_version() != version:
            print("  warning: the code changed while the servers started; the figures may mix "
                  "two versions (run again)")

        # Both must answer the same rows, or the comparison means nothing.
        status, full_body = http_get(full.port, FULL_PATH, full_headers)
        status_b, base_body = http_get(base.port, BASELINE_PATH, {})
        full_rows, base_rows = json.loads(full_body), json.loads(base_body)
        if status != 200 or status_b != 200 or len(full_rows) != PAGE_SIZE:
            raise BenchError(f"unexpected answers: full {status} with {len(full_rows)} rows, "
                             f"baseline {status_b}")
        if [r["id"] for r in full_rows] != [r["id"] for r in base_rows]:
            raise BenchError("the two apps do not return the same 50 notes in the same order")
        same_json = full_rows == base_rows
        print(f"both answer the same {PAGE_SIZE} notes (identical JSON: {same_json}); "
              f"{len(full_body)} and {len(base_body)} bytes")

        sides = {"full": Side("full"), "baseline": Side("baseline")}
        sides["full"].response_bytes, sides["baseline"].response_bytes = (
            len(full_body), len(base_body))
        targets = {
            "full": (full, FULL_PATH, full_headers, app_url.username),
            "baseline": (base, BASELINE_PATH, {}, owner_url.username),
        }
        client_name = "wrk" if wrk else "python"

        def load_for(name: str, seconds: float):
            server, path, headers, _ = targets[name]
            if wrk:
                return lambda: run_wrk(wrk, server.port, path, headers, seconds, connections)
            return lambda: run_python_client(server.port, path, headers, seconds, connections)

        kind = args.worker_class
        if args.worker_class == "gthread":
            kind += f" x{threads} threads"
        print(f"load: {client_name}, {connections} connections, {workers} {kind} workers each; "
              f"warm-up {warmup:.0f}s, {rounds} rounds of {duration:.0f}s per server")
        idle_busy = machine_busy()
        print(f"  machine busy before measuring (servers idle): {idle_busy:.0%}")
        if idle_busy > 0.15:
            print("  warning: other work is running on this machine; requests per second will "
                  "be noisy (CPU per request is less affected)")
        if warmup:
            for name in ("full", "baseline"):
                load_for(name, warmup)()
        for number in range(rounds):
            order = ("full", "baseline") if number % 2 == 0 else ("baseline", "full")
            for name in order:
                # The app's PostgreSQL backends (the baseline's are the owner's).
                db_pids = backend_pids(owner_str, database, targets[name][3])
                result, others = measure(sides[name], targets[name][0], db_pids,
                                         load_for(name, duration))
                print(f"  round {number + 1} {name:8} {result.rps:8.1f} req/s "
                      f"({result.requests} requests, {result.errors} errors, "
                      f"p50 {result.latency_p50_ms or 0:.1f} ms; other processes "
                      f"{others:.0%} of the CPU)")
                if result.errors:
                    print(f"    warning: {result.errors} failed requests in this round")
        for name, side in sides.items():
            side.worker_rss_mb = [round((proc_status_kb(pid, "VmRSS") or 0) / 1024, 1)
                                  for pid in targets[name][0].workers]

        full_rps, base_rps = sides["full"].rps, sides["baseline"].rps
        rss = max(sides["full"].worker_rss_mb or [0.0])
        full_side, base_side = sides["full"], sides["baseline"]

        def per_request(side: Side, n: int) -> float:
            return side.worker_cpu_ms_per_request[n] + (
                side.db_cpu_ms_per_request[n] if side.db_cpu_ms_per_request else 0.0)

        # Each round pairs the two servers (alternating which goes first): a ratio per round.
        paired = range(min(len(full_side.rounds), len(base_side.rounds)))
        cpu_ratios = [per_request(base_side, n) / per_request(full_side, n) for n in paired
                      if per_request(full_side, n)]
        wall_ratios = [full_side.rounds[n].rps / base_side.rounds[n].rps for n in paired
                       if base_side.rounds[n].rps]
        cost_ratio = statistics.median(cpu_ratios) if cpu_ratios else 0.0
        ratio = statistics.median(wall_ratios) if wall_ratios else 0.0
        passed = cost_ratio >= TARGET_RATIO
        print()
        print("=" * 72)
        print(f"full stack   {full_rps:9.1f} req/s   (median of {rounds}: "
              + ", ".join(f"{r.rps:.1f}" for r in full_side.rounds) + ")")
        print(f"baseline     {base_rps:9.1f} req/s   (median of {rounds}: "
              + ", ".join(f"{r.rps:.1f}" for r in base_side.rounds) + ")")
        cost = {}
        for name, side in sides.items():
            cpu, dbcpu = (side.median(side.worker_cpu_ms_per_request) or 0.0,
                          side.median(side.db_cpu_ms_per_request) or 0.0)
            cost[name] = cpu + dbcpu
            print(f"{name:12} CPU per request (median): worker {cpu:.2f} ms + PostgreSQL "
                  f"backend {dbcpu:.2f} ms = {cost[name]:.2f} ms")
        print(f"CPU-cost ratio (baseline CPU / full CPU per request), per paired round, "
              f"min / median / max: {spread(cpu_ratios)}")
        print(f"wall-clock ratio (full req/s / baseline req/s), per paired round, "
              f"min / median / max: {spread(wall_ratios)}")
        print(f"judged by the median CPU-cost ratio {cost_ratio:.3f}, target >= {TARGET_RATIO}: "
              + ("PASS" if passed else "FAIL (below target)"))
        print(f"full-stack worker RSS {rss:.1f} MB with every plugin loaded "
              f"(workers: {sides['full'].worker_rss_mb} MB; baseline workers: "
              f"{sides['baseline'].worker_rss_mb} MB)")
        print("=" * 72)

        if args.profile:
            print(f"\nprofiling {args.profile} full-stack requests in-process ...")
            subprocess.run([sys.executable, str(BENCH / "profile_request.py"), "--token", token,
                            "--tenant", "alpha", "--requests", str(args.profile),
                            "--top", str(args.profile_top)],
                           cwd=REPO, env=env, timeout=900)

        if not args.no_json:
            results = {
                "benchmark": "request_overhead",
                "started_at": started_at.isoformat(timespec="seconds"),
                "code": version,
                "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                            "platform": platform.platform()},
                "settings": {"duration_s": duration, "rounds": rounds, "warmup_s": warmup,
                             "workers": workers, "worker_class": args.worker_class,
                             "threads": threads if args.worker_class == "gthread" else None,
                             "connections": connections, "client": client_name,
                             "page_size": PAGE_SIZE, "notes_per_school": NOTES_PER_SCHOOL,
                             "redis_url": bool(args.redis_url)},
                "full_rps": full_rps, "baseline_rps": base_rps, "ratio": ratio,
                "cpu_cost_ratios": cpu_ratios, "ratios": wall_ratios,
                "judged_by": "median CPU-cost ratio of the paired rounds",
                "target_ratio": TARGET_RATIO, "passed": passed,
                "cpu_cost_ratio": cost_ratio, "full_worker_rss_mb": rss,
                "identical_json": same_json, "machine_busy_before": idle_busy,
                "sides": {name: {**asdict(side), "rps": side.rps} for name, side in sides.items()},
            }
            path = Path(args.json_path) if args.json_path else (
                BENCH / "results" / f"request_overhead-{started_at:%Y%m%d-%H%M%S}.json")
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
        scratch.remove(args.keep_db)


if __name__ == "__main__":
    sys.exit(main())
