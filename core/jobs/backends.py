"""Where jobs run: an rq queue on Redis, or threads in this process when there is no Redis."""

from __future__ import annotations

import logging
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

from flask import Flask

from core.db import utcnow
from core.jobs import runner

log = logging.getLogger("houqin.jobs")


class RqBackend:
    def __init__(self, app: Flask) -> None:
        from redis import Redis
        from rq import Queue

        self.connection = Redis.from_url(app.config["REDIS_URL"])
        self.queue = Queue(app.config["RQ_QUEUE"], connection=self.connection)
        self.intervals = list(app.config["JOB_RETRY_INTERVALS"])
        self.timeout = app.config["JOB_TIMEOUT"]

    def dispatch(self, tenant_id: int, run_id: str, max_attempts: int,
                 run_at: datetime | None = None) -> None:
        from rq import Retry

        options = {
            "job_id": run_id,
            "job_timeout": self.timeout,
            "failure_ttl": 30 * 24 * 3600,
            "description": f"houqin job {run_id} for school {tenant_id}",
        }
        if max_attempts > 1:
            options["retry"] = Retry(max=max_attempts - 1, interval=self.intervals)
        if run_at is not None and run_at > utcnow():
            self.queue.enqueue_at(run_at, runner.execute, tenant_id, run_id, **options)
        else:
            self.queue.enqueue(runner.execute, tenant_id, run_id, **options)

    def is_pending(self, run_id: str) -> bool:
        from rq.job import Job

        return Job.exists(run_id, connection=self.connection)

    def ping(self) -> bool:
        return bool(self.connection.ping())


class InProcessBackend:
    """The embedded default: a small thread pool, timers for delays and retries."""

    def __init__(self, app: Flask, workers: int = 2) -> None:
        self.app = app
        self.intervals = list(app.config["JOB_RETRY_INTERVALS"]) or [0]
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="houqin-job")
        self._pending = 0
        self._pending_ids: Counter[str] = Counter()  # a retry is counted before its attempt ends
        self._idle = threading.Condition()

    def dispatch(self, tenant_id: int, run_id: str, max_attempts: int,
                 run_at: datetime | None = None) -> None:
        delay = (run_at - utcnow()).total_seconds() if run_at else 0.0
        self._schedule(tenant_id, run_id, max(delay, 0.0), retries_done=0)

    def _schedule(self, tenant_id: int, run_id: str, delay: float, retries_done: int) -> None:
        with self._idle:
            self._pending += 1
            self._pending_ids[run_id] += 1
        if delay > 0:
            timer = threading.Timer(delay, self._submit, (tenant_id, run_id, retries_done))
            timer.daemon = True
            timer.start()
        else:
            self._submit(tenant_id, run_id, retries_done)

    def _submit(self, tenant_id: int, run_id: str, retries_done: int) -> None:
        self._pool.submit(self._run, tenant_id, run_id, retries_done)

    def _run(self, tenant_id: int, run_id: str, retries_done: int) -> None:
        try:
            runner.execute(tenant_id, run_id, app=self.app)
        except runner.JobFailed as failed:
            if failed.will_retry:
                delay = self.intervals[min(retries_done, len(self.intervals) - 1)]
                self._schedule(tenant_id, run_id, float(delay), retries_done + 1)
        except Exception:
            log.exception("job %s could not run", run_id)
        finally:
            with self._idle:
                self._pending -= 1
                self._pending_ids[run_id] -= 1
                if self._pending_ids[run_id] <= 0:
                    del self._pending_ids[run_id]
                self._idle.notify_all()

    def drain(self, timeout: float = 30.0) -> bool:
        """Wait until every dispatched job (and its retries) is done; for tests and the CLI."""
        with self._idle:
            return self._idle.wait_for(lambda: self._pending == 0, timeout)

    def is_pending(self, run_id: str) -> bool:
        return self._pending_ids.get(run_id, 0) > 0

    def ping(self) -> bool:
        return True

    def shutdown(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)
