"""Jobs that were recorded but never ran: handed over again.

A job row can be left queued when Redis was unreachable at commit, or when the process that
held it in memory stopped (the embedded backend), and left running when its worker died.
This sweep finds them and hands them over again; the runner's atomic claim makes a job
handed over twice run once.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from flask import current_app
from sqlalchemy import func, or_, select

from core.db import utcnow
from core.extensions import db
from core.jobs.models import JobRun, JobStatus
from core.tenancy import tenant_context
from tenants.models import Tenant

log = logging.getLogger("houqin.jobs")


def resend_stalled(waiting_for: float, running_for: float | None) -> int:
    """Hand over again the jobs due for ``waiting_for`` seconds and not pending here, and
    those running for ``running_for`` seconds (None: leave running jobs alone)."""
    backend = current_app.extensions["houqin_jobs"]
    now = utcnow()
    due = now - timedelta(seconds=waiting_for)
    resent = 0
    for school in [t.ref() for t in db.session.scalars(select(Tenant))]:
        with tenant_context(school):
            waiting = JobRun.status.in_([JobStatus.QUEUED, JobStatus.RETRYING])
            clause = waiting & (func.coalesce(JobRun.run_at, JobRun.created_at) <= due)
            if running_for is not None:
                dead = now - timedelta(seconds=running_for)
                started_long_ago = or_(JobRun.started_at.is_(None), JobRun.started_at <= dead)
                clause = or_(clause, (JobRun.status == JobStatus.RUNNING) & started_long_ago)
            runs = db.session.scalars(select(JobRun).where(clause)).all()
            handover = []
            for run in runs:
                if run.status == JobStatus.RUNNING:
                    run.status = JobStatus.RETRYING
                    run.message = "its worker stopped; running again"
                if not backend.is_pending(str(run.id)):
                    handover.append((str(run.id), run.max_attempts, run.run_at))
            db.session.commit()
        for run_id, max_attempts, run_at in handover:
            try:
                backend.dispatch(school.id, run_id, max_attempts, run_at)
                resent += 1
            except Exception:
                log.exception("job %s could not be handed over again", run_id)
    if resent:
        log.info("handed over %d stalled job(s) again", resent)
    return resent
