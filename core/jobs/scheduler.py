"""Periodic jobs: each minute, start every schedule that is due in each school's time zone.

One set-based statement per due schedule starts it for every school that has its module on
(core.jobs.scope.cross_school): a schedule_ticks row per (school, schedule, local minute) and
the job's record, ``ON CONFLICT DO NOTHING`` so a minute ticked twice starts nothing twice; the
jobs are then handed over in bulk. ``scheduler_state`` keeps the last minute ticked: after a
stop the missed minutes are ticked in order (up to SCHEDULER_CATCH_UP_MINUTES; older ones are
counted as skipped and logged). On PostgreSQL an advisory lock lets one scheduler work at a
time however many workers run one; on SQLite (one process, the embedded default) the unique
rows alone keep a second scheduler from starting anything twice.
"""

from __future__ import annotations

import logging
import threading
import uuid
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from croniter import croniter
from flask import Flask, current_app
from sqlalchemy import bindparam, select, text

from core.db import UtcDateTime, id_block, utcnow
from core.extensions import db
from core.identity.sessions import purge as purge_sessions
from core.jobs.models import SchedulerState
from core.jobs.recovery import resend_stalled
from core.jobs.registry import Schedule, func_path
from core.jobs.scope import cross_school
from core.schools.models import Tenant, TenantStatus
from core.state import kernel
from core.web.security import purge_failures

log = logging.getLogger("houqin.scheduler")

_LOCK = 0x686F757169_6E  # "houqin": the scheduler's advisory lock
_STATE = "ticks"
_PRUNE_EVERY = timedelta(hours=1)
_PRUNE_BATCH = 5000


def _minute(moment: datetime) -> datetime:
    return moment.replace(second=0, microsecond=0)


def tick(now: datetime | None = None) -> list[tuple[str, str]]:
    """Start what is due at ``now`` (UTC); returns (school slug, schedule name) pairs started."""
    started, jobs = _start_due(_minute(now or utcnow()))
    db.session.commit()
    _hand_over(jobs)
    return started


def _start_due(minute: datetime) -> tuple[list[tuple[str, str]], list[tuple[int, str, int]]]:
    """Record the schedule slots and job runs due at ``minute``, uncommitted."""
    schedules = kernel().jobs.schedules
    if not schedules:
        return [], []
    zones = db.session.scalars(select(Tenant.timezone).distinct()
                               .where(Tenant.status == TenantStatus.ACTIVE)).all()
    local = {zone: minute.astimezone(ZoneInfo(zone)).replace(tzinfo=None) for zone in zones}
    started: list[tuple[str, str]] = []
    jobs: list[tuple[int, str, int]] = []
    attempts = len(current_app.config["JOB_RETRY_INTERVALS"]) + 1
    with cross_school(f"scheduler tick {minute:%Y-%m-%dT%H:%M}Z") as connection:
        for schedule, owner in schedules:
            slots = {zone: at.strftime("%Y-%m-%dT%H:%M") for zone, at in local.items()
                     if croniter.match(schedule.cron, at)}
            if not slots:
                continue
            for tenant_id, run_id, slug in _start(connection, schedule, owner, slots,
                                                  attempts):
                started.append((slug, schedule.name))
                jobs.append((tenant_id, run_id, attempts))
    return started, jobs


