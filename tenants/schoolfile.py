"""A school file: everything one school holds, in a zip another deployment can import.

The zip holds ``manifest.json`` (the file's format, the product's version, and each module's
version and migration heads), ``accounts.jsonl`` (the people the school's rows name),
``tables/<module>/<table>.jsonl`` (every row of every school table of core and of each module
the school has, one JSON object a line, without ``tenant_id``) and ``blobs/`` (the bytes of
binary columns, such as stored scans, one file per row and column).

Rows keep their ids, so references between them (a bill's student, a receipt's payment) hold
in the new deployment without rewriting; the import refuses a deployment that already holds
any of those ids. Accounts are global: on import they are matched by e-mail, and a matched
account keeps its own password and name. Left out on purpose: API tokens (secrets bound to the
old deployment; people make new ones), job runs and schedule ticks (the old deployment's
machinery, not the school's records), sign-in sessions (not school data at all) and the
columns a model names in ``__schoolfile_left_out__`` (a notification channel's sealed
secrets: the imported school re-enters them).
"""

from __future__ import annotations

import io
import json
import uuid
import warnings
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

from flask import current_app
from sqlalchemy import (
    JSON,
    Date,
    DateTime,
    LargeBinary,
    Numeric,
    Time,
    TypeDecorator,
    Uuid,
    insert,
    inspect,
    select,
)

import core
from core.db.base import is_tenant_scoped
from core.extensions import db
from core.identity.models import User
from core.migrate import CORE_BRANCH, branch_heads
from core.schools.models import District, Tenant, TenantModule
from core.schools.registry import host_owner
from core.state import kernel
from core.tenancy import DistrictScope, TenantRef, district_scope, require_tenant, tenant_context

FORMAT = 1
MANIFEST = "manifest.json"
ACCOUNTS = "accounts.jsonl"
# The deployment's machinery and secrets, not the school's records (see the module's doc).
LEFT_OUT = frozenset({"api_tokens", "job_runs", "schedule_ticks"})
BATCH = 1000


class SchoolFileRefused(Exception):
    """The file cannot go into this deployment; the message says why. Nothing was written."""


# --- which tables -----------------------------------------------------------------------------


def core_tables() -> dict[str, type]:
    """Core's school tables (and the school's module states), by table name."""
    found = {}
    for mapper in db.Model.registry.mappers:
        model = mapper.class_
        if (is_tenant_scoped(model) and model.__module__.startswith(("core.", "tenants."))
                and mapper.local_table.name not in LEFT_OUT):
            found[mapper.local_table.name] = model
    return dict(sorted(found.items()))


def module_tables(module: str, tenant: TenantRef) -> dict[str, type]:
    """The school tables ``module`` lists through ``houqin_export_tenant_data``."""
    found: dict[str, type] = {}
    for part in kernel().plugins.hooks_of(module).houqin_export_tenant_data(tenant=tenant):
        for name, model in (part or {}).items():
            if isinstance(model, type) and is_tenant_scoped(model):
                found[name] = model
            else:
                warnings.warn(f"module {module}: houqin_export_tenant_data should map {name!r}"
                              " to a school model; rows cannot be imported and are left out",
                              DeprecationWarning, stacklevel=2)
    return found


def school_modules() -> list[str]:
    """The loaded modules the school in context has, switched on or off (a module switched
    off keeps its data, and that data moves with the school)."""
    loaded = set(kernel().plugins.names)
    rows = db.session.scalars(select(TenantModule.module).order_by(TenantModule.module))
    return [name for name in rows if name in loaded]


def school_tables(tenant: TenantRef, modules: Iterable[str]) -> dict[str, dict[str, type]]:
    return {CORE_BRANCH: core_tables(), **{m: module_tables(m, tenant) for m in modules}}


def module_versions(modules: Iterable[str]) -> list[dict[str, Any]]:
    heads = branch_heads(current_app)
    manifests = kernel().plugins.manifests
    listed = [{"name": CORE_BRANCH, "version": core.__version__,
               "heads": heads.get(CORE_BRANCH, [])}]
    listed += [{"name": m, "version": manifests[m].version, "heads": heads.get(m, [])}
               for m in modules]
    return listed


# --- values as JSON -----------------------------------------------------------------------


def _base_type(column) -> Any:
    kind = column.type
    while isinstance(kind, TypeDecorator):
        kind = kind.impl_instance
    return kind


def _plain(value: Any) -> Any:
    if isinstance(value, uuid.UUID | Decimal):
        return str(value)
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    return value


def _reader(column):
    """Turns a JSON value back into what the column holds."""
    kind = _base_type(column)
    if isinstance(kind, JSON):
        return None
    if isinstance(kind, Uuid):
        return uuid.UUID
    if isinstance(kind, DateTime):
        return datetime.fromisoformat
    if isinstance(kind, Date):
        return date.fromisoformat
    if isinstance(kind, Time):
        return time.fromisoformat
    if isinstance(kind, Numeric) and kind.asdecimal:
        return Decimal
    return None


