"""Background jobs: one ``enqueue``, two backends (rq on Redis, or in-process), a scheduler.

A job carries its school, the person who asked and the plugin that owns it; it runs only
after the transaction that enqueued it commits, re-enters app and school before it touches
data, skips when its module was switched off meanwhile, reports progress, retries with
back-off and, when it gives up, stays in the failed list.
"""

from core.jobs.context import JobContext
from core.jobs.dispatch import enqueue
from core.jobs.registry import Schedule
from core.jobs.status import JobState, job_state

__all__ = ["JobContext", "JobState", "Schedule", "enqueue", "job_state"]
