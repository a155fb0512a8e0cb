"""Which modules a school has switched on, with their validated settings.

Enabling a module enables what it depends on; disabling one that others need is refused
with their names unless the caller asks to cascade. A disabled module's rows are kept.
Nothing here runs DDL: tables come from ``houqin db upgrade``.
"""

from __future__ import annotations

from copy import deepcopy
from functools import cache
from typing import Any

from flask_babel import gettext as _
from marshmallow import RAISE, ValidationError
from sqlalchemy import select

from core.cache import app_cache, invalidate
from core.extensions import db
from core.rules import RuleBroken, flatten_messages
from core.schools.models import TenantModule
from core.state import kernel
from core.tenancy import DistrictScope, TenantRef, district_scope, require_tenant


class ModuleError(RuleBroken):
    """A module change that cannot be made; ``field`` names what the caller got wrong."""

    def __init__(self, message: str, field: str = "module", status: int = 400) -> None:
        super().__init__(message, field, status)


def _title(module: str) -> str:
    """A module as people name it (its manifest's title), its code when it is not loaded."""
    manifest = kernel().plugins.manifests.get(module)
    return str(manifest.title) if manifest is not None else module


class ModuleInUse(ModuleError):
    def __init__(self, module: str, dependents: list[str]) -> None:
        super().__init__(
            _("%(module)s is needed by %(dependents)s; switch those off first",
              module=_title(module), dependents="、".join(_title(d) for d in dependents)),
            status=409,
        )
        self.dependents = dependents


def enabled_modules() -> set[str]:
    """Names of the loaded modules that the school in context has switched on."""
    tenant = require_tenant()
    loaded = frozenset(kernel().plugins.names)

    def load() -> frozenset[str]:
        rows = db.session.scalars(
            select(TenantModule.module).where(TenantModule.enabled.is_(True)))
        return frozenset(name for name in rows if name in loaded)

    return set(app_cache("enabled_modules").get(tenant.id, load))


def stored_settings(module: str) -> dict[str, Any]:
    """The settings the school in context saved for ``module`` (empty when none), a fresh
    copy each call. Every module's are read together and kept like the enabled modules: a
    page's navigation and its services ask for several modules' settings on every request."""
    tenant = require_tenant()

    def load() -> dict[str, Any]:
        rows = db.session.execute(select(TenantModule.module, TenantModule.settings))
        return {name: deepcopy(settings or {}) for name, settings in rows}

    return deepcopy(app_cache("module_settings").get(tenant.id, load).get(module, {}))


def _changed() -> None:
    tenant_id = require_tenant().id
    invalidate("enabled_modules", tenant_id)
    invalidate("module_settings", tenant_id)


def module_states() -> list[dict[str, Any]]:
    """Every loaded module with whether it is on here, suits this school, and its settings."""
    tenant = require_tenant()
    host = kernel().plugins
    rows = {r.module: r for r in db.session.scalars(select(TenantModule))}
    states = []
    for name, manifest in host.manifests.items():
        row = rows.get(name)
        states.append({
            "name": name,
            "title": str(manifest.title),
            "version": manifest.version,
            "enabled": bool(row and row.enabled),
            "suitable": manifest.suits(tenant.type),
            "depends": list(manifest.depends),
            "settings": dict(row.settings) if row else {},
        })
    return states


def validate_settings(module: str, settings: dict[str, Any] | None) -> dict[str, Any]:
    """Validate with the plugin's own schema; unknown keys and bad values name the key."""
    schema_cls = settings_schema(module)
    settings = settings or {}
    if schema_cls is None:
        if settings:
            raise ModuleError(_("%(module)s has no settings", module=_title(module)),
                              field="settings")
        return {}
    try:
        return schema_cls(unknown=RAISE).load(settings)
    except ValidationError as exc:
        raise SettingsInvalid(module, exc.normalized_messages()) from exc


class SettingsInvalid(ModuleError):
    def __init__(self, module: str, messages: dict[str, Any]) -> None:
        # Each setting by its label (the schema's metadata), as the settings form shows it.
        labels = setting_labels(module)
        detail = "; ".join(f"{labels.get(key, key)}: {' '.join(flatten_messages(msg))}"
                           for key, msg in messages.items())
        super().__init__(_("the settings of %(module)s are not valid: %(detail)s",
                           module=_title(module), detail=detail), field="settings", status=422)
        self.messages = messages


def setting_labels(module: str) -> dict[str, str]:
    """Each setting's label for people (``metadata={"label": ...}``), by key."""
    schema_cls = settings_schema(module)
    if schema_cls is None:
        return {}
    return {name: str(field.metadata.get("label", name))
            for name, field in schema_cls().load_fields.items()}