def _names_account(column) -> bool:
    """A column holding an account's id: a foreign key to users, or by name (the audit trail
    and notifications keep the id without a key, so that an account's rows outlive it)."""
    return column.key == "user_id" or any(fk.target_fullname == "users.id"
                                          for fk in column.foreign_keys)


@dataclass(frozen=True)
class _Columns:
    plain: list[str]   # attribute keys written to the table's lines
    binary: list[str]  # attribute keys whose bytes go to blobs/
    accounts: list[str]
    readers: dict[str, Any]

    @classmethod
    def of(cls, model: type) -> _Columns:
        plain, binary, accounts, readers = [], [], [], {}
        # Columns a model keeps out of any copy (secrets sealed with this deployment's key):
        # not written, and empty in the imported school.
        left_out = set(getattr(model, "__schoolfile_left_out__", ()))
        for attr in inspect(model).column_attrs:
            if attr.key == "tenant_id" or attr.key in left_out:
                continue
            column = attr.columns[0]
            if isinstance(_base_type(column), LargeBinary):
                binary.append(attr.key)
                continue
            plain.append(attr.key)
            if _names_account(column):
                accounts.append(attr.key)
            if reader := _reader(column):
                readers[attr.key] = reader
        return cls(plain, binary, accounts, readers)


def _table_path(module: str, name: str) -> str:
    return f"tables/{module}/{name}.jsonl"


def _blob_path(module: str, name: str, row_id: Any, key: str) -> str:
    return f"blobs/{module}/{name}/{row_id}.{key}"


# --- export -------------------------------------------------------------------------------


def export_school(target: str | Path | IO[bytes]) -> dict[str, Any]:
    """Write the school in context to ``target`` as a school file; returns its manifest.

    Rows are streamed table by table, so a large school is never held in memory at once."""
    tenant = require_tenant()
    modules = school_modules()
    tables = school_tables(tenant, modules)
    accounts: set[int] = set()
    counts: dict[str, dict[str, int]] = {}
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for module, models in tables.items():
            counts[module] = {name: _write_table(archive, module, name, model, accounts)
                              for name, model in models.items()}
        written = _write_accounts(archive, accounts)
        district = db.session.get(District, tenant.district_id)
        school = db.session.get(Tenant, tenant.id)
        manifest = {
            "format": FORMAT,
            "product": {"name": "houqin", "version": core.__version__},
            "exported_at": datetime.now(UTC).isoformat(),
            "school": {"slug": school.slug, "name": school.name, "type": school.type,
                       "timezone": school.timezone, "status": school.status,
                       "has_boarders": school.has_boarders, "domains": list(school.domains),
                       "district": district.slug},
            "modules": module_versions(modules),
            "accounts": written,
            "tables": counts,
        }
        archive.writestr(MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=2))
    return manifest


def _write_table(archive: zipfile.ZipFile, module: str, name: str, model: type,
                 accounts: set[int]) -> int:
    columns = _Columns.of(model)
    count = 0
    query = (select(*(getattr(model, key) for key in columns.plain)).order_by(model.id)
             .execution_options(yield_per=BATCH))
    with archive.open(_table_path(module, name), "w", force_zip64=True) as raw, \
            io.TextIOWrapper(raw, encoding="utf-8", newline="\n") as lines:
        for row in db.session.execute(query):
            record = dict(zip(columns.plain, row, strict=True))
            accounts.update(record[key] for key in columns.accounts if record[key] is not None)
            lines.write(json.dumps({k: _plain(v) for k, v in record.items()},
                                   ensure_ascii=False) + "\n")
            count += 1
    # A second pass for the bytes: a zip takes one entry at a time.
    for key in columns.binary:
        query = (select(model.id, getattr(model, key)).where(getattr(model, key).is_not(None))
                 .order_by(model.id).execution_options(yield_per=100))
        for row_id, content in db.session.execute(query):
            archive.writestr(_blob_path(module, name, row_id, key), bytes(content))
    return count


def _write_accounts(archive: zipfile.ZipFile, ids: set[int]) -> int:
    written = 0
    ordered = sorted(ids)
    with archive.open(ACCOUNTS, "w", force_zip64=True) as raw, \
            io.TextIOWrapper(raw, encoding="utf-8", newline="\n") as lines:
        for start in range(0, len(ordered), BATCH):
            chunk = ordered[start:start + BATCH]
            for user in db.session.scalars(select(User).where(User.id.in_(chunk))
                                           .order_by(User.id)):
                lines.write(json.dumps({
                    "id": user.id, "email": user.email, "phone": user.phone, "name": user.name,
                    "password_hash": user.password_hash, "is_active": user.is_active,
                    "locale": user.locale, "created_at": user.created_at.isoformat(),
                }, ensure_ascii=False) + "\n")
                written += 1
    return written


