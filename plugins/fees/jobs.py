"""The fee module's jobs: billing a term."""

from __future__ import annotations

import uuid
from typing import Any

from core.sdk import JobContext, RuleBroken, db, nphrase

from .services import billing


def bill_term(ctx: JobContext, billing_run_id: str) -> dict[str, Any]:
    """Carry out a billing run, a batch of students at a time. Each batch is committed with
    the progress (a checkpoint), so a retry resumes after the last batch done; a batch
    redone after a failure finds its bills as they were (billing again changes nothing)."""
    start = int((ctx.run.result or {}).get("next_student", 0))

    def checkpoint(done: int, total: int) -> None:
        # Kept as a phrase: the page reads it in each reader's language, not the worker's.
        ctx.progress(done, total, nphrase("%(done)s of %(num)s student billed",
                                          "%(done)s of %(num)s students billed", total,
                                          done=done))
        ctx.run.result = {"next_student": done}
        ctx.checkpoint()

    try:
        return billing.carry_out(uuid.UUID(billing_run_id), start, checkpoint)
    except RuleBroken as exc:  # the term or the run is gone: nothing to retry
        db.session.rollback()  # what the unfinished batch did
        return {"billing_run_id": billing_run_id, "error": str(exc)}
