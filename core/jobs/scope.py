"""``cross_school()``: the scheduler's one way to work on every school's jobs at once.

Starting a periodic job for 10,000 schools, or finding the jobs whose worker died, one school
at a time costs a transaction per school every minute. Inside this scope the scheduler writes
set-based SQL over all schools instead. It stays narrow:

- On PostgreSQL it sets ``houqin.jobs_all_schools`` for the current transaction only
  (``set_config(..., true)``): it ends with the commit or rollback, never outlives it on a
  pooled connection.
- Only three policies honour it (core.db.rls.JOBS_ALL_SCHOOLS): read and write on job_runs
  and schedule_ticks, read on tenant_modules. Every other school table still sees no school
  and returns nothing.
- Only the scheduler's tick, the stalled-job sweep and pruning enter it (core.jobs.scheduler,
  core.jobs.recovery); each use is logged with its purpose.

The statements inside are plain SQL (``text``), which the ORM guard does not rewrite; they
name only the three tables above. SQLite has no row-level security: the same SQL runs there.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager, suppress

from sqlalchemy.engine import Connection

from core.db.rls import JOBS_ALL_SCHOOLS_SETTING
from core.extensions import db

log = logging.getLogger("houqin.jobs.scope")


@contextmanager
def cross_school(purpose: str) -> Iterator[Connection]:
    """The session's connection with every school's job tables in reach, for this transaction;
    the caller commits. ``purpose`` names the use in the log."""
    connection = db.session.connection()
    postgres = connection.dialect.name == "postgresql"
    if postgres:
        connection.exec_driver_sql(
            "SELECT set_config(%s, 'on', true)", (JOBS_ALL_SCHOOLS_SETTING,))
    log.info("cross-school scope: %s", purpose, extra={"cross_school": purpose})
    try:
        yield connection
    finally:
        if postgres and not connection.closed and connection.in_transaction():
            # A failed transaction refuses this; its rollback ends the setting anyway.
            with suppress(Exception):
                connection.exec_driver_sql(
                    "SELECT set_config(%s, '', true)", (JOBS_ALL_SCHOOLS_SETTING,))
