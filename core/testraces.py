"""Two requests at the same moment, made to cross the same way every run: each in its own
thread, app context and database connection, and no row written into the table they race
on until every one of them has looked into it (so each found nothing and goes on to write).

For Houqin's tests and a module's alike: import them from ``core.testing`` (``at_once``,
``read_before_written``, ``requests_crossing``), as tests/plugins/canteen/test_races.py does.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, nullcontext

from sqlalchemy import event

WAIT = 30  # seconds; a race that never comes fails the test instead of hanging it


@contextmanager
def read_before_written(engine, table: str, readers: int = 2) -> Iterator[None]:
    """Hold every INSERT into ``table`` until ``readers`` threads have each read from it."""
    looked: set[int] = set()
    all_looked = threading.Event()
    lock = threading.Lock()
    reads, writes = re.compile(rf"\bFROM {table}\b"), f"INSERT INTO {table} "

    def after(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("SELECT") and reads.search(statement):
            with lock:
                looked.add(threading.get_ident())
                if len(looked) >= readers:
                    all_looked.set()

    def before(conn, cursor, statement, parameters, context, executemany):
        if statement.startswith(writes) and not all_looked.wait(WAIT):
            raise TimeoutError(f"the other request never read {table}")

    event.listen(engine, "after_cursor_execute", after)
    event.listen(engine, "before_cursor_execute", before)
    try:
        yield
    finally:
        event.remove(engine, "before_cursor_execute", before)
        event.remove(engine, "after_cursor_execute", after)


def requests_crossing(engine, table: str, readers: int = 2):
    """``read_before_written`` for requests, where they can cross: on PostgreSQL. On SQLite a
    request that may write holds the one write lock from its first statement, so the second
    reads only after the first has committed, and there is no crossing to arrange (holding
    the first's insert would only keep the second waiting for it)."""
    if engine.dialect.name == "sqlite":
        return nullcontext()
    return read_before_written(engine, table, readers)


def at_once(calls: list[Callable[[], object]]) -> list:
    """Run every call in its own thread, all let go together; their results in order."""
    start = threading.Barrier(len(calls))

    def run(call):
        start.wait(timeout=WAIT)
        return call()

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(run, calls))
