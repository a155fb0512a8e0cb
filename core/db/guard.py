"""The ORM half of tenant isolation: filter every read, stamp and check every write.

A statement that touches a school-owned model runs only inside a scope from
``core.tenancy``. With none open it raises instead of returning every school's rows.
"""

from __future__ import annotations

from sqlalchemy import event, false
from sqlalchemy.orm import ORMExecuteState, Session, with_loader_criteria

from core.db.base import TenantScoped, is_tenant_scoped, uuid7
from core.tenancy import (
    CrossTenantWrite,
    NoTenantInContext,
    ReadOnlyScope,
    current_district_scope,
    current_identity_lookup,
    current_tenant,
)


def _scoped_mappers(state: ORMExecuteState) -> list:
    return [m for m in state.all_mappers if is_tenant_scoped(m.class_)]


def _identity_options(mappers: list, lookup) -> list:
    """Each model says what a person may read of it before a school is chosen (often nothing)."""
    options = []
    for mapper in mappers:
        criteria = getattr(mapper.class_, "identity_criteria", None)
        clause = criteria(lookup) if criteria else None
        options.append(
            with_loader_criteria(
                mapper.class_, clause if clause is not None else false(), include_aliases=True
            )
        )
    return options


def _guard_execute(state: ORMExecuteState) -> None:
    if not (state.is_select or state.is_update or state.is_delete):
        return
    # Criteria set on the parent statement already propagate into these loads.
    if state.is_column_load or state.is_relationship_load:
        return
    mappers = _scoped_mappers(state)
    if not mappers:
        return
    tenant = current_tenant()
    if tenant is not None:
        tenant_id = tenant.id
        state.statement = state.statement.options(
            with_loader_criteria(
                TenantScoped, lambda cls: cls.tenant_id == tenant_id, include_aliases=True
            )
        )
        return
    district = current_district_scope()
    if district is not None:
        if not state.is_select:
            raise ReadOnlyScope("a district scope reads schools' data; it never changes it")
        tenant_ids = district.tenant_ids
        state.statement = state.statement.options(
            with_loader_criteria(
                TenantScoped, lambda cls: cls.tenant_id.in_(tenant_ids), include_aliases=True
            )
        )
        return
    lookup = current_identity_lookup()
    if lookup is not None and state.is_select:
        state.statement = state.statement.options(*_identity_options(mappers, lookup))
        return
    names = ", ".join(sorted(m.class_.__name__ for m in mappers))
    raise NoTenantInContext(f"query on school data ({names}) with no school in context")


def _guard_flush(session: Session, flush_context, instances) -> None:
    writes = [o for o in (*session.new, *session.dirty, *session.deleted) if is_tenant_scoped(o)]
    if not writes:
        return
    tenant = current_tenant()
    if tenant is None:
        if current_district_scope() is not None or current_identity_lookup() is not None:
            raise ReadOnlyScope("school data can only be changed with that school in context")
        raise NoTenantInContext("write to school data with no school in context")
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


def install(session_class: type[Session] | Session = Session) -> None:
    """Attach the guard to every ORM session (idempotent)."""
    if not event.contains(session_class, "do_orm_execute", _guard_execute):
        event.listen(session_class, "do_orm_execute", _guard_execute)
        event.listen(session_class, "before_flush", _guard_flush)