def _start(connection, schedule: Schedule, owner: str | None, slots: dict[str, str],
           attempts: int) -> list[tuple[int, str, str]]:
    """One schedule's slot rows and job runs for every school due now, set-based."""
    zones = list(slots)
    params = {f"z{n}": zone for n, zone in enumerate(zones)}
    params |= {f"s{n}": slots[zone] for n, zone in enumerate(zones)}
    slot = "CASE t.timezone " + " ".join(
        f"WHEN :z{n} THEN :s{n}" for n in range(len(zones))) + " END"
    in_zones = ", ".join(f":z{n}" for n in range(len(zones)))
    module_on = ("" if owner is None else
                 " AND EXISTS (SELECT 1 FROM tenant_modules m WHERE m.tenant_id = t.id"
                 " AND m.module = :owner AND m.enabled)")
    postgres = connection.dialect.name == "postgresql"
    prefix, low = id_block(10_000_000)
    if postgres:
        new_id = ("CAST(CAST(:prefix AS text) || lpad(to_hex(CAST(:low AS bigint)"
                  " + row_number() OVER ()), 12, '0') AS uuid)")
    else:  # SQLite keeps a UUID as 32 hex digits
        prefix = prefix.replace("-", "")
        new_id = ":prefix || printf('%012x', :low + row_number() OVER ())"
    ticks = (
        "INSERT INTO schedule_ticks (tenant_id, id, schedule, slot, created_at)"
        f" SELECT t.id, {new_id}, :name, {slot}, :now FROM tenants t"
        f" WHERE t.status = :active AND t.timezone IN ({in_zones}){module_on}"
        " ON CONFLICT (tenant_id, schedule, slot) DO NOTHING RETURNING tenant_id, id"
    )
    runs_columns = ("(tenant_id, id, func, plugin, user_id, description, args, kwargs, status,"
                    " progress_done, attempts, max_attempts, created_at)")
    json_list, json_map = ("CAST('[]' AS json)", "CAST('{}' AS json)") if postgres else (
        "'[]'", "'{}'")
    run_values = (f":func, :plugin, NULL, :description, {json_list}, {json_map}, 'queued',"
                  " 0, 0, :attempts, :now")
    params |= {
        "prefix": prefix, "low": low, "name": schedule.name, "owner": owner,
        "active": TenantStatus.ACTIVE.value, "now": utcnow(), "func": func_path(schedule.func),
        "plugin": owner, "description": (schedule.description or schedule.name)[:200],
        "attempts": attempts,
    }
    now_param = bindparam("now", type_=UtcDateTime())
    if postgres:
        statement = text(
            f"WITH ticks AS ({ticks}), runs AS (INSERT INTO job_runs {runs_columns}"
            f" SELECT tenant_id, id, {run_values} FROM ticks ON CONFLICT DO NOTHING"
            " RETURNING tenant_id, id)"
            " SELECT runs.tenant_id, runs.id, t.slug FROM runs JOIN tenants t"
            " ON t.id = runs.tenant_id ORDER BY t.slug"
        ).bindparams(now_param)
        return [(tenant_id, str(run_id), slug)
                for tenant_id, run_id, slug in connection.execute(statement, params)]
    created = connection.execute(text(ticks).bindparams(now_param), params).all()
    if not created:
        return []
    rows = [params | {"tenant_id": tenant_id, "id": run_id} for tenant_id, run_id in created]
    connection.execute(text(
        f"INSERT INTO job_runs {runs_columns} VALUES (:tenant_id, :id, {run_values})"
        " ON CONFLICT DO NOTHING").bindparams(now_param), rows)
    slugs = dict(db.session.execute(select(Tenant.id, Tenant.slug).where(
        Tenant.id.in_([tenant_id for tenant_id, _ in created]))).all())
    return sorted(((tenant_id, str(uuid.UUID(run_id)), slugs[tenant_id])
                   for tenant_id, run_id in created), key=lambda row: row[2])


def _hand_over(jobs: list[tuple[int, str, int]]) -> None:
    if not jobs:
        return
    try:
        current_app.extensions["houqin_jobs"].dispatch_many(jobs)
    except Exception:
        # Recorded as queued: the sweep hands them over as soon as the queue answers.
        log.exception("%d periodic job(s) could not be handed over; they stay queued",
                      len(jobs))


def _lead() -> bool:
    """Whether this process is the one scheduler working now (until the transaction ends)."""
    connection = db.session.connection()
    if connection.dialect.name != "postgresql":
        return True
    return bool(connection.exec_driver_sql(
        "SELECT pg_try_advisory_xact_lock(%s)", (_LOCK,)).scalar())


def catch_up(now: datetime | None = None) -> int:
    """Tick every minute since the last one ticked, up to ``now``, one transaction each;
    returns how many minutes were ticked. Minutes beyond SCHEDULER_CATCH_UP_MINUTES are
    counted in ``scheduler_state.skipped_minutes`` and logged, never silently lost."""
    minute = _minute(now or utcnow())
    bound = max(1, int(current_app.config["SCHEDULER_CATCH_UP_MINUTES"]))
    ticked = 0
    while True:
        if not _lead():
            db.session.rollback()
            return ticked
        state = db.session.get(SchedulerState, _STATE, with_for_update=True)
        if state is None:
            state = SchedulerState(name=_STATE, last_minute=minute - timedelta(minutes=1),
                                   skipped_minutes=0)
            db.session.add(state)
        last = state.last_minute
        if last >= minute:
            db.session.rollback()
            return ticked
        behind = int((minute - last) / timedelta(minutes=1))
        if behind > bound:
            skipped = behind - bound
            state.skipped_minutes = (state.skipped_minutes or 0) + skipped
            last = last + timedelta(minutes=skipped)
            log.error("scheduler was stopped %d minutes: %d minute(s) before %s skipped",
                      behind, skipped, last + timedelta(minutes=1),
                      extra={"skipped_minutes": skipped})
        due = last + timedelta(minutes=1)
        _, jobs = _start_due(due)
        state.last_minute = due
        db.session.commit()
        _hand_over(jobs)
        ticked += 1


