"""The PostgreSQL half of tenant isolation: row-level security on every school table.

The application connects as a role that owns nothing and cannot bypass RLS. At the start of
every transaction it writes the scope from ``core.tenancy`` into transaction-local settings
(``set_config(..., true)``); the policies compare each row's ``tenant_id`` with them. A
setting that is missing matches no row, so a forgotten scope fails closed.
"""

from __future__ import annotations

from collections.abc import Iterable

from flask import has_app_context
from sqlalchemy import event, inspect, text
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from core.tenancy import current_district_scope, current_identity_lookup, current_tenant

TENANT_SETTING = "houqin.tenant_id"
DISTRICT_SETTING = "houqin.district_tenant_ids"
USER_SETTING = "houqin.user_id"
TOKEN_SETTING = "houqin.token_public_id"

_SET_SCOPE = (
    "SELECT set_config('houqin.tenant_id', %s, true),"
    " set_config('houqin.district_tenant_ids', %s, true),"
    " set_config('houqin.user_id', %s, true),"
    " set_config('houqin.token_public_id', %s, true)"
)

_CURRENT_TENANT = "nullif(current_setting('houqin.tenant_id', true), '')::bigint"
DISTRICT_TENANTS = (
    "string_to_array(nullif(current_setting('houqin.district_tenant_ids', true), ''), ',')"
    "::bigint[]"
)
CURRENT_USER_ID = "nullif(current_setting('houqin.user_id', true), '')::bigint"
CURRENT_TOKEN_PUBLIC_ID = "nullif(current_setting('houqin.token_public_id', true), '')"

# The scheduler's cross-school scope (core.jobs.scope): honoured ONLY by the policies that
# job_runs, schedule_ticks (read and write) and tenant_modules (read) declare; every other
# table's policies never look at it, so it opens nothing else.
JOBS_ALL_SCHOOLS_SETTING = "houqin.jobs_all_schools"
JOBS_ALL_SCHOOLS = "current_setting('houqin.jobs_all_schools', true) = 'on'"


def scope_values() -> tuple[str, str, str, str]:
    """The settings' values for the scope in context: school, district's schools, user, token."""
    tenant = current_tenant()
    district = current_district_scope()
    lookup = current_identity_lookup()
    return (
        str(tenant.id) if tenant else "",
        ",".join(str(t) for t in district.tenant_ids) if district else "",
        str(lookup.user_id) if lookup and lookup.user_id else "",
        lookup.token_public_id if lookup and lookup.token_public_id else "",
    )


_APPLIED = "houqin_scope"


def apply_scope(connection: Connection) -> None:
    if connection.dialect.name == "postgresql":
        values = scope_values()
        connection.exec_driver_sql(_SET_SCOPE, values)
        connection.info[_APPLIED] = values


_SENT_WITH_BEGIN = "houqin_scope_sent_with_begin"


def mark_applied(connection: Connection, values: tuple[str, str, str, str] | None) -> None:
    """The transaction just begun already carries ``values`` (``core.db.checkout`` sends them
    with its BEGIN), so the session's ``after_begin`` need not write them again; None: it
    does not."""
    if values is None:
        connection.info.pop(_SENT_WITH_BEGIN, None)
        return
    connection.info[_APPLIED] = values
    connection.info[_SENT_WITH_BEGIN] = True


def _after_begin(session: Session, transaction, connection: Connection) -> None:
    if connection.info.pop(_SENT_WITH_BEGIN, False):
        return
    apply_scope(connection)


_STALE = "houqin_scope_stale"


def ensure_scope(session: Session) -> None:
    """Before a statement or a flush: make the transaction's settings match the scope in
    context, if the scope changed since they were written (or a savepoint rolled them back)."""
    if not session.in_transaction():
        return  # the next transaction starts with them (after_begin)
    connection = session.connection()
    if connection.dialect.name != "postgresql":
        return
    stale = session.info.pop(_STALE, False)
    if stale or connection.info.get(_APPLIED) != scope_values():
        apply_scope(connection)


def _after_soft_rollback(session: Session, previous_transaction) -> None:
    # Rolling back to a savepoint also rolls back set_config calls made after it; the next
    # statement writes them again (the connection cannot be used while the savepoint closes).
    if previous_transaction.nested:
        session.info[_STALE] = True


def install(session_class: type[Session] | Session = Session) -> None:
    if not event.contains(session_class, "after_begin", _after_begin):
        event.listen(session_class, "after_begin", _after_begin)
        event.listen(session_class, "after_soft_rollback", _after_soft_rollback)


def scope_changed() -> None:
    """The scope in context changed: keep the identity map to it. The database settings follow
    lazily, at the next statement or flush (``ensure_scope``)."""
    if not has_app_context():
        return
    from core.db.guard import evict_other_schools
    from core.extensions import db

    evict_other_schools(db.session())


