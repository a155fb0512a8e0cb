"""The audit trail: who changed what in which school, when and from where.

Every flush that writes school data records one event per changed row, with the values
before and after. Events are append-only: on PostgreSQL the app role may not update or
delete them.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Index,
    Integer,
    Select,
    String,
    event,
    insert,
    inspect,
    select,
    text,
)
from sqlalchemy.orm import Mapped, Session, mapped_column

from core.db import BigId, TenantScoped, UtcDateTime, tenant_index, utcnow, uuid7
from core.db.base import is_tenant_scoped
from core.db.rls import DISTRICT_TENANTS
from core.db.sqlite import begin_writing
from core.extensions import db
from core.rules import RuleBroken
from core.tenancy import DistrictScope, TenantRef, district_scope, require_tenant


@dataclass(frozen=True)
class Actor:
    user_id: int | None
    source: str  # "api", "web", "cli", "job", "system"
    address: str | None = None
    request_id: str | None = None


SYSTEM = Actor(user_id=None, source="system")
_actor: ContextVar[Actor] = ContextVar("houqin_actor", default=SYSTEM)


def current_actor() -> Actor:
    return _actor.get()


@contextmanager
def acting_as(actor: Actor):
    token = _actor.set(actor)
    try:
        yield actor
    finally:
        _actor.reset(token)


def set_request_actor(actor: Actor):
    return _actor.set(actor)


def reset_actor(token) -> None:
    _actor.reset(token)


class _EventColumns:
    """Who did what to which record, when, from where, with the values before and after."""

    at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    user_id: Mapped[int | None] = mapped_column(BigInteger)
    source: Mapped[str] = mapped_column(String(20))
    address: Mapped[str | None] = mapped_column(String(64))
    request_id: Mapped[str | None] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(40))
    entity: Mapped[str] = mapped_column(String(80))
    entity_id: Mapped[str | None] = mapped_column(String(80))
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)


DISTRICT_READ = "district_read"


class AuditEvent(_EventColumns, TenantScoped, db.Model):
    __tablename__ = "audit_events"
    __audited__ = False
    __table_args__ = (
        tenant_index("ix_audit_events_at", "at"),
        tenant_index("ix_audit_events_entity", "entity", "entity_id"),
        # A district's read is recorded in each school it read, all at once, from inside
        # the district's scope: that scope may add this event to its schools and nothing else.
        {"info": {"append_only": True, "rls_policies": [
            ("houqin_district_read_events", "INSERT",
             f"action = '{DISTRICT_READ}' AND tenant_id = ANY ({DISTRICT_TENANTS})")]}},
    )


class DeploymentAuditEvent(_EventColumns, db.Model):
    """A change to what belongs to no one school: accounts, schools, districts and district
    roles. Operators read it with ``houqin audit deployment``."""

    __tablename__ = "deployment_audit_events"
    __table_args__ = (Index("ix_deployment_audit_events_at", "at"),
                      {"info": {"append_only": True}})

    id: Mapped[int] = mapped_column(BigId, primary_key=True)


REDACTED = "[redacted]"


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, uuid.UUID | Decimal):
        return str(value)
    return value


def _redact(obj: Any, values: dict[str, Any]) -> dict[str, Any]:
    """Secrets (a password's or a token's hash) show that they changed, never their value."""
    for key in getattr(obj, "__audit_redacted__", ()):
        if values.get(key) is not None:
            values[key] = REDACTED
    return values


def _row(obj: Any) -> dict[str, Any]:
    return _redact(obj, {attr.key: _plain(getattr(obj, attr.key))
                         for attr in inspect(obj).mapper.column_attrs})


def _changes(obj: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    before, after = {}, {}
    state = inspect(obj)
    for attr in state.mapper.column_attrs:
        history = state.attrs[attr.key].history
        if history.has_changes():
            before[attr.key] = _plain(history.deleted[0]) if history.deleted else None
            after[attr.key] = _plain(history.added[0]) if history.added else None
    return _redact(obj, before), _redact(obj, after)


def _entity_id(obj: Any) -> str | None:
    identity = inspect(obj).identity
    if identity:
        return str(identity[-1])
    return str(obj.id) if getattr(obj, "id", None) is not None else None


def record(action: str, entity: str, entity_id: str | None = None,
           before: dict | None = None, after: dict | None = None) -> AuditEvent:
    """Add an explicit event (a read by district staff, a login, an export) to the session."""
    begin_writing()  # often in a request that only read until now (SQLite: take turns)
    actor = current_actor()
    event_row = AuditEvent(
        user_id=actor.user_id, source=actor.source, address=actor.address,
        request_id=actor.request_id, action=action, entity=entity, entity_id=entity_id,
        before=before, after=after,
    )
    db.session.add(event_row)
    return event_row


def _capture(session: Session, flush_context, instances) -> None:
    actor = current_actor()
    events: list[AuditEvent | DeploymentAuditEvent] = []
    for obj in (*session.new, *session.dirty, *session.deleted):
        deployment_wide = getattr(obj, "__audit_deployment__", False)
        if not (is_tenant_scoped(obj) or deployment_wide) or not getattr(obj, "__audited__", True):
            continue
        if obj in session.new:
            action, before, after = "create", None, _row(obj)
        elif obj in session.deleted:
            action, before, after = "delete", _row(obj), None
        else:
            action = "update"
            before, after = _changes(obj)
            if not after:
                continue
        who = {"user_id": actor.user_id, "source": actor.source, "address": actor.address,
               "request_id": actor.request_id}
        if deployment_wide:
            events.append(DeploymentAuditEvent(
                **who, action=action, entity=obj.__table__.name, entity_id=_entity_id(obj),
                before=before, after=after))
            continue
        events.append(AuditEvent(
            tenant_id=obj.tenant_id, **who, action=action, entity=obj.__table__.name,
            entity_id=str(obj.id), before=before, after=after,
        ))
    session.add_all(events)


def insert_many(model: type, rows: list[dict[str, Any]], audited: bool = True
                ) -> list[dict[str, Any]]:
    """Insert many new rows of a school model at once, each with the "create" event a flush
    would have recorded for it (billing a term writes thousands of rows). Returns the rows
    as stored, in plain JSON values. ``audited=False`` leaves the events to the caller, who
    records them with ``record_many`` (a bill's event holds its lines).

    The rows are stamped here with the school in context, which is what the ORM guard checks
    of a bulk insert, and go out through the session's connection without the ORM's
    bookkeeping per row (it costs more than the insert itself): on PostgreSQL as one
    statement per call that reads them from a JSON document (``json_populate_recordset``),
    and row-level security checks every row again; elsewhere as one executemany. Columns a
    row leaves out get their defaults here, so the event shows what was stored."""
    if not rows:
        return []
    tenant_id = require_tenant().id
    columns = _columns(model)
    complete, plain = [], []
    for row in rows:
        full = dict(row)
        for key, default in columns.defaults:
            if key not in full:
                full[key] = default.arg(None) if default.is_callable else default.arg
        full["tenant_id"] = tenant_id
        for key in columns.aware:
            if full.get(key) is not None and full[key].tzinfo is None:
                raise ValueError("naive datetime refused: store timezone-aware values")
        complete.append(full)
        values = {key: full.get(key) for key in columns.keys}
        for key in columns.typed:
            values[key] = _plain(values[key])
        plain.append(values)
    _insert(model, complete, plain)
    if audited and getattr(model, "__audited__", True):
        record_many("create", model, [(row["id"], None, _redact(model, dict(row)))
                                      for row in plain])
    return plain


def values_of(model: type, row: dict[str, Any]) -> dict[str, Any]:
    """A row's values as the audit trail keeps them (plain JSON, secrets redacted)."""
    return _redact(model, {key: _plain(row.get(key)) for key in _columns(model).keys})


@dataclass(frozen=True)
class _Columns:
    keys: tuple[str, ...]  # attribute keys, which are the column names in every model
    defaults: tuple[tuple[str, Any], ...]  # (key, column default) but tenant_id
    aware: tuple[str, ...]  # UtcDateTime columns: naive values are refused
    typed: tuple[str, ...]  # columns whose values are not plain JSON (ids, times, decimals)


@cache
def _columns(model: type) -> _Columns:
    attributes = inspect(model).column_attrs
    if any(attr.key != attr.columns[0].name for attr in attributes):
        raise ValueError(f"{model.__name__}: bulk inserts need attributes named as columns")
    return _Columns(
        tuple(attr.key for attr in attributes),
        tuple((attr.key, attr.columns[0].default) for attr in attributes
              if attr.columns[0].default is not None and attr.key != "tenant_id"),
        tuple(attr.key for attr in attributes if isinstance(attr.columns[0].type, UtcDateTime)),
        tuple(attr.key for attr in attributes
              if not isinstance(attr.columns[0].type, String | Integer | Boolean | JSON)))


def record_many(action: str, model: type,
                events: list[tuple[Any, dict[str, Any] | None, dict[str, Any] | None]]) -> None:
    """Write many events about rows of ``model`` at once: (row id, before, after) each, the
    values plain JSON (``values_of``)."""
    if not events:
        return
    actor = current_actor()
    at = utcnow()
    rows = [{"tenant_id": require_tenant().id, "id": uuid7(), "at": at,
             "user_id": actor.user_id, "source": actor.source, "address": actor.address,
             "request_id": actor.request_id, "action": action,
             "entity": model.__table__.name, "entity_id": str(entity_id), "before": before,
             "after": after} for entity_id, before, after in events]
    _insert(AuditEvent, rows, [{**row, "id": str(row["id"]), "at": at.isoformat()}
                               for row in rows])


def _insert(model: type, rows: list[dict[str, Any]], plain: list[dict[str, Any]]) -> None:
    from core.db.rls import ensure_scope

    connection = db.session.connection()
    ensure_scope(db.session())
    if connection.dialect.name != "postgresql":
        connection.execute(insert(model.__table__), rows)
        return
    quote = connection.dialect.identifier_preparer.quote
    table = quote(model.__table__.name)
    names = ", ".join(quote(key) for key in _columns(model).keys)
    connection.execute(
        text(f"INSERT INTO {table} ({names}) SELECT {names} "
             f"FROM json_populate_recordset(NULL::{table}, :rows)"),
        {"rows": json.dumps(plain, ensure_ascii=False, separators=(",", ":"))})


def search(query: Mapping[str, Any], zone: str) -> Select:
    """Events matching a search (the keys of ``AuditQuerySchema``), newest first. ``start`` and
    ``end`` are whole days in the time zone ``zone``, as the school reads its own clock."""
    if "start" in query and "end" in query and query["end"] < query["start"]:
        raise RuleBroken(_("comes before from"), "to")
    statement = select(AuditEvent).order_by(AuditEvent.at.desc(), AuditEvent.id)
    for key in ("entity", "entity_id", "action", "user_id"):
        if key in query:
            statement = statement.where(getattr(AuditEvent, key) == query[key])
    tz = ZoneInfo(zone)
    if "start" in query:
        statement = statement.where(AuditEvent.at >= datetime.combine(query["start"], time(), tz))
    if "end" in query:
        after_end = datetime.combine(query["end"] + timedelta(days=1), time(), tz)
        statement = statement.where(AuditEvent.at < after_end)
    return statement


def latest_change() -> tuple[datetime, str] | None:
    """The newest event in the audit trail of the school in context, as (when, id); None for a
    school without one. Every write to school data leaves an event, so a summary worked out
    from the school's records stays true while this stays the same (``until_changed``)."""
    require_tenant()
    row = db.session.execute(
        select(AuditEvent.at, AuditEvent.id)
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).limit(1)
    ).first()
    return (row.at, str(row.id)) if row else None


