"""What a running job gets: its record, progress reporting and checkpoints."""

from __future__ import annotations

from core.extensions import db
from core.jobs.models import JobRun
from core.tenancy import TenantRef


class JobContext:
    def __init__(self, run: JobRun, tenant: TenantRef) -> None:
        self.run = run
        self.tenant = tenant

    @property
    def attempt(self) -> int:
        return self.run.attempts

    def progress(self, done: int, total: int | None = None, message: str | None = None) -> None:
        """Record progress; it becomes visible at the next checkpoint (or when the job ends)."""
        if done < 0 or (total is not None and total < 0):
            raise ValueError("progress counts cannot be negative")
        self.run.progress_done = done
        if total is not None:
            self.run.progress_total = total
        if message is not None:
            self.run.message = message[:300]

    def checkpoint(self) -> None:
        """Commit the work so far with the progress. A retry starts after the last checkpoint,
        so work between checkpoints must be safe to do again."""
        db.session.commit()