def prune(now: datetime | None = None) -> dict[str, int]:
    """Remove finished job records older than JOB_RUNS_KEEP_DAYS and schedule slots older than
    SCHEDULE_TICKS_KEEP_DAYS, for every school, in batches of 5,000 (each its own short
    transaction, so no lock is held long). Returns how many rows went from each table."""
    now = now or utcnow()
    config = current_app.config
    removed = {"job_runs": 0, "schedule_ticks": 0}
    plans = {
        "job_runs": ("status IN ('finished', 'failed', 'skipped')"
                     " AND coalesce(finished_at, created_at) < :before",
                     now - timedelta(days=config["JOB_RUNS_KEEP_DAYS"])),
        "schedule_ticks": ("created_at < :before",
                           now - timedelta(days=config["SCHEDULE_TICKS_KEEP_DAYS"])),
    }
    for table, (condition, before) in plans.items():
        statement = text(
            f"DELETE FROM {table} WHERE (tenant_id, id) IN (SELECT tenant_id, id FROM {table}"
            f" WHERE {condition} LIMIT {_PRUNE_BATCH})"
        ).bindparams(bindparam("before", type_=UtcDateTime()))
        while True:
            with cross_school(f"prune {table}") as connection:
                count = connection.execute(statement, {"before": before}).rowcount
            db.session.commit()
            removed[table] += count
            if count < _PRUNE_BATCH:
                break
    if any(removed.values()):
        log.info("pruned %(job_runs)d job record(s) and %(schedule_ticks)d schedule slot(s)",
                 removed)
    return removed


def prune_when_due(now: datetime | None = None) -> dict[str, int] | None:
    """Prune once an hour, whichever scheduler gets there first."""
    now = now or utcnow()
    if not _lead():
        db.session.rollback()
        return None
    state = db.session.get(SchedulerState, _STATE, with_for_update=True)
    if state is None or (state.last_pruned_at and now - state.last_pruned_at < _PRUNE_EVERY):
        db.session.rollback()
        return None
    state.last_pruned_at = now
    db.session.commit()
    return prune(now)


def sweep() -> None:
    """Remove ended and expired sign-in sessions and old sign-in failures: one statement each
    for the whole deployment, never one per school."""
    purge_sessions()
    purge_failures()


def resend(app: Flask) -> int:
    """The sweep as the scheduler runs it: running jobs whose heartbeat is stale are taken
    again; queued ones no worker holds are handed over (at once with Redis, which every
    process sees; after JOB_STALL_SECONDS in process, where another process may hold them)."""
    backend = app.extensions["houqin_jobs"]
    stale = app.config["JOB_HEARTBEAT_STALE_SECONDS"]
    waiting = app.config["JOB_HEARTBEAT_SECONDS"] if getattr(backend, "shared", False) else (
        app.config["JOB_STALL_SECONDS"])
    return resend_stalled(waiting_for=waiting, running_for=stale)


def run_forever(app: Flask, stop: threading.Event) -> None:
    """Every JOB_HEARTBEAT_SECONDS (and at the start of each minute) until ``stop`` is set:
    tick the minutes due, hand over again the jobs that stalled, sweep sessions once a minute
    and prune once an hour."""
    every = max(1.0, float(app.config["JOB_HEARTBEAT_SECONDS"]))
    swept = None
    while not stop.is_set():
        minute = _minute(utcnow())
        steps = [catch_up, lambda: resend(app)]
        if swept != minute:
            steps += [sweep, prune_when_due]
            swept = minute
        with app.app_context():
            for step in steps:
                try:
                    step()
                except Exception:
                    log.exception("scheduler step failed")
                    db.session.rollback()
            db.session.remove()
        now = utcnow()
        next_minute = _minute(now) + timedelta(minutes=1)
        stop.wait(min(every, (next_minute - now).total_seconds()))


def start_thread(app: Flask) -> threading.Event:
    stop = threading.Event()
    thread = threading.Thread(target=run_forever, args=(app, stop), name="houqin-scheduler",
                              daemon=True)
    thread.start()
    return stop
