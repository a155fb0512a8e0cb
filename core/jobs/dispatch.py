"""``enqueue``: the one way to start background work."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from flask import current_app
from sqlalchemy import event
from sqlalchemy.orm import Session

from core.audit import current_actor
from core.extensions import db
from core.jobs.models import JobRun
from core.jobs.registry import func_path
from core.state import kernel
from core.tenancy import require_tenant

_PENDING = "houqin_pending_jobs"
log = logging.getLogger("houqin.jobs")


def backend():
    return current_app.extensions["houqin_jobs"]


def enqueue(func: Callable, *args, description: str | None = None, run_at: datetime | None = None,
            max_attempts: int | None = None, **kwargs) -> JobRun:
    """Record a job for the school in context; it is handed to a worker when the current
    transaction commits (and never, if it rolls back). Arguments must be JSON values."""
    tenant = require_tenant()
    owner = kernel().jobs.owner_of(func)
    retries = len(current_app.config["JOB_RETRY_INTERVALS"])
    run = JobRun(
        func=func_path(func), plugin=owner, user_id=current_actor().user_id,
        description=description, args=list(args), kwargs=kwargs, run_at=run_at,
        max_attempts=max_attempts if max_attempts is not None else retries + 1,
    )
    db.session.add(run)
    db.session.flush()
    db.session.info.setdefault(_PENDING, []).append(
        (tenant.id, str(run.id), run.max_attempts, run_at)
    )
    return run


def _dispatch_after_commit(session: Session) -> None:
    if session.get_nested_transaction() is not None:
        # A savepoint released (SQLAlchemy calls after_commit for it too, as first_writer's
        # do): the jobs wait for the real commit, else a worker would look for a run that is
        # not committed yet and skip it.
        return
    pending = session.info.pop(_PENDING, None)
    if pending:
        jobs = backend()
        for tenant_id, run_id, max_attempts, run_at in pending:
            try:
                jobs.dispatch(tenant_id, run_id, max_attempts, run_at)
            except Exception:
                # The work is committed and the job recorded as queued: the scheduler's
                # sweep hands it over again (core.jobs.recovery), so no request fails here.
                log.exception("job %s could not be handed over; it stays queued", run_id)


def _forget_after_rollback(session: Session, previous_transaction) -> None:
    if not previous_transaction.nested:  # a savepoint's rollback leaves the outer work queued
        session.info.pop(_PENDING, None)


def install(session_class=Session) -> None:
    if not event.contains(session_class, "after_commit", _dispatch_after_commit):
        event.listen(session_class, "after_commit", _dispatch_after_commit)
        event.listen(session_class, "after_soft_rollback", _forget_after_rollback)
