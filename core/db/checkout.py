"""How the app's PostgreSQL connections are checked out and begin their transactions.

Every request would otherwise pay two round trips the database work itself does not need: a
liveness check on checkout (``SELECT 1``, the pool's pre-ping) and the row-level-security
scope (``set_config``) in its own statement after the driver's ``BEGIN``. Here:

- the driver runs in autocommit mode and each transaction opens with ONE simple-protocol
  message, ``BEGIN; SELECT set_config(...)``, carrying the school scope in context
  (``core.db.rls``), so the scope costs no extra round trip. Commit and rollback stay as they
  are (the driver sends them only while a transaction is open);
- a connection is checked on checkout without a round trip: a connection PostgreSQL closed
  (restart, ``pg_terminate_backend``, idle timeout) has its socket readable, so a non-blocking
  poll finds it and the pool replaces it before any statement runs;
- a connection idle longer than ``HOUQIN_DB_PING_IDLE_SECONDS`` (30) is pinged with
  ``SELECT 1`` before use, for the losses that leave no trace on the socket (a firewall or NAT
  forgetting the connection).

SQLite is untouched (``core.db.sqlite``).
"""

from __future__ import annotations

import select
import time

from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DisconnectionError

from core.db import rls

_CHECKED_IN = "houqin_checked_in_at"


def _literal(value: str) -> str:
    # standard_conforming_strings is on (PostgreSQL's default since 9.1): only quotes double.
    return "'" + value.replace("'", "''") + "'"


def opening(values: tuple[str, str, str, str]) -> str:
    """The one message that opens a transaction with the school scope ``values``."""
    tenant, district, user, token = (_literal(v) for v in values)
    return (
        f"BEGIN; SELECT set_config('{rls.TENANT_SETTING}', {tenant}, true),"
        f" set_config('{rls.DISTRICT_SETTING}', {district}, true),"
        f" set_config('{rls.USER_SETTING}', {user}, true),"
        f" set_config('{rls.TOKEN_SETTING}', {token}, true)"
    )


def _on_connect(dbapi_connection, connection_record) -> None:
    dbapi_connection.autocommit = True
    connection_record.info[_CHECKED_IN] = time.monotonic()


def _on_checkin(dbapi_connection, connection_record) -> None:
    connection_record.info[_CHECKED_IN] = time.monotonic()


def _closed_by_server(dbapi_connection) -> bool:
    """True when PostgreSQL has closed the connection, or may have. An idle connection in
    the pool has nothing to read; a closed one has the server's farewell ("terminating
    connection") or the end of the stream waiting on its socket. Anything else arriving
    unasked (a notice) is rare enough that replacing the connection is the cheap answer."""
    if dbapi_connection.closed or dbapi_connection.broken:
        return True
    try:
        readable, _, _ = select.select([dbapi_connection.pgconn.socket], [], [], 0)
    except (OSError, ValueError, Exception):  # the driver's OperationalError: no socket
        return True
    return bool(readable)


def _on_checkout(idle_limit: float):
    def check(dbapi_connection, connection_record, connection_proxy) -> None:
        if _closed_by_server(dbapi_connection):
            dbapi_connection.close()
            raise DisconnectionError("PostgreSQL closed this connection")
        idle = time.monotonic() - connection_record.info.get(_CHECKED_IN, 0.0)
        if idle > idle_limit:
            try:
                cursor = dbapi_connection.cursor()
                cursor.execute("SELECT 1")
                cursor.close()
            except Exception as exc:
                raise DisconnectionError("PostgreSQL did not answer the idle ping") from exc
        if not dbapi_connection.autocommit and dbapi_connection.info.transaction_status == 0:
            # Something (an isolation level set per connection) turned it back: restore.
            dbapi_connection.autocommit = True

    return check


def _on_begin(connection: Connection) -> None:
    dbapi_connection = connection.connection.dbapi_connection
    rls.mark_applied(connection, None)
    if not getattr(dbapi_connection, "autocommit", False):
        return  # the driver begins by itself; rls sets the scope in its own statement
    if connection.get_execution_options().get("isolation_level") == "AUTOCOMMIT":
        return  # the caller asked for no transaction (CREATE DATABASE, VACUUM)
    values = rls.scope_values()
    with dbapi_connection.cursor() as cursor:
        cursor.execute(opening(values))
    rls.mark_applied(connection, values)


def configure(engine: Engine, idle_ping_seconds: float) -> None:
    """Install the checkout and begin behaviour above on a PostgreSQL engine."""
    if engine.dialect.name != "postgresql" or event.contains(engine, "begin", _on_begin):
        return
    event.listen(engine, "connect", _on_connect)
    event.listen(engine, "checkin", _on_checkin)
    event.listen(engine, "checkout", _on_checkout(idle_ping_seconds))
    event.listen(engine, "begin", _on_begin)