# --- policies (run by ``houqin db upgrade`` as the owner) -----------------------------------


def tenant_tables(connection: Connection) -> list[str]:
    inspector = inspect(connection)
    return sorted(
        name
        for name in inspector.get_table_names()
        if any(col["name"] == "tenant_id" for col in inspector.get_columns(name))
    )


def _quote(connection: Connection, name: str) -> str:
    return connection.dialect.identifier_preparer.quote(name)


def sync_policies(
    connection: Connection, extra_policies: dict[str, Iterable[tuple[str, str, str]]]
) -> list[str]:
    """Enable and force RLS with the tenant and district policies on every school table.

    ``extra_policies`` maps a table to (name, command, expression) triples that a model
    declares for reads before a school is chosen (an INSERT's expression checks the new
    rows). Returns the tables it covered.
    """
    tables = tenant_tables(connection)
    for table in tables:
        q = _quote(connection, table)
        connection.exec_driver_sql(f"ALTER TABLE {q} ENABLE ROW LEVEL SECURITY")
        connection.exec_driver_sql(f"ALTER TABLE {q} FORCE ROW LEVEL SECURITY")
        existing = {
            row[0]
            for row in connection.execute(
                text("SELECT policyname FROM pg_policies WHERE tablename = :t"), {"t": table}
            )
        }
        for name in existing:
            connection.exec_driver_sql(f"DROP POLICY {_quote(connection, name)} ON {q}")
        connection.exec_driver_sql(
            f"CREATE POLICY houqin_tenant ON {q} USING (tenant_id = {_CURRENT_TENANT})"
            f" WITH CHECK (tenant_id = {_CURRENT_TENANT})"
        )
        connection.exec_driver_sql(
            f"CREATE POLICY houqin_district_read ON {q} FOR SELECT"
            f" USING (tenant_id = ANY ({DISTRICT_TENANTS}))"
        )
        for name, command, using in extra_policies.get(table, ()):
            # An INSERT policy has only a check on the new row; the others filter with USING.
            clause = "WITH CHECK" if command == "INSERT" else "USING"
            connection.exec_driver_sql(
                f"CREATE POLICY {_quote(connection, name)} ON {q} FOR {command} {clause} ({using})"
            )
    return tables


def role_sql(app_role: str, password: str | None, database: str) -> list[str]:
    """The statements an operator runs once to create the application's role."""
    role = f'"{app_role}"'
    quoted = password.replace("'", "''") if password else None
    login = f"LOGIN PASSWORD '{quoted}'" if quoted else "LOGIN"
    return [
        f"CREATE ROLE {role} {login} NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS",
        f'GRANT CONNECT ON DATABASE "{database}" TO {role}',
    ]


def grant_sql(app_role: str, append_only: Iterable[str], never_updated: Iterable[str] = ()
              ) -> list[str]:
    role = f'"{app_role}"'
    statements = [
        f"GRANT USAGE ON SCHEMA public TO {role}",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role}",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {role}",
        f"REVOKE ALL ON TABLE alembic_version FROM {role}",
    ]
    # Append-only ledgers: the app may add and read rows, never change or remove them.
    statements += [f'REVOKE UPDATE, DELETE ON TABLE "{t}" FROM {role}' for t in append_only]
    # Rows that are written once and may be removed, but never changed (``never_updated``).
    statements += [f'REVOKE UPDATE ON TABLE "{t}" FROM {role}' for t in never_updated]
    return statements


def ensure_app_role(connection: Connection, app_role: str, password: str | None) -> bool:
    """Create the app role when missing; False when the owner may not create roles."""
    exists = connection.execute(
        text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": app_role}
    ).scalar()
    if exists:
        attrs = connection.execute(
            text("SELECT rolsuper OR rolbypassrls FROM pg_roles WHERE rolname = :r"),
            {"r": app_role},
        ).scalar()
        if attrs:
            raise RuntimeError(
                f"role {app_role!r} is a superuser or bypasses RLS; the app must use a plain role"
            )
        # The role may predate this database (another deployment on the same server).
        database = connection.execute(text("SELECT current_database()")).scalar()
        connection.exec_driver_sql(f'GRANT CONNECT ON DATABASE "{database}" TO "{app_role}"')
        return True
    can_create = connection.execute(
        text("SELECT rolsuper OR rolcreaterole FROM pg_roles WHERE rolname = current_user")
    ).scalar()
    if not can_create:
        return False
    database = connection.execute(text("SELECT current_database()")).scalar()
    for statement in role_sql(app_role, password, database):
        connection.exec_driver_sql(statement)
    return True
