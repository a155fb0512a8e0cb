"""The ORM half of tenant isolation: filter every read, stamp and check every write.

A statement that touches a school-owned table anywhere (its columns, FROM, a subquery, a
UNION) runs only inside a scope from ``core.tenancy``; with none open it raises instead of
returning every school's rows. Inside a scope, the school's criteria are added to every
ORM statement, and statements written against the bare ``Table`` (which ORM criteria cannot
reach) are refused. The identity map is kept to the school in context, so ``Session.get``
cannot hand back another school's row without asking the database.
"""

from __future__ import annotations

from sqlalchemy import event, false
from sqlalchemy.orm import ORMExecuteState, Session, with_loader_criteria
from sqlalchemy.sql import visitors

from core.db.base import TenantScoped, is_tenant_scoped, uuid7
from core.tenancy import (
    CrossTenantWrite,
    NoTenantInContext,
    ReadOnlyScope,
    current_district_scope,
    current_identity_lookup,
    current_tenant,
)


def _tenant_tables(statement) -> frozenset[str]:
    """Every school table the statement names, wherever it names it."""
    # Statements of one shape (the same SQLAlchemy cache key, which SQLAlchemy computes once
    # per statement and reuses to compile it) name the same tables: walk each shape once.
    key = statement._generate_cache_key() if hasattr(statement, "_generate_cache_key") \
        else None
    if key is not None and (known := _TABLES_BY_SHAPE.get(key.key)) is not None:
        return known
    found = frozenset(
        element.name
        for element in visitors.iterate(statement)
        if getattr(element, "__visit_name__", None) == "table" and "tenant_id" in element.c
    )
    if key is not None:
        if len(_TABLES_BY_SHAPE) >= 5_000:
            _TABLES_BY_SHAPE.clear()
        _TABLES_BY_SHAPE[key.key] = found
    return found


_TABLES_BY_SHAPE: dict[tuple, frozenset[str]] = {}


def _is_orm(statement) -> bool:
    return statement._propagate_attrs.get("compile_state_plugin") == "orm"


def _identity_options(tables: set[str]) -> list:
    """Before a school is chosen, a person may read what a model allows (often nothing)."""
    options = []
    for mapper in _tenant_mappers():
        if mapper.local_table.name not in tables:
            continue
        criteria = getattr(mapper.class_, "identity_criteria", None)
        clause = criteria(current_identity_lookup()) if criteria else None
        options.append(with_loader_criteria(
            mapper.class_, clause if clause is not None else false(), include_aliases=True
        ))
    return options


def _tenant_mappers():
    from core.extensions import db

    return [m for m in db.Model.registry.mappers if is_tenant_scoped(m.class_)]


def _school_criteria(tenant_id: int):
    """The option that keeps a statement to one school. It holds nothing but the school's id,
    so each worker builds it once per school rather than for every statement."""
    option = _CRITERIA_BY_SCHOOL.get(tenant_id)
    if option is None:
        option = with_loader_criteria(
            TenantScoped, lambda cls: cls.tenant_id == tenant_id, include_aliases=True
        )
        if len(_CRITERIA_BY_SCHOOL) >= 5_000:
            _CRITERIA_BY_SCHOOL.clear()
        _CRITERIA_BY_SCHOOL[tenant_id] = option
    return option


_CRITERIA_BY_SCHOOL: dict[int, object] = {}


def _check_bulk_rows(state: ORMExecuteState, tenant_id: int) -> None:
    """ORM bulk INSERT / UPDATE-by-primary-key: every row must belong to the school."""
    rows = state.parameters
    rows = rows if isinstance(rows, list) else [rows] if rows else []
    for row in rows:
        if state.is_insert and "tenant_id" not in row:
            raise CrossTenantWrite("a bulk insert on school data must give tenant_id per row")
        if "tenant_id" in row and row["tenant_id"] != tenant_id:
            raise CrossTenantWrite(
                f"a row for school {row['tenant_id']} was written with school {tenant_id} in context"
            )
    if state.is_insert and not rows and state.statement._values is not None:
        values = {getattr(k, "key", k): v for k, v in state.statement._values.items()}
        given = getattr(values.get("tenant_id"), "value", None)
        if given != tenant_id:
            raise CrossTenantWrite("an insert on school data must name the school in context")


