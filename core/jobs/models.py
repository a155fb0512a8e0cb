"""The visible record of every job: status, progress, attempts and the last error."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from core.db import TenantScoped, UtcDateTime, tenant_index, tenant_unique, utcnow
from core.db.rls import JOBS_ALL_SCHOOLS
from core.extensions import db

# The scheduler and the stalled-job sweep work on these tables for every school at once,
# inside core.jobs.scope.cross_school(); no other table honours that scope.
_ALL_SCHOOLS = {"info": {"rls_policies": [
    ("houqin_jobs_all_schools", "ALL", JOBS_ALL_SCHOOLS)]}}
_UNFINISHED = "status IN ('queued', 'running', 'retrying')"


class JobStatus(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    RETRYING = "retrying"
    FINISHED = "finished"
    FAILED = "failed"
    SKIPPED = "skipped"


class JobRun(TenantScoped, db.Model):
    __tablename__ = "job_runs"
    __table_args__ = (
        tenant_index("ix_job_runs_status", "status", "created_at"),
        # The sweep looks for unfinished jobs of every school: a partial index holds only
        # those, so reading all of it stays cheap however many finished runs there are.
        Index("ix_job_runs_unfinished", "tenant_id", "status",
              postgresql_where=text(_UNFINISHED), sqlite_where=text(_UNFINISHED)),
        _ALL_SCHOOLS,
    )
    __audited__ = False  # the run is itself the record; auditing each progress tick is noise

    func: Mapped[str] = mapped_column(String(200))
    plugin: Mapped[str | None] = mapped_column(String(63))
    user_id: Mapped[int | None] = mapped_column(BigInteger)
    description: Mapped[str | None] = mapped_column(String(200))
    args: Mapped[list[Any]] = mapped_column(JSON, default=list)
    kwargs: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(12), default=JobStatus.QUEUED.value)
    progress_done: Mapped[int] = mapped_column(Integer, default=0)
    progress_total: Mapped[int | None] = mapped_column(Integer)
    message: Mapped[str | None] = mapped_column(String(300))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    max_attempts: Mapped[int] = mapped_column(Integer, default=4)
    error: Mapped[str | None] = mapped_column(Text)
    result: Mapped[Any | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    run_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    started_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # Written every JOB_HEARTBEAT_SECONDS while the job runs; a stale one means its worker died.
    heartbeat_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    @property
    def percent(self) -> int | None:
        if not self.progress_total:
            return 100 if self.status == JobStatus.FINISHED else None
        return min(100, self.progress_done * 100 // self.progress_total)


class ScheduleTick(TenantScoped, db.Model):
    """One row per periodic job per school per time slot, so several workers start it once."""

    __tablename__ = "schedule_ticks"
    __table_args__ = (tenant_unique("schedule", "slot"), _ALL_SCHOOLS)
    __audited__ = False

    schedule: Mapped[str] = mapped_column(String(120))
    slot: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class SchedulerState(db.Model):
    """The deployment's scheduler: the last minute it ticked, so a stop is caught up (or the
    minutes beyond the catch-up bound counted) instead of silently skipped."""

    __tablename__ = "scheduler_state"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    last_minute: Mapped[datetime] = mapped_column(UtcDateTime)
    skipped_minutes: Mapped[int] = mapped_column(Integer, default=0)
    last_pruned_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
