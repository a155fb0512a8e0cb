"""The per-app kernel state: loaded plugins, permissions, jobs."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from flask import current_app

if TYPE_CHECKING:
    from core.jobs.registry import JobRegistry
    from core.permissions import PermissionRegistry
    from core.plugins.engine import PluginHost


@dataclass
class KernelState:
    plugins: PluginHost
    permissions: PermissionRegistry
    jobs: JobRegistry
    # blueprint name -> plugin name, so a request can tell which module a route belongs to
    blueprint_owners: dict[str, str] = field(default_factory=dict)
    # plugin name -> what it worked out once at start-up (houqin_startup, sdk.plugin_state)
    plugin_state: dict[str, dict[str, Any]] = field(default_factory=dict)
    # register kind ("canteen.dishes") -> (module, Register), from houqin_registers
    registers: dict[str, tuple[str, Any]] = field(default_factory=dict)


def kernel() -> KernelState:
    return current_app.extensions["houqin"]