# --- import -------------------------------------------------------------------------------


@dataclass
class ImportReport:
    tenant: TenantRef
    rows: dict[str, int] = field(default_factory=dict)
    accounts_new: list[str] = field(default_factory=list)
    accounts_matched: list[str] = field(default_factory=list)


def read_manifest(archive: zipfile.ZipFile) -> dict[str, Any]:
    try:
        manifest = json.loads(archive.read(MANIFEST))
    except (KeyError, ValueError) as exc:
        raise SchoolFileRefused(f"not a school file: no readable {MANIFEST}") from exc
    if manifest.get("format") != FORMAT:
        raise SchoolFileRefused(f"school file format {manifest.get('format')!r}; this deployment"
                                f" reads format {FORMAT}")
    return manifest


def check_modules(manifest: dict[str, Any]) -> None:
    """Refuse a file whose modules, versions or migration heads differ from this deployment's:
    rows of another schema version would not mean the same here."""
    loaded = set(kernel().plugins.names)
    problems = []
    for module in manifest["modules"]:
        name = module["name"]
        if name != CORE_BRANCH and name not in loaded:
            problems.append(f"module {name} {module['version']} is not installed here")
    if problems:
        raise SchoolFileRefused("; ".join(problems))
    here = {m["name"]: m for m in module_versions(
        [m["name"] for m in manifest["modules"] if m["name"] != CORE_BRANCH])}
    for module in manifest["modules"]:
        mine = here[module["name"]]
        if module["version"] != mine["version"]:
            problems.append(f"{module['name']} is version {module['version']} in the file,"
                            f" {mine['version']} here")
        elif sorted(module["heads"]) != sorted(mine["heads"]):
            problems.append(f"{module['name']}'s migrations are at {module['heads']} in the file,"
                            f" {mine['heads']} here (upgrade the older deployment first)")
    if problems:
        raise SchoolFileRefused("; ".join(problems))


def import_school(source: str | Path | IO[bytes], slug: str | None = None,
                  district: str | None = None) -> ImportReport:
    """Create the school of a school file in this deployment, in one transaction.

    ``slug`` and ``district`` (a district's slug) default to the file's. Raises
    ``SchoolFileRefused`` (with nothing written) when the file does not fit this deployment.
    """
    with zipfile.ZipFile(source) as archive:
        manifest = read_manifest(archive)
        check_modules(manifest)
        try:
            report = _import(archive, manifest, slug, district)
        except BaseException:
            db.session.rollback()
            raise
        db.session.commit()
        return report


def _import(archive: zipfile.ZipFile, manifest: dict[str, Any], slug: str | None,
            district_slug: str | None) -> ImportReport:
    school = manifest["school"]
    slug = slug or school["slug"]
    district_slug = district_slug or school["district"]
    district = db.session.scalar(select(District).where(District.slug == district_slug))
    if district is None:
        raise SchoolFileRefused(f"no district {district_slug!r} here (create it with"
                                " `houqin tenants apply` and a manifest naming it, or name"
                                " another with --district)")
    if db.session.scalar(select(Tenant.id).where(Tenant.slug == slug)) is not None:
        raise SchoolFileRefused(f"a school {slug!r} exists here already (choose --slug)")
    for host in school["domains"] or ():
        if (owner := host_owner(host)) is not None:
            raise SchoolFileRefused(f"the host {host!r} belongs to the school {owner!r} here")
    names = set(archive.namelist())
    modules = [m["name"] for m in manifest["modules"] if m["name"] != CORE_BRANCH]
    row = Tenant(slug=slug, district_id=district.id, name=school["name"], type=school["type"],
                 timezone=school["timezone"], status=school["status"],
                 has_boarders=school["has_boarders"], domains=school["domains"])
    db.session.add(row)
    db.session.flush()
    tenant = row.ref()
    with tenant_context(tenant):
        tables = school_tables(tenant, modules)
    order = _insert_order(manifest, tables)
    _refuse_known_ids(archive, order)
    report = ImportReport(tenant)
    accounts = _accounts(archive, report)
    with tenant_context(tenant):
        for module, name, model in order:
            path = _table_path(module, name)
            report.rows[f"{module}.{name}"] = (
                _insert_rows(archive, names, module, name, model, tenant.id, accounts)
                if path in names else 0)
    return report