def _district_read_events(state: ORMExecuteState, tables: frozenset[str],
                          tenant_ids: tuple[int, ...]) -> bool:
    """The one write a district scope makes: its read recorded in the schools it read
    (``core.audit.record_district_read``), an audit event of that action per school."""
    rows = state.parameters if isinstance(state.parameters, list) else []
    return (state.is_insert and tables == {"audit_events"} and bool(rows)
            and all(row.get("action") == "district_read" and row.get("tenant_id") in tenant_ids
                    for row in rows))


def _guard_execute(state: ORMExecuteState) -> None:
    from core.db.rls import ensure_scope

    ensure_scope(state.session)
    statement = state.statement
    tables = _tenant_tables(statement)
    if not tables:
        return
    if not _is_orm(statement):
        raise CrossTenantWrite(
            f"statements on school tables ({', '.join(sorted(tables))}) must use the ORM"
            " models, which carry the school's criteria; not the bare Table or a Core"
            " construct such as exists() (write select(Model).where(...).exists())"
        )
    # Criteria set on the parent statement already propagate into these loads.
    if state.is_column_load or state.is_relationship_load:
        return
    tenant = current_tenant()
    if tenant is not None:
        tenant_id = tenant.id
        if state.is_insert or (state.is_update and state.parameters):
            _check_bulk_rows(state, tenant_id)
        if not state.is_insert:
            state.statement = statement.options(_school_criteria(tenant_id))
        return
    district = current_district_scope()
    if district is not None:
        if not state.is_select:
            if _district_read_events(state, tables, district.tenant_ids):
                return
            raise ReadOnlyScope("a district scope reads schools' data; it never changes it")
        tenant_ids = district.tenant_ids
        state.statement = statement.options(with_loader_criteria(
            TenantScoped, lambda cls: cls.tenant_id.in_(tenant_ids), include_aliases=True
        ))
        return
    if current_identity_lookup() is not None and state.is_select:
        state.statement = statement.options(*_identity_options(tables))
        return
    raise NoTenantInContext(
        f"query on school data ({', '.join(sorted(tables))}) with no school in context"
    )


def _guard_flush(session: Session, flush_context, instances) -> None:
    from core.db.rls import ensure_scope

    writes = [o for o in (*session.new, *session.dirty, *session.deleted) if is_tenant_scoped(o)]
    if not writes:
        return
    tenant = current_tenant()
    if tenant is None:
        if current_district_scope() is not None or current_identity_lookup() is not None:
            raise ReadOnlyScope("school data can only be changed with that school in context")
        raise NoTenantInContext("write to school data with no school in context")
    ensure_scope(session)
    for obj in writes:
        if obj in session.new:
            if obj.id is None:  # assigned now so the audit trail can name the new row
                obj.id = uuid7()
            if obj.tenant_id is None:
                obj.tenant_id = tenant.id
        if obj.tenant_id != tenant.id:
            raise CrossTenantWrite(
                f"{type(obj).__name__} belongs to school {obj.tenant_id}, not {tenant.id}"
            )


def evict_other_schools(session: Session) -> None:
    """Drop clean rows of schools outside the new scope from the identity map, so
    ``Session.get`` and attribute refreshes ask the database (and so the guard and RLS)
    again. Pending and changed rows stay: flushing them in the wrong scope fails loudly."""
    tenant = current_tenant()
    district = current_district_scope()
    allowed = {tenant.id} if tenant else set(district.tenant_ids) if district else set()
    # The identity key holds the primary key, tenant_id first: reading it loads nothing.
    outside = [obj for key, obj in session.identity_map.items()
               if is_tenant_scoped(key[0]) and key[1][0] not in allowed]
    if not outside:
        return
    changed = set(session.new) | set(session.dirty) | set(session.deleted)
    for obj in outside:
        if obj not in changed:
            session.expunge(obj)


def install(session_class: type[Session] | Session = Session) -> None:
    """Attach the guard to every ORM session (idempotent)."""
    if not event.contains(session_class, "do_orm_execute", _guard_execute):
        event.listen(session_class, "do_orm_execute", _guard_execute)
        event.listen(session_class, "before_flush", _guard_flush)
