"""What each installed module costs a server at start-up and in memory, against core alone.

One run, from the repository root::

    .venv/bin/python bench/plugin_footprint.py [--rounds 5]

It migrates one SQLite database with every installed plugin (``houqin db upgrade``), then, in
paired rounds, starts fresh Python processes that each do what a worker does when it boots:
import Houqin, ``create_app`` and answer the first request (``GET /login``, a page through the
whole pipeline: school resolution, session, template, translations). Each process is given an
allow-list (the ``HOUQIN_PLUGINS`` setting, passed to ``create_app``): none (core alone), each
module alone, every installed module. A module left out of the allow-list is never imported,
so "core alone" is what a server that installed no module runs.

Per process it reads the CPU time spent from interpreter start to the first answer (user +
system, ``time.process_time``), the wall time, and the resident memory (VmRSS) afterwards, i.e.
one worker's memory before it has served any school's data. The processes import bytecode, as
a deployed worker does (installing a wheel compiles it): the warm-up boots write it to a
folder of the run's own (``PYTHONPYCACHEPREFIX``), never into the repository.
``--from-source`` compiles every module from source in every process instead, as the figures
before 2026-12-07 did. Each round runs every
configuration once, the order alternating from round to round. It prints per configuration
the CPU ratio against core alone and the memory it adds, the median with min–max over the
rounds, and judges them against the goal of issue 15: each installed module adds under 5 % to
start-up and under 10 MB to a worker (the "every module" run is judged per module: its
excess divided by their number). It is a report, not a test: it exits 0 whatever the verdict,
and non-zero only when it could not measure.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
from importlib.metadata import entry_points
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
START_UP_GOAL = 1.05  # CPU ratio per module against core alone
MEMORY_GOAL_MB = 10.0  # resident memory per module

CHILD = r"""
import json, sys, time
started = time.perf_counter()
from core.app import create_app

allow, instance = json.loads(sys.argv[1]), sys.argv[2]
app = create_app({"HOUQIN_PLUGINS": allow, "INSTANCE_PATH": instance, "SECRET_KEY": "bench"})
answer = app.test_client().get("/login")
cpu, wall = time.process_time(), time.perf_counter() - started
rss = next(int(line.split()[1]) for line in open("/proc/self/status")
           if line.startswith("VmRSS:"))
loaded = sorted(app.extensions["houqin"].plugins.names)
print(json.dumps({"status": answer.status_code, "cpu": cpu, "wall": wall, "rss_kb": rss,
                  "loaded": loaded}))
