"""Jobs recover in minutes: real ``houqin worker`` processes on a private PostgreSQL and a
private Redis, with the worker killed (-9), Redis stopped and restarted, and PostgreSQL
restarted while billing jobs run. After each fault every billing job finishes within two
minutes of the service coming back, every student has exactly one bill, and the fee
module's reconciliation finds nothing."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

REPO = Path(__file__).resolve().parents[2]
PLUGIN_DIST = REPO / "tests" / "plugin_dist"
BACK_WITHIN = 120.0  # seconds after the service returns
STUDENTS = 60

pytestmark = pytest.mark.skipif(
    not (shutil.which("initdb") and shutil.which("pg_ctl") and shutil.which("redis-server")),
    reason="needs initdb, pg_ctl and redis-server")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def as_server_user(command: list[str]) -> list[str]:
    """PostgreSQL refuses to run as root: run its tools as the postgres account then."""
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *command]
    return command


class PrivatePostgres:
    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="houqin-faults-pg-"))
        self.data, self.port = self.root / "data", free_port()
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres", "postgres")
        subprocess.run(as_server_user(["initdb", "-D", str(self.data), "-A", "trust", "-U",
                                       "postgres", "--no-sync"]), check=True,
                       capture_output=True)
        self.start()
        subprocess.run(["psql", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres",
                        "-c", "CREATE DATABASE houqin"], check=True, capture_output=True)

    def start(self) -> None:
        subprocess.run(as_server_user([
            "pg_ctl", "-D", str(self.data), "-w", "-l", str(self.root / "log"),
            "-o", f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off",
            "start"]), check=True, capture_output=True)

    def restart(self) -> None:
        # With its log named, the restarted server does not hold our pipes open.
        subprocess.run(as_server_user(["pg_ctl", "-D", str(self.data), "-w", "-m", "fast",
                                       "-l", str(self.root / "log"), "restart"]),
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def stop(self) -> None:
        subprocess.run(as_server_user(["pg_ctl", "-D", str(self.data), "-w", "-m",
                                       "immediate", "stop"]), capture_output=True)
        shutil.rmtree(self.root, ignore_errors=True)

    def url(self, user: str) -> str:
        return f"postgresql+psycopg://{user}@127.0.0.1:{self.port}/houqin"


class PrivateRedis:
    def __init__(self) -> None:
        self.port = free_port()
        self.process: subprocess.Popen | None = None
        self.start()

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no"], stdout=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            time.sleep(0.1)
        raise RuntimeError("private Redis did not start")

    def kill(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait()
            self.process = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"


@pytest.fixture(scope="module")
def services(tmp_path_factory):
    root = tmp_path_factory.mktemp("faults")
    pg, redis = PrivatePostgres(), PrivateRedis()
    env = {**os.environ, "DATABASE_URL": pg.url("houqin_fault_app"),
           "MIGRATION_DATABASE_URL": pg.url("postgres"), "REDIS_URL": redis.url,
           "HOUQIN_INSTANCE_PATH": str(root / "instance"), "SECRET_KEY": "faults",
           "HOUQIN_JOB_HEARTBEAT_SECONDS": "2", "HOUQIN_JOB_HEARTBEAT_STALE_SECONDS": "10",
           "HOUQIN_LOG_FORMAT": "text", "HOUQIN_LOCALE": "en",
           "PYTHONPATH": os.pathsep.join([str(REPO), str(PLUGIN_DIST)])}
    yield pg, redis, env, root
    redis.kill()
    pg.stop()


@pytest.fixture(scope="module")
def app(services):
    from core.app import create_app
    from core.migrate import upgrade

    _pg, redis, env, root = services
    app = create_app({"SQLALCHEMY_DATABASE_URI": env["DATABASE_URL"],
                      "MIGRATION_DATABASE_URL": env["MIGRATION_DATABASE_URL"],
                      "REDIS_URL": redis.url, "INSTANCE_PATH": str(root / "instance"),
                      "SECRET_KEY": "faults", "JOB_HEARTBEAT_STALE_SECONDS": 10,
                      "JOB_HEARTBEAT_SECONDS": 2})
    with app.app_context():
        upgrade(app)
    return app


class Workers:
    def __init__(self, env: dict, root: Path) -> None:
        self.env, self.root = env, root
        self.processes: list[subprocess.Popen] = []

    def start(self) -> subprocess.Popen:
        log = open(self.root / f"worker-{len(self.processes)}.log", "wb")  # noqa: SIM115
        process = subprocess.Popen(
            [sys.executable, "-c", "from core.cli import cli; cli()", "worker"],
            cwd=REPO, env=self.env, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True)
        self.processes.append(process)
        return process

    def kill(self, process: subprocess.Popen) -> None:
        """kill -9 the worker and the work horses it forked, as a lost machine would."""
        horses = descendants(process.pid)
        os.killpg(process.pid, signal.SIGKILL)
        for pid in horses:  # rq's work horse starts a session of its own
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        process.wait()

    def stop_all(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                self.kill(process)


def descendants(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


@pytest.fixture
def workers(services):
    _pg, _redis, env, root = services
    made = Workers(env, root)
    yield made
    made.stop_all()


def school_with_term(app, slug: str):
    from datetime import date

    from core.calendar import services as calendar
    from core.extensions import db
    from core.tenancy import tenant_context
    from tests.plugins.canteen.support import classroom
    from tests.plugins.fees.support import published

    with app.app_context():
        from core.schools.models import District, Tenant

        district = db.session.scalar(select(District).where(District.slug == "faults"))
        if district is None:
            district = District(slug="faults", name="Faults")
            db.session.add(district)
            db.session.flush()
        tenant = Tenant(slug=slug, name=slug, type="primary", district_id=district.id)
        db.session.add(tenant)
        db.session.commit()
        school = tenant.ref()
        from core.schools import modules

        with tenant_context(school):
            modules.enable("fees")
            year = calendar.create_year("2026学年", date(2026, 9, 1), date(2027, 8, 31))
            term = calendar.create_term(year.id, "第一学期", date(2026, 9, 1), date(2027, 1, 22))
            db.session.commit()
            term_id = term.id
        classroom(school, "1班", students=STUDENTS)
        published(school, {"name": "学费", "amount_fen": 120000, "unit": "term"})
        db.session.remove()
    return school, term_id


def start_billing(app, school, term_id) -> str:
    from core.audit import Actor, acting_as
    from core.extensions import db
    from core.tenancy import tenant_context
    from plugins.fees.services import billing

    with app.app_context():
        with tenant_context(school), acting_as(Actor(user_id=None, source="cli")):
            run = billing.start_run(term_id, "school", None, True, by="faults")
            db.session.commit()
            job_id = str(run.job_id)
        db.session.remove()
    return job_id


def job_status(app, school, job_id: str) -> str | None:
    import uuid

    from core.extensions import db
    from core.jobs.models import JobRun
    from core.tenancy import tenant_context

    with app.app_context():
        try:
            with tenant_context(school):
                return db.session.scalar(select(JobRun.status).where(
                    JobRun.id == uuid.UUID(job_id)))
        except Exception:  # the database is restarting
            return None
        finally:
            db.session.remove()


def job_attempts(app, school, job_id: str) -> int:
    import uuid

    from core.extensions import db
    from core.jobs.models import JobRun
    from core.tenancy import tenant_context

    with app.app_context(), tenant_context(school):
        attempts = db.session.scalar(select(JobRun.attempts).where(
            JobRun.id == uuid.UUID(job_id)))
        db.session.remove()
    return attempts


def wait_finished(app, jobs: list[tuple[object, str]], within: float) -> float:
    started = time.monotonic()
    while time.monotonic() - started < within:
        if all(job_status(app, school, job_id) == "finished" for school, job_id in jobs):
            return time.monotonic() - started
        time.sleep(0.5)
    states = [job_status(app, school, job_id) for school, job_id in jobs]
    raise AssertionError(f"jobs not finished {within:.0f} s after the service returned: {states}")


def assert_money_clean(app, school) -> None:
    from core.extensions import db
    from core.tenancy import tenant_context
    from plugins.fees.models import Bill
    from plugins.fees.services.ledger import reconcile

    with app.app_context(), tenant_context(school):
        per_student = db.session.execute(
            select(Bill.student_id, func.count()).group_by(Bill.student_id)).all()
        assert len(per_student) == STUDENTS, "a bill was lost"
        assert {count for _, count in per_student} == {1}, "a bill was duplicated"
        assert reconcile() == []
        db.session.rollback()
        db.session.remove()


def test_a_killed_worker_s_billing_job_is_taken_again_and_bills_once(app, workers):
    school, term_id = school_with_term(app, "kill-school")
    first = workers.start()
    job_id = start_billing(app, school, term_id)
    deadline = time.monotonic() + 60
    while job_status(app, school, job_id) in ("queued", None) and time.monotonic() < deadline:
        time.sleep(0.01)
    workers.kill(first)
    assert job_status(app, school, job_id) == "running", "the worker was not killed mid-job"
    workers.start()
    wait_finished(app, [(school, job_id)], BACK_WITHIN)
    assert job_attempts(app, school, job_id) == 2  # taken again once its heartbeat went stale
    assert_money_clean(app, school)


def test_jobs_requested_while_redis_is_down_run_when_it_returns(app, services, workers):
    _pg, redis, _env, _root = services
    school, term_id = school_with_term(app, "redis-school")
    workers.start()
    redis.kill()
    job_id = start_billing(app, school, term_id)  # recorded; the handover fails quietly
    assert job_status(app, school, job_id) == "queued"
    time.sleep(3)
    redis.start()
    wait_finished(app, [(school, job_id)], BACK_WITHIN)
    assert_money_clean(app, school)
    assert all(p.poll() is None for p in workers.processes), "a worker exited with Redis away"


def test_billing_survives_a_postgres_restart_under_load(app, services, workers):
    pg, _redis, _env, _root = services
    schools = [school_with_term(app, f"pg-school-{n}") for n in range(3)]
    workers.start()
    workers.start()
    jobs = [(school, start_billing(app, school, term_id)) for school, term_id in schools]
    time.sleep(0.3)
    pg.restart()
    wait_finished(app, jobs, BACK_WITHIN)
    for school, _ in schools:
        assert_money_clean(app, school)
