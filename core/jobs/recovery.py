"""Jobs that were recorded but never ran, or whose worker died: handed over again.

A job row can be left queued when Redis was unreachable at commit, or when the process that
held it in memory stopped (the embedded backend), and left running when its worker died: its
heartbeat (``job_runs.heartbeat_at``) then goes stale. This sweep finds them for every school
at once, in a few statements inside the scheduler's cross-school scope, and hands them over
again; the runner's atomic claim makes a job handed over twice run once, and an old attempt
that is still alive stops at its next checkpoint.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from flask import current_app
from sqlalchemy import BigInteger, Boolean, Integer, Uuid, bindparam, text

from core.db import UtcDateTime, utcnow
from core.extensions import db
from core.jobs.scope import cross_school
from core.messages import phrase

log = logging.getLogger("houqin.jobs")

# A job whose every attempt killed its worker (out of memory, say) is not taken again: after
# its last attempt it is recorded as failed, or it would take a worker down every few minutes.
_GIVE_UP = text(
    "UPDATE job_runs SET status = 'failed', message = :message, finished_at = :now"
    " WHERE status = 'running' AND coalesce(heartbeat_at, started_at, created_at) <= :dead"
    " AND attempts >= max_attempts"
    " RETURNING tenant_id, id"
).bindparams(bindparam("dead", type_=UtcDateTime()), bindparam("now", type_=UtcDateTime()))

_RETAKE = text(
    "UPDATE job_runs SET status = 'retrying', message = :message"
    " WHERE status = 'running' AND coalesce(heartbeat_at, started_at, created_at) <= :dead"
    " AND attempts < max_attempts"
    " RETURNING tenant_id, id"
).bindparams(bindparam("dead", type_=UtcDateTime()))

_WAITING = text(
    "SELECT tenant_id, id, max_attempts, run_at, coalesce(run_at, created_at) <= :fresh AS old"
    " FROM job_runs WHERE status IN ('queued', 'retrying')"
    " AND coalesce(run_at, created_at) <= :due"
).bindparams(bindparam("due", type_=UtcDateTime()), bindparam("fresh", type_=UtcDateTime())
             ).columns(tenant_id=BigInteger(), id=Uuid(), max_attempts=Integer(),
                       run_at=UtcDateTime(), old=Boolean())


def resend_stalled(waiting_for: float, running_for: float | None) -> int:
    """Hand over again the jobs due for ``waiting_for`` seconds that no worker holds, and the
    running ones whose heartbeat is ``running_for`` seconds old (None: leave running jobs
    alone). Returns how many were handed over."""
    backend = current_app.extensions["houqin_jobs"]
    stale = float(current_app.config["JOB_HEARTBEAT_STALE_SECONDS"])
    now = utcnow()
    with cross_school("stalled-job sweep") as connection:
        retaken, given_up = [], []
        if running_for is not None:
            dead = now - timedelta(seconds=running_for)
            given_up = connection.execute(_GIVE_UP, {
                "dead": dead, "now": now,
                "message": phrase("its worker stopped during every attempt; not tried "
                                  "again").stored(),
            }).all()
            retaken = connection.execute(_RETAKE, {
                "dead": dead,
                "message": phrase("its worker stopped; running again from the last "
                                  "checkpoint").stored(),
            }).all()
        waiting = connection.execute(_WAITING, {
            "due": now - timedelta(seconds=waiting_for),
            "fresh": now - timedelta(seconds=stale),
        }).all()
    db.session.commit()
    if given_up:
        log.error("%d job(s) lost their worker on their last attempt; recorded as failed",
                  len(given_up))
    if retaken:
        log.warning("%d job(s) lost their worker (heartbeat older than %ss); taken again",
                    len(retaken), running_for)
    if not waiting:
        return 0
    ids = [str(row.id) for row in waiting]
    try:
        states = backend.states(*ids)
    except Exception:
        log.warning("the job queue does not answer; %d job(s) wait for it", len(ids))
        return 0
    handover = []
    for (tenant_id, _id, max_attempts, run_at, old), run_id in zip(waiting, ids, strict=True):
        state = states.get(run_id)
        if state in ("queued", "scheduled", "deferred"):
            continue
        if state == "started" and not old:
            continue  # a worker has just begun it and is about to claim it
        handover.append((tenant_id, run_id, max_attempts, run_at))
    now_due = [(t, r, m) for t, r, m, run_at in handover if run_at is None or run_at <= now]
    later = [job for job in handover if job[3] is not None and job[3] > now]
    resent = 0
    try:
        backend.dispatch_many(now_due)  # in bulk: after an outage there may be thousands
        resent += len(now_due)
        for tenant_id, run_id, max_attempts, run_at in later:
            backend.dispatch(tenant_id, run_id, max_attempts, run_at)
            resent += 1
    except Exception:
        log.exception("stalled jobs could not be handed over again; the next sweep tries")
    if resent:
        log.info("handed over %d stalled job(s) again", resent)
    return resent