"""


class BenchError(RuntimeError):
    """The benchmark could not measure."""


def _environment(instance: Path, bytecode: Path | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("HOUQIN_PLUGINS", "DATABASE_URL", "PYTHONDONTWRITEBYTECODE",
                        "PYTHONPYCACHEPREFIX")}
    env.update(HOUQIN_INSTANCE_PATH=str(instance), SECRET_KEY="bench", HOUQIN_LOG_LEVEL="WARNING")
    if bytecode is None:
        env["PYTHONDONTWRITEBYTECODE"] = "1"
    else:
        # A deployed worker imports bytecode compiled when its wheels were installed; the
        # warm-up boots write it here, outside the repository, and the measured ones read it.
        env["PYTHONPYCACHEPREFIX"] = str(bytecode)
    return env


def migrate(instance: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-c", "from core.cli import main; main()", "db", "upgrade"],
        cwd=REPO, env=_environment(instance), capture_output=True, text=True, timeout=600)
    if done.returncode != 0:
        raise BenchError(f"houqin db upgrade failed: {done.stdout}{done.stderr}")


def boot(allow: list[str] | None, instance: Path, bytecode: Path | None) -> dict:
    done = subprocess.run([sys.executable, "-c", CHILD, json.dumps(allow), str(instance)],
                          cwd=REPO, env=_environment(instance, bytecode), capture_output=True,
                          text=True, timeout=300)
    lines = [line for line in done.stdout.splitlines() if line.startswith('{"status"')]
    if done.returncode != 0 or not lines:
        raise BenchError(f"start-up failed ({done.returncode}): {done.stdout}{done.stderr}")
    found = json.loads(lines[-1])
    if found["status"] != 200:
        raise BenchError(f"GET /login answered {found['status']} with plugins {allow}")
    if allow is not None and found["loaded"] != sorted(allow):
        raise BenchError(f"asked for {allow}, loaded {found['loaded']}")
    return found


def spread(values: list[float], fmt: str) -> str:
    return (f"{format(statistics.median(values), fmt)}"
            f" ({format(min(values), fmt)}–{format(max(values), fmt)})")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--from-source", action="store_true",
                        help="compile every module from source in every process, as the"
                             " figures before 2026-12-07 did, instead of reading bytecode")
    args = parser.parse_args()

    modules = sorted(ep.name for ep in entry_points(group="houqin.plugins"))
    if not modules:
        raise BenchError("no module is installed (make install installs every plugins/*)")
    configurations: dict[str, list[str] | None] = {"core alone": []}
    configurations |= {name: [name] for name in modules}
    configurations["every module"] = None

    with tempfile.TemporaryDirectory(prefix="houqin-footprint-") as folder:
        instance = Path(folder)
        bytecode = None if args.from_source else instance / "bytecode"
        migrate(instance)
        for allow in configurations.values():  # warm the file cache, write bytecode; not counted
            boot(allow, instance, bytecode)
        rounds: list[dict[str, dict]] = []
        for number in range(args.rounds):
            order = list(configurations.items())
            if number % 2:
                order.reverse()
            rounds.append({label: boot(allow, instance, bytecode) for label, allow in order})
            core = rounds[-1]["core alone"]
            print(f"round {number + 1}: core alone {core['cpu']:.2f} s CPU,"
                  f" {core['rss_kb'] / 1024:.1f} MB; every module"
                  f" {rounds[-1]['every module']['cpu']:.2f} s CPU,"
                  f" {rounds[-1]['every module']['rss_kb'] / 1024:.1f} MB", flush=True)

    print(f"\n{platform.python_implementation()} {platform.python_version()}, {os.cpu_count()} cores,"
          f" {args.rounds} paired rounds, {'from source' if args.from_source else 'bytecode'};"
          f" installed modules: {', '.join(modules)}")
    core_cpu = [r["core alone"]["cpu"] for r in rounds]
    core_rss = [r["core alone"]["rss_kb"] / 1024 for r in rounds]
    print(f"core alone: start-up CPU {spread(core_cpu, '.2f')} s,"
          f" wall {spread([r['core alone']['wall'] for r in rounds], '.2f')} s,"
          f" worker {spread(core_rss, '.1f')} MB")
    verdicts = []
    print("| modules | start-up CPU ÷ core alone | wall ÷ core alone | worker MB added |"
          " per module: start-up / MB | verdict |")
    print("| --- | --- | --- | --- | --- | --- |")
    for label in configurations:
        if label == "core alone":
            continue
        count = len(modules) if label == "every module" else 1
        cpu = [r[label]["cpu"] / r["core alone"]["cpu"] for r in rounds]
        wall = [r[label]["wall"] / r["core alone"]["wall"] for r in rounds]
        added = [(r[label]["rss_kb"] - r["core alone"]["rss_kb"]) / 1024 for r in rounds]
        per_cpu = (statistics.median(cpu) - 1) / count
        per_mb = statistics.median(added) / count
        ok = per_cpu < START_UP_GOAL - 1 and per_mb < MEMORY_GOAL_MB
        verdicts.append(ok)
        print(f"| {label} | {spread(cpu, '.3f')} | {spread(wall, '.3f')} |"
              f" {spread(added, '.1f')} | +{per_cpu:.1%} / {per_mb:.1f} MB |"
              f" {'PASS' if ok else 'FAIL'} |")
    print(f"\ngoal: each module under +{START_UP_GOAL - 1:.0%} start-up CPU and under"
          f" {MEMORY_GOAL_MB:.0f} MB: {'PASS' if all(verdicts) else 'FAIL'}")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BenchError as exc:
        print(f"could not measure: {exc}", file=sys.stderr)
        sys.exit(2)
