"""Periodic jobs: each minute, start every schedule that is due in each school's time zone.

Several workers may run the scheduler at once; a unique row per (school, schedule, minute)
lets exactly one of them start the job.
"""

from __future__ import annotations

import logging
import threading
from collections import defaultdict
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from croniter import croniter
from flask import Flask
from sqlalchemy import select

from core.db import utcnow
from core.db.races import first_writer
from core.extensions import db
from core.identity.sessions import purge as purge_sessions
from core.jobs.dispatch import enqueue
from core.jobs.models import ScheduleTick
from core.jobs.recovery import resend_stalled
from core.rules import RuleBroken
from core.state import kernel
from core.tenancy import tenant_context
from core.web.security import purge_failures
from tenants.models import Tenant, TenantStatus
from tenants.modules import enabled_modules

log = logging.getLogger("houqin.scheduler")


def tick(now: datetime | None = None) -> list[tuple[str, str]]:
    """Start what is due at ``now`` (UTC); returns (school slug, schedule name) pairs started."""
    now = (now or utcnow()).replace(second=0, microsecond=0)
    schedules = kernel().jobs.schedules
    if not schedules:
        return []
    tenants = db.session.scalars(select(Tenant).where(Tenant.status == TenantStatus.ACTIVE))
    by_zone: dict[str, list] = defaultdict(list)
    for tenant in tenants:
        by_zone[tenant.timezone].append(tenant.ref())
    started = []
    for zone, refs in by_zone.items():
        local = now.astimezone(ZoneInfo(zone)).replace(tzinfo=None)
        due = [(s, owner) for s, owner in schedules if croniter.match(s.cron, local)]
        if not due:
            continue
        slot = local.strftime("%Y-%m-%dT%H:%M")
        for ref in refs:
            with tenant_context(ref):
                on = enabled_modules()
                for schedule, owner in due:
                    if owner is not None and owner not in on:
                        continue
                    if _claim(schedule.name, slot):
                        enqueue(schedule.func, description=schedule.description or schedule.name)
                        db.session.commit()
                        started.append((ref.slug, schedule.name))
            db.session.rollback()  # end the read transaction; never hold a lock between ticks
    return started


def _claim(name: str, slot: str) -> bool:
    """Insert the slot's row; whoever inserts it first starts the job."""
    try:
        first_writer(ScheduleTick(schedule=name, slot=slot))
        return True
    except RuleBroken:  # another scheduler process has this slot
        return False


def sweep() -> None:
    """Remove ended and expired sign-in sessions and old sign-in failures: one statement each
    for the whole deployment, never one per school."""
    purge_sessions()
    purge_failures()


def run_forever(app: Flask, stop: threading.Event) -> None:
    """Tick at the start of every minute until ``stop`` is set; also hand over again the jobs
    that stalled (queued past JOB_STALL_SECONDS, or running past JOB_TIMEOUT); and sweep."""
    while not stop.is_set():
        with app.app_context():
            for step in (tick, lambda: resend_stalled(app.config["JOB_STALL_SECONDS"],
                                                      app.config["JOB_TIMEOUT"]),
                         sweep):
                try:
                    step()
                except Exception:
                    log.exception("scheduler step failed")
                    db.session.rollback()
            db.session.remove()
        now = utcnow()
        next_minute = (now + timedelta(minutes=1)).replace(second=0, microsecond=0)
        stop.wait((next_minute - now).total_seconds())


def start_thread(app: Flask) -> threading.Event:
    stop = threading.Event()
    thread = threading.Thread(target=run_forever, args=(app, stop), name="houqin-scheduler",
                              daemon=True)
    thread.start()
    return stop
