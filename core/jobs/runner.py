"""Runs one job: re-enter the app and the school, check the module, call, record the outcome.

The same function runs under an rq worker and in-process, so both paths behave alike.
"""

from __future__ import annotations

import gc
import logging
import os
import traceback
import uuid

from flask import Flask, current_app, g, has_app_context
from flask_babel import refresh
from sqlalchemy import select, update

from core import audit
from core.db import utcnow
from core.extensions import db
from core.identity.models import User
from core.jobs.context import Heartbeat, JobContext, JobRefused
from core.jobs.models import JobRun, JobStatus
from core.messages import phrase
from core.schools.registry import tenant_by_id
from core.state import kernel
from core.tenancy import tenant_context

log = logging.getLogger("houqin.jobs")

_worker_app: Flask | None = None


def set_worker_app(app: Flask) -> None:
    """The app a worker process re-enters; created once per process, not per job."""
    global _worker_app
    _worker_app = app


def start_worker_process(app: Flask) -> None:
    """What a worker process does once, before its first job: remember its app, and freeze
    what exists then (routes, schemas, catalogues, plugins; it lives as long as the process),
    so that the collector stops walking it at every full collection and the work horses rq
    forks per job do not write to its pages (which would copy them)."""
    set_worker_app(app)
    gc.freeze()


def _app() -> Flask:
    global _worker_app
    if has_app_context():
        return current_app._get_current_object()
    if _worker_app is None:
        from core.app import create_app

        _worker_app = create_app()
    return _worker_app


class JobFailed(RuntimeError):
    """Raised to the backend so it retries (or gives up); the run row has the details."""

    def __init__(self, message: str, will_retry: bool) -> None:
        super().__init__(message)
        self.will_retry = will_retry


_pool_pid = os.getpid()


def _forget_inherited_connections() -> None:
    """rq's worker forks a work horse per job: the child must not use the parent's sockets."""
    global _pool_pid
    if os.getpid() != _pool_pid:
        for engine in db.engines.values():
            engine.dispose(close=False)
        _pool_pid = os.getpid()


def execute(tenant_id: int, run_id: str, app: Flask | None = None) -> str:
    """Entry point for both backends. Returns the final status, raises ``JobFailed`` to retry."""
    with (app or _app()).app_context():
        _forget_inherited_connections()
        try:
            return _execute(tenant_id, run_id)
        except JobRefused:
            _no_rq_retry()
            raise
        finally:
            db.session.remove()


def _no_rq_retry() -> None:
    """A refused attempt is final for this handover: rq records it as failed, not retried."""
    try:
        from rq import get_current_job
    except ImportError:  # pragma: no cover - rq is a dependency
        return
    job = get_current_job()
    if job is not None:
        job.retries_left = 0


def _speak_as(user_id: int | None) -> None:
    """A job's messages (an import's per-row reasons) in the language of who started it."""
    if user_id is not None:
        g.job_locale = db.session.scalar(select(User.locale).where(User.id == user_id))
        refresh()


def _execute(tenant_id: int, run_id: str) -> str:
    tenant = tenant_by_id(tenant_id)
    if tenant is None:
        log.warning("job %s: school %s no longer exists", run_id, tenant_id)
        return JobStatus.SKIPPED
    with tenant_context(tenant), audit.acting_as(audit.Actor(user_id=None, source="job")):
        run = db.session.get(JobRun, (tenant.id, uuid.UUID(run_id)))
        if run is None:
            return JobStatus.SKIPPED
        if run.status in (JobStatus.FINISHED, JobStatus.SKIPPED, JobStatus.FAILED):
            log.info("job %s refused: it is %s already", run_id, run.status,
                     extra={"job_id": run_id})
            raise JobRefused(f"job {run_id} is {run.status} already")
        func, owner = kernel().jobs.resolve(run.func)
        if owner is not None and not _module_on(owner):
            run.status, run.finished_at = JobStatus.SKIPPED, utcnow()
            run.message = phrase("skipped: the module %(module)s is off for this school",
                                 module=owner).stored()
            db.session.commit()
            return JobStatus.SKIPPED
        # Claimed atomically: a job handed over twice (a retry racing a recovery) runs once.
        claimed = db.session.execute(
            update(JobRun)
            .where(JobRun.id == run.id,
                   JobRun.status.in_([JobStatus.QUEUED, JobStatus.RETRYING]))
            .values(status=JobStatus.RUNNING, attempts=JobRun.attempts + 1, started_at=utcnow(),
                    heartbeat_at=utcnow())
            .execution_options(synchronize_session="fetch")
        ).rowcount
        db.session.commit()
        if not claimed:
            log.info("job %s refused: already taken (%s)", run_id, run.status,
                     extra={"job_id": run_id})
            raise JobRefused(f"job {run_id} is {run.status}: another attempt has it")
        extra = {"job_id": run_id}
        _speak_as(run.user_id)
        log.info("job %s started (%s, attempt %s)", run.func, run_id, run.attempts, extra=extra)
        with audit.acting_as(audit.Actor(user_id=run.user_id, source="job", request_id=run_id)):
            context = JobContext(run, tenant)
            try:
                with Heartbeat(tenant.id, run.id, run.attempts):
                    result = func(context, *run.args, **run.kwargs)
                    context.hold()  # refused here if another attempt took the job meanwhile
                run.status, run.finished_at = JobStatus.FINISHED, utcnow()
                if run.progress_total:
                    run.progress_done = run.progress_total
                run.result = result if _jsonable(result) else None
                db.session.commit()
            except JobRefused:
                db.session.rollback()
                log.warning("job %s: attempt %s stopped, another attempt has the job", run_id,
                            context.attempt_number, extra=extra)
                raise
            except Exception as exc:
                db.session.rollback()
                return _failed(tenant.id, run_id, context.attempt_number, exc)
        log.info("job %s finished (%s)", run.func, run_id, extra=extra)
        return JobStatus.FINISHED


def _failed(tenant_id: int, run_id: str, attempt: int, exc: Exception) -> str:
    run = db.session.get(JobRun, (tenant_id, uuid.UUID(run_id)), with_for_update=True,
                         populate_existing=True)
    # Only the attempt that holds the job records its failure: an old attempt that outlived
    # its heartbeat must not overwrite the attempt that took the job over from it.
    if run.status != JobStatus.RUNNING or run.attempts != attempt:
        db.session.rollback()
        raise JobRefused(f"job {run_id} is {run.status} (attempt {run.attempts}): another "
                         f"attempt has it") from exc
    run.error = "".join(traceback.format_exception(exc))[-4000:]
    run.message = f"{type(exc).__name__}: {exc}"[:300]
    gave_up = run.attempts >= run.max_attempts
    run.status = JobStatus.FAILED if gave_up else JobStatus.RETRYING
    if gave_up:
        run.finished_at = utcnow()
    db.session.commit()
    log.warning("job %s %s after attempt %s: %s", run.func,
                "failed" if gave_up else "will retry", run.attempts, exc,
                extra={"job_id": run_id})
    raise JobFailed(run.message, will_retry=not gave_up) from exc


def _module_on(name: str) -> bool:
    from core.schools.modules import enabled_modules

    return name in enabled_modules()


def _jsonable(value) -> bool:
    return value is None or isinstance(value, str | int | float | bool | list | dict)