UNCHANGED_MAX_AGE = 300.0


def until_changed(name: str, compute, max_age: float = UNCHANGED_MAX_AGE):
    """``compute()`` for the school in context, kept in this process until the school's audit
    trail gains an event, and at most ``max_age`` seconds: what the clock alone changes (a
    deadline passing) shows within that time, as does a write committed out of order with a
    newer one (two transactions at once). ``name`` must say everything else the value depends
    on (the day, for a daily summary). The value must be plain data, never ORM rows.

    Example: ``audit.until_changed(f"canteen.home:{day}", lambda: summary(day))``"""
    from flask import current_app

    from core.cache import TTLCache

    tenant = require_tenant()
    caches = current_app.extensions.setdefault("houqin_until_changed", {})
    cache = caches.get(max_age)
    if cache is None:
        cache = caches[max_age] = TTLCache(max_age, max_size=10_000)
    return cache.get((name, tenant.id, latest_change()), compute)


def install(session_class=Session) -> None:
    if not event.contains(session_class, "before_flush", _capture):
        event.listen(session_class, "before_flush", _capture)



def record_district_read(schools: list[TenantRef], purpose: str, entity: str) -> None:
    """One event in each school read, so every school sees who read it from the district:
    written for all the schools in one statement, inside the district's scope, whose
    read-only rule lets through this event and no other write (``core.db.guard``; on
    PostgreSQL the ``houqin_district_read_events`` policy)."""
    if not schools:
        return
    begin_writing()
    actor = current_actor()
    rows = [{"id": uuid7(), "tenant_id": school.id, "at": utcnow(), "user_id": actor.user_id,
             "source": actor.source, "address": actor.address,
             "request_id": actor.request_id, "action": DISTRICT_READ, "entity": entity,
             "entity_id": None, "before": None, "after": {"purpose": purpose}}
            for school in schools]
    scope = DistrictScope(schools[0].district_id, tuple(s.id for s in schools), purpose)
    with district_scope(scope):
        db.session.execute(insert(AuditEvent), rows)