def settings_schema(module: str) -> type | None:
    """The marshmallow schema the module validates its settings with, if it has settings."""
    results = kernel().plugins.hooks_of(module).houqin_settings_schema()
    return results[0] if results else None


def setting_defaults(module: str) -> dict[str, Any]:
    """What the module's settings schema fills in for a setting nobody gave (a fresh copy, so
    callers may change it): how a setting added after a school saved its own reads."""
    schema_cls = settings_schema(module)
    return deepcopy(_defaults_of(schema_cls)) if schema_cls is not None else {}


@cache
def _defaults_of(schema_cls: type) -> dict[str, Any]:
    # Once per schema and process: settings are read on most requests.
    try:
        return schema_cls().load({})
    except ValidationError:  # a setting without a default must be given; none to fill in
        return {}


def _manifest(module: str):
    manifest = kernel().plugins.manifests.get(module)
    if manifest is None:
        installed = ", ".join(kernel().plugins.names)
        if not installed:  # said in words, not an English "none" inside a Chinese sentence
            raise ModuleError(_("no module named %(module)s is installed, nor any other",
                                module=module), status=404)
        raise ModuleError(_("no module named %(module)s is installed (installed: %(installed)s)",
                            module=module, installed=installed), status=404)
    return manifest


def _row(module: str) -> TenantModule | None:
    return db.session.scalar(select(TenantModule).where(TenantModule.module == module))


def enable(module: str, settings: dict[str, Any] | None = None) -> list[str]:
    """Switch ``module`` on for the school in context, with its dependencies first.

    Returns the modules that were switched on by this call (empty when all were already on).
    """
    tenant = require_tenant()
    manifest = _manifest(module)
    chain = [*kernel().plugins.requirements(module), module]
    for name in chain:
        if not _manifest(name).suits(tenant.type):
            if name == module:
                raise ModuleError(_("%(module)s is not offered to this kind of school",
                                    module=_title(name)))
            raise ModuleError(_("%(module)s (needed by %(needing)s) is not offered to this kind"
                                " of school", module=_title(name), needing=_title(manifest.name)))
    switched = []
    _changed()
    for name in chain:
        row = _row(name)
        wanted = settings if name == module and settings is not None else None
        if row is not None and row.enabled:
            if wanted is not None:
                row.settings = validate_settings(name, wanted)
            continue
        clean = validate_settings(name, wanted if wanted is not None else (row.settings if row else {}))
        if row is None:
            db.session.add(TenantModule(module=name, enabled=True, settings=clean))
        else:
            row.enabled, row.settings = True, clean
        switched.append(name)
    db.session.flush()
    for name in switched:
        kernel().plugins.hooks_of(name).houqin_on_enable(
            tenant=tenant, settings=_row(name).settings
        )
    return switched


def disable(module: str, cascade: bool = False) -> list[str]:
    """Switch ``module`` off; refuses while enabled modules need it, unless ``cascade``."""
    tenant = require_tenant()
    _manifest(module)
    on = enabled_modules()
    needing = sorted(kernel().plugins.dependents(module) & on)
    if needing and not cascade:
        raise ModuleInUse(module, needing)
    switched = []
    _changed()
    for name in [*needing, module]:
        row = _row(name)
        if row is not None and row.enabled:
            row.enabled = False
            switched.append(name)
    db.session.flush()
    for name in switched:
        kernel().plugins.hooks_of(name).houqin_on_disable(tenant=tenant)
    return switched


def update_settings(module: str, settings: dict[str, Any]) -> dict[str, Any]:
    require_tenant()
    _manifest(module)
    row = _row(module)
    if row is None or not row.enabled:
        raise ModuleError(_("%(module)s is not enabled for this school", module=_title(module)),
                          status=409)
    _changed()
    row.settings = validate_settings(module, settings)
    db.session.flush()
    return row.settings


def district_overview(district_id: int, purpose: str) -> list[tuple[TenantRef, list[str]]]:
    """Each school of the district with the modules it has on, read through the district scope.

    The read is recorded in every school read, so each school sees who looked from above.
    """
    from core import audit
    from core.schools.registry import district_tenants

    schools = district_tenants(district_id)
    with district_scope(DistrictScope(district_id, tuple(t.id for t in schools), purpose)):
        enabled = db.session.execute(
            select(TenantModule.tenant_id, TenantModule.module).where(TenantModule.enabled.is_(True))
        ).all()
    audit.record_district_read(schools, purpose, entity="tenant_modules")
    by_school: dict[int, list[str]] = {}
    for tenant_id, module in enabled:
        by_school.setdefault(tenant_id, []).append(module)
    return [(school, sorted(by_school.get(school.id, []))) for school in schools]
