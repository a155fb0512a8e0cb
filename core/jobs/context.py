"""What a running job gets: its record, progress reporting, checkpoints and a heartbeat."""

from __future__ import annotations

import logging
import threading
import uuid

from flask import current_app
from sqlalchemy import Uuid, bindparam, text, update

from core.db import UtcDateTime, utcnow
from core.extensions import db
from core.jobs.models import JobRun, JobStatus
from core.messages import Phrase
from core.tenancy import TenantRef

MESSAGE_WIDTH = 300  # job_runs.message

log = logging.getLogger("houqin.jobs")


class JobRefused(RuntimeError):
    """This attempt may not run or go on: the job is finished, or another attempt has taken it
    (the sweep took it again after its heartbeat went stale). The backend records a failure,
    never a success, and does not retry it."""


class JobContext:
    def __init__(self, run: JobRun, tenant: TenantRef) -> None:
        self.run = run
        self.tenant = tenant
        self.run_id = run.id
        self.attempt_number = run.attempts  # the claim that started this attempt

    @property
    def attempt(self) -> int:
        return self.run.attempts

    def progress(self, done: int, total: int | None = None,
                 message: str | Phrase | None = None) -> None:
        """Record progress; it becomes visible at the next checkpoint (or when the job ends).

        Pass the message as a ``phrase``/``nphrase`` (``core.sdk``) so that each reader sees
        it in their own language; a plain string is shown as it is."""
        if done < 0 or (total is not None and total < 0):
            raise ValueError("progress counts cannot be negative")
        self.run.progress_done = done
        if total is not None:
            self.run.progress_total = total
        if isinstance(message, Phrase) and len(message.stored()) <= MESSAGE_WIDTH:
            self.run.message = message.stored()
        elif message is not None:  # too long to keep as a phrase: kept in today's language
            self.run.message = str(message)[:MESSAGE_WIDTH]

    def hold(self) -> None:
        """Check, with the job's row locked until the commit, that this attempt still has the
        job; raise ``JobRefused`` when the sweep gave it to another attempt meanwhile."""
        held = db.session.execute(
            update(JobRun)
            .where(JobRun.id == self.run_id, JobRun.status == JobStatus.RUNNING,
                   JobRun.attempts == self.attempt_number)
            .values(heartbeat_at=utcnow())
            .execution_options(synchronize_session=False)
        ).rowcount
        if not held:
            raise JobRefused(f"job {self.run_id}: attempt {self.attempt_number} was taken over")

    def checkpoint(self) -> None:
        """Commit the work so far with the progress. A retry starts after the last checkpoint,
        so work between checkpoints must be safe to do again. An attempt that lost the job
        (its heartbeat went stale and it was taken again) stops here, its work undone."""
        self.hold()
        db.session.commit()


class Heartbeat:
    """While a job runs, a thread writes its ``heartbeat_at`` every JOB_HEARTBEAT_SECONDS on a
    connection of its own, so a job busy between checkpoints still shows it is alive."""

    def __init__(self, tenant_id: int, run_id: uuid.UUID, attempt: int) -> None:
        app = current_app._get_current_object()
        self.app = app
        self.every = float(app.config["JOB_HEARTBEAT_SECONDS"])
        self.tenant_id, self.run_id, self.attempt = tenant_id, run_id, attempt
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def __enter__(self) -> Heartbeat:
        if self.every > 0:
            self._thread = threading.Thread(target=self._beat, daemon=True,
                                            name=f"houqin-heartbeat-{self.run_id}")
            self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _beat(self) -> None:
        with self.app.app_context():
            engine = db.engine
            while not self._stop.wait(self.every):
                try:
                    with engine.begin() as connection:
                        if connection.dialect.name == "postgresql":
                            connection.exec_driver_sql(
                                "SELECT set_config('houqin.tenant_id', %s, true)",
                                (str(self.tenant_id),))
                        connection.execute(
                            text("UPDATE job_runs SET heartbeat_at = :now WHERE tenant_id = :t"
                                 " AND id = :id AND status = 'running' AND attempts = :a")
                            .bindparams(bindparam("now", type_=UtcDateTime()),
                                        bindparam("id", type_=Uuid())),
                            {"now": utcnow(), "t": self.tenant_id, "id": self.run_id,
                             "a": self.attempt})
                except Exception as exc:  # the database is away: the next beat tries again
                    log.info("job %s: heartbeat not written (%s)", self.run_id, exc)

