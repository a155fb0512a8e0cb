"""The embedded default as a kindergarten runs it: real gunicorn with threaded workers
(deploy/gunicorn.conf.py) on one SQLite file, and payments posted at the same moment on
several bills. Writes take turns: no 500, every payment has its receipt, the numbers run
without gaps, and the money records reconcile."""

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from threading import Barrier

import pytest
from sqlalchemy import func, select

from core.testing import _dispose, _sqlite_database, migrate

ROOT = Path(__file__).resolve().parents[2]
BILLS, ROUNDS = 5, 3


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def embedded(tmp_path):
    """A migrated SQLite instance and an app on it, for setting up and checking."""
    from core.app import create_app

    database = _sqlite_database(tmp_path)
    instance = tmp_path / "instance"
    instance.mkdir()
    migrate(database, instance)
    app = create_app({**database.config(), "INSTANCE_PATH": str(instance), "SECRET_KEY": "x",
                      "HOUQIN_PLUGINS": None, "REDIS_URL": None})
    with app.app_context():
        yield app, database, instance
    _dispose(app)


@pytest.fixture
def gunicorn(embedded):
    _, database, instance = embedded
    port = free_port()
    env = {**os.environ, "DATABASE_URL": database.app_url, "HOUQIN_INSTANCE_PATH": str(instance),
           "SECRET_KEY": "x", "HOUQIN_BIND": f"127.0.0.1:{port}", "HOUQIN_WORKERS": "2",
           "HOUQIN_THREADS": "4", "HOUQIN_WORKER_CLASS": "gthread", "REDIS_URL": ""}
    env.pop("HOUQIN_PLUGINS", None)
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "deploy" / "gunicorn.conf.py"),
         "wsgi:app"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"{base}/healthz", timeout=2)
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("gunicorn did not start: "
                                       + server.stderr.read().decode()[-2000:]) from None
                time.sleep(0.3)
        yield base
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


def post(url: str, headers: dict, body: dict) -> tuple[int, dict]:
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                     headers={**headers, "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=60) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as refused:
        return refused.code, json.loads(refused.read() or b"{}")


def test_payments_posted_at_once_on_sqlite_under_gunicorn_all_get_receipts(
        embedded, gunicorn, make_school, make_user):
    from datetime import date

    from core.calendar import services as calendar
    from core.extensions import db
    from core.tenancy import tenant_context
    from plugins.fees.models import Payment, Receipt
    from plugins.fees.services.ledger import reconcile
    from tests.plugins.fees.support import classroom, issued_bill

    school = make_school("kindergarten", modules=("fees",))
    with tenant_context(school):
        year = calendar.create_year("2026学年", date(2026, 9, 1), date(2027, 8, 31))
        term = calendar.create_term(year.id, "第一学期", date(2026, 9, 1), date(2027, 1, 22))
        db.session.commit()
        term_id = str(term.id)
    clerk = make_user(school, "finance_clerk")
    _, pupils = classroom(school, "小一班", students=BILLS)
    bills = [issued_bill(school, term_id, pupil, 500000) for pupil in pupils]
    headers = {**clerk.headers, "X-Tenant": "kindergarten"}
    calls = [(f"{gunicorn}/api/v1/fees/bills/{bill}/payments",
              {"amount_fen": 1000 + n, "method": "cash", "received_on": "2026-09-10"})
             for n in range(ROUNDS) for bill in bills]
    start = Barrier(len(calls))

    def pay(call):
        start.wait(timeout=30)
        return post(call[0], headers, call[1])

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        answers = list(pool.map(pay, calls))

    assert [status for status, _ in answers] == [201] * len(calls), answers
    numbers = sorted(body["receipt_number"] for _, body in answers)
    assert numbers == [f"2026-{seq:06d}" for seq in range(1, len(calls) + 1)]
    db.session.rollback()
    with tenant_context(school):
        assert db.session.scalar(select(func.count()).select_from(Payment)) == len(calls)
        assert db.session.scalar(select(func.count()).select_from(Payment).where(
            ~Payment.id.in_(select(Receipt.payment_id)))) == 0
        assert reconcile() == []
