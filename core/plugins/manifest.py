"""What a plugin says about itself."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import Version

from core import __version__ as CORE_VERSION

ALL_TENANT_TYPES = frozenset(
    {"kindergarten", "primary", "junior_high", "senior_high", "nine_year", "twelve_year", "special"}
)


class PluginError(RuntimeError):
    """A plugin cannot be loaded as installed and configured; the message says what to do."""


@dataclass(frozen=True)
class PluginManifest:
    name: str
    version: str
    title: object
    core: str
    depends: tuple[str, ...] = ()
    tenant_types: frozenset[str] = ALL_TENANT_TYPES
    hookspecs: ModuleType | None = None
    migrations: Path | None = field(default=None, compare=False)
    # What the audit log shows for the codes this module records: its tables, its exports
    # ("<name>.<register>") and any action of its own, each a lazy translatable label.
    audit_labels: Mapping[str, object] = field(default_factory=dict, compare=False)
    # What the audit log's "Changes" column calls this module's columns ("column" for all its
    # tables, "table.column" for one) and the codes they store ({"table.column": {code:
    # label}}, or {"column": ...}); a column or code left out is shown as it is stored, a
    # column labelled None is bookkeeping the rest of the row shows, and is left out.
    audit_fields: Mapping[str, object] = field(default_factory=dict, compare=False)
    audit_values: Mapping[str, Mapping[Any, object]] = field(default_factory=dict, compare=False)

    def check(self, distribution: str | None = None) -> None:
        """Refuse a manifest that cannot load here; ``distribution`` is the installed
        distribution the plugin came from, named in the fix for an unsupported core."""
        if not self.name.isidentifier() or self.name != self.name.lower():
            raise PluginError(f"plugin name {self.name!r} must be a lowercase identifier")
        try:
            supported = SpecifierSet(self.core)
        except InvalidSpecifier as exc:
            raise PluginError(
                f"plugin {self.name}: core range {self.core!r} is not a PEP 440 specifier"
            ) from exc
        if not supported.contains(Version(CORE_VERSION), prereleases=True):
            package = distribution or f"houqin-{self.name}"
            raise PluginError(
                f"plugin {self.name} {self.version} (from {package}) supports Houqin core"
                f" {self.core}, but this is core {CORE_VERSION}. Install the release of"
                f" {package} made for this core (pip finds it when core is held where it is):"
                f" pip install '{package}' 'houqin=={CORE_VERSION}'; or leave the plugin out"
                f" with HOUQIN_PLUGINS, or remove it: pip uninstall {package}."
            )
        unknown = self.tenant_types - ALL_TENANT_TYPES
        if unknown:
            raise PluginError(f"plugin {self.name}: unknown tenant types {sorted(unknown)}")

    def suits(self, tenant_type: str) -> bool:
        return tenant_type in self.tenant_types