def _insert_order(manifest: dict[str, Any], tables: dict[str, dict[str, type]]
                  ) -> list[tuple[str, str, type]]:
    """Every table of the file with its model here, parents before the rows that name them."""
    position = {table.name: n for n, table in enumerate(db.metadata.sorted_tables)}
    found = []
    for module, counts in manifest["tables"].items():
        for name in counts:
            model = tables.get(module, {}).get(name)
            if model is None:
                raise SchoolFileRefused(f"{module} keeps no table {name!r} here")
            found.append((module, name, model))
    return sorted(found, key=lambda entry: position[entry[2].__table__.name])


def _lines(archive: zipfile.ZipFile, path: str) -> Iterator[dict[str, Any]]:
    with archive.open(path) as raw, io.TextIOWrapper(raw, encoding="utf-8") as lines:
        for line in lines:
            if line.strip():
                yield json.loads(line)


def file_rows(source: str | Path | IO[bytes], module: str, name: str) -> list[dict[str, Any]]:
    """The rows of one table of a school file, as written (ids and dates as text)."""
    with zipfile.ZipFile(source) as archive:
        path = _table_path(module, name)
        return list(_lines(archive, path)) if path in archive.namelist() else []


def _refuse_known_ids(archive: zipfile.ZipFile, order: list[tuple[str, str, type]]) -> None:
    """Ids are kept, so none may exist here already, in any school. Read through a read-only
    scope over every school, which row-level security lets through on PostgreSQL."""
    everyone = tuple(db.session.scalars(select(Tenant.id)))
    with district_scope(DistrictScope(district_id=0, tenant_ids=everyone,
                                      purpose="school file import: ids in use")):
        for module, name, model in order:
            path = _table_path(module, name)
            if path not in archive.namelist():
                continue
            batch: list[uuid.UUID] = []
            for record in _lines(archive, path):
                batch.append(uuid.UUID(record["id"]))
                if len(batch) == BATCH:
                    _refuse_batch(model, module, name, batch)
                    batch = []
            if batch:
                _refuse_batch(model, module, name, batch)


def _refuse_batch(model: type, module: str, name: str, ids: list[uuid.UUID]) -> None:
    taken = db.session.scalar(select(model.id).where(model.id.in_(ids)).limit(1))
    if taken is not None:
        raise SchoolFileRefused(f"this deployment holds {module} {name} row {taken} already"
                                " (was the school imported here before?)")


def _accounts(archive: zipfile.ZipFile, report: ImportReport) -> dict[int, int]:
    """The file's account ids mapped to this deployment's: matched by e-mail, else by mobile
    number (an existing account keeps its own password and name), or created as they were.
    Files written before accounts had numbers have no "phone"."""
    from core.identity.services import user_by_email, user_by_phone

    mapped: dict[int, int] = {}
    if ACCOUNTS not in archive.namelist():
        return mapped
    for record in _lines(archive, ACCOUNTS):
        phone = record.get("phone")
        user = ((user_by_email(record["email"]) if record.get("email") else None)
                or (user_by_phone(phone) if phone else None))
        if user is None:
            user = User(email=record.get("email"), phone=phone, name=record["name"],
                        password_hash=record["password_hash"], is_active=record["is_active"],
                        locale=record["locale"],
                        created_at=datetime.fromisoformat(record["created_at"]))
            db.session.add(user)
            db.session.flush()
            report.accounts_new.append(user.login)
        else:
            report.accounts_matched.append(user.login)
        mapped[record["id"]] = user.id
    return mapped


def _insert_rows(archive: zipfile.ZipFile, names: set[str], module: str, name: str,
                 model: type, tenant_id: int, accounts: dict[int, int]) -> int:
    columns = _Columns.of(model)
    count = 0
    batch: list[dict[str, Any]] = []
    for record in _lines(archive, _table_path(module, name)):
        row: dict[str, Any] = {"tenant_id": tenant_id}
        for key in columns.plain:
            value = record.get(key)
            if value is not None and key in columns.readers:
                value = columns.readers[key](value)
            if key in columns.accounts and value is not None:
                value = accounts.get(value)
            row[key] = value
        for key in columns.binary:
            path = _blob_path(module, name, record["id"], key)
            row[key] = archive.read(path) if path in names else None
        batch.append(row)
        if len(batch) == BATCH:
            _insert(model, batch)
            count += len(batch)
            batch = []
    if batch:
        _insert(model, batch)
        count += len(batch)
    return count


def _insert(model: type, rows: list[dict[str, Any]]) -> None:
    if inspect(model).version_id_col is None:
        db.session.execute(insert(model), rows)
        return
    # A bulk insert would start a versioned row's counter at 1 again; a row keeps its version
    # (the next edit expects it). In slices, for the database's limit on a statement's values.
    step = max(1, 20000 // len(rows[0]))
    for start in range(0, len(rows), step):
        db.session.execute(insert(model).values(rows[start:start + step]))


__all__ = ["ImportReport", "SchoolFileRefused", "export_school", "file_rows", "import_school"]
