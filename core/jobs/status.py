"""What a module may read of one of its school's jobs: the progress a page draws as a bar."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from core.extensions import db
from core.jobs.models import JobRun, JobStatus
from core.messages import read_stored
from core.tenancy import require_tenant

DONE = frozenset({JobStatus.FINISHED.value, JobStatus.FAILED.value, JobStatus.SKIPPED.value})


@dataclass(frozen=True)
class JobState:
    """A job's record as read-only values, with the names ``web/_progress.html`` uses."""

    id: uuid.UUID
    status: str
    progress_done: int
    progress_total: int | None
    percent: int | None
    message: str | None
    error: str | None
    result: Any

    @property
    def done(self) -> bool:
        """Finished, failed for good or skipped: nothing more will change."""
        return self.status in DONE


def job_state(job_id: uuid.UUID) -> JobState | None:
    """The state of a job of the school in context (None when it has no such job)."""
    require_tenant()
    run = db.session.scalar(select(JobRun).where(JobRun.id == job_id))
    if run is None:
        return None
    return JobState(run.id, run.status, run.progress_done, run.progress_total, run.percent,
                    read_stored(run.message), run.error, run.result)
