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


# rq states in which a job will still run without being handed over again.
_WAITING = {"queued", "scheduled", "deferred"}


class RqBackend:
    # Redis is shared by every process, so what it holds is known everywhere: the sweep can
    # hand over a queued job it lacks at once, not after JOB_STALL_SECONDS.
    shared = True

    def __init__(self, app: Flask) -> None:
        from redis import Redis
        from rq import Queue

        self.connection = Redis.from_url(app.config["REDIS_URL"])
        self.queue = Queue(app.config["RQ_QUEUE"], connection=self.connection)
        self.intervals = list(app.config["JOB_RETRY_INTERVALS"])
        self.timeout = app.config["JOB_TIMEOUT"]

    def _options(self, tenant_id: int, run_id: str, max_attempts: int) -> dict:
        from rq import Retry

        options = {
            "job_id": run_id,
            "job_timeout": self.timeout,
            "failure_ttl": 30 * 24 * 3600,
            "description": f"houqin job {run_id} for school {tenant_id}",
        }
        if max_attempts > 1:
            options["retry"] = Retry(max=max_attempts - 1, interval=self.intervals)
        return options

    def dispatch(self, tenant_id: int, run_id: str, max_attempts: int,
                 run_at: datetime | None = None) -> None:
        options = self._options(tenant_id, run_id, max_attempts)
        if run_at is not None and run_at > utcnow():
            self.queue.enqueue_at(run_at, runner.execute, tenant_id, run_id, **options)
        else:
            self.queue.enqueue(runner.execute, tenant_id, run_id, **options)

    def dispatch_many(self, jobs: list[tuple[int, str, int]]) -> None:
        """Hand over many jobs due now in one round trip (a pipeline)."""
        from rq import Queue

        for start in range(0, len(jobs), 1000):
            data = []
            for tenant_id, run_id, max_attempts in jobs[start:start + 1000]:
                options = self._options(tenant_id, run_id, max_attempts)
                data.append(Queue.prepare_data(
                    runner.execute, (tenant_id, run_id), job_id=options.pop("job_id"),
                    timeout=options.pop("job_timeout"), **options))
            with self.connection.pipeline() as pipe:
                self.queue.enqueue_many(data, pipeline=pipe)
                pipe.execute()

    def is_pending(self, run_id: str) -> bool:
        return run_id in self.pending(run_id)

    def states(self, *run_ids: str) -> dict[str, str | None]:
        """What rq says of each of these jobs (queued, started, failed...; None: unknown to it),
        in one pipelined call."""
        with self.connection.pipeline(transaction=False) as pipe:
            for run_id in run_ids:
                pipe.hget(f"rq:job:{run_id}", "status")
            found = pipe.execute()
        return {run_id: state.decode() if state else None
                for run_id, state in zip(run_ids, found, strict=True)}

    def pending(self, *run_ids: str) -> set[str]:
        """Which of these jobs rq holds and will still run. A job rq marked failed, finished
        or stopped is not pending: its record needs a new handover."""
        return {run_id for run_id, state in self.states(*run_ids).items() if state in _WAITING}

    def ping(self) -> bool:
        return bool(self.connection.ping())


class InProcessBackend:
    """The embedded default: a small thread pool, timers for delays and retries."""

    # Each process holds its own jobs in memory: a queued job another process holds cannot
    # be told from a lost one, so the sweep waits JOB_STALL_SECONDS before sending it again.
    shared = False

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
        except runner.JobRefused as refused:
            log.info("job %s refused: %s", run_id, refused)
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

    def dispatch_many(self, jobs: list[tuple[int, str, int]]) -> None:
        for tenant_id, run_id, max_attempts in jobs:
            self.dispatch(tenant_id, run_id, max_attempts)

    def is_pending(self, run_id: str) -> bool:
        return self._pending_ids.get(run_id, 0) > 0

    def states(self, *run_ids: str) -> dict[str, str | None]:
        return {run_id: "queued" if self.is_pending(run_id) else None for run_id in run_ids}

    def pending(self, *run_ids: str) -> set[str]:
        return {run_id for run_id in run_ids if self.is_pending(run_id)}

    def ping(self) -> bool:
        return True

    def shutdown(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)
