"""Find plugins through the ``houqin.plugins`` entry points and register them with pluggy."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from importlib.metadata import entry_points
from pathlib import Path
from types import MappingProxyType, ModuleType
from typing import TYPE_CHECKING, Any

import pluggy

from core import hookspecs
from core.plugins.manifest import PluginError, PluginManifest

if TYPE_CHECKING:
    from flask import Flask

ENTRY_POINT_GROUP = "houqin.plugins"


class PluginHost:
    """The plugins this deployment loaded, in dependency order, and a pluggy manager."""

    def __init__(self) -> None:
        self.pm = pluggy.PluginManager(hookspecs.PROJECT)
        self.pm.add_hookspecs(hookspecs)
        self.manifests: dict[str, PluginManifest] = {}
        self._subsets: dict[frozenset[str], _SubsetHooks] = {}

    @property
    def names(self) -> list[str]:
        return list(self.manifests)

    def plugin(self, name: str) -> object:
        return self.pm.get_plugin(name)

    def dependents(self, name: str) -> set[str]:
        """Every loaded plugin that needs ``name``, directly or through another."""
        found: set[str] = set()
        frontier = {name}
        while frontier:
            nxt = {n for n, m in self.manifests.items() if set(m.depends) & frontier} - found
            found |= nxt
            frontier = nxt
        return found

    def requirements(self, name: str) -> list[str]:
        """``name``'s dependencies, transitively, dependencies first."""
        order: list[str] = []

        def visit(current: str) -> None:
            for dep in self.manifests[current].depends:
                if dep not in order:
                    visit(dep)
                    order.append(dep)

        visit(name)
        return order

    def hooks_for(self, enabled: Iterable[str]) -> _SubsetHooks:
        """Hook callers that reach only the plugins in ``enabled``."""
        key = frozenset(enabled) & frozenset(self.manifests)
        if key not in self._subsets:
            removed = [self.pm.get_plugin(n) for n in self.manifests if n not in key]
            self._subsets[key] = _SubsetHooks(self.pm, removed)
        return self._subsets[key]

    def hooks_of(self, name: str) -> _SubsetHooks:
        return self.hooks_for([name])


class _SubsetHooks:
    """Hook callers over some of the plugins: ``hooks.houqin_x(**kwargs)`` calls each reached
    plugin as pluggy does (a list of answers, latest registered first)."""

    def __init__(self, pm: pluggy.PluginManager, removed: list[object]) -> None:
        self._pm = pm
        self._removed = removed
        self._callers: dict[str, object] = {}

    def __getattr__(self, hook_name: str):
        if hook_name.startswith("_"):
            raise AttributeError(hook_name)
        if hook_name not in self._callers:
            self._callers[hook_name] = self._pm.subset_hook_caller(hook_name, self._removed)
        return self._callers[hook_name]

    def implementers(self, hook_name: str) -> list[str]:
        """The names of the reached plugins that implement ``hook_name``, in call order."""
        return [impl.plugin_name for impl in reversed(getattr(self, hook_name).get_hookimpls())]

    def answers(self, hook_name: str, **kwargs: Any) -> list[tuple[str, Any]]:
        """Each reached plugin's answer to ``hook_name`` with the plugin's name, in call
        order (``None`` answers left out, as pluggy leaves them out): for a result whose
        owner matters, such as a provider two plugins might both call by one name."""
        found = []
        for impl in reversed(getattr(self, hook_name).get_hookimpls()):
            if impl.hookwrapper or impl.wrapper:
                continue
            answer = impl.function(*[kwargs[name] for name in impl.argnames])
            if answer is not None:
                found.append((impl.plugin_name, answer))
        return found


class PluginApp:
    """The app as a plugin sees it at start-up (``houqin_startup``): its configuration (read
    only), hook callers over every loaded plugin, the loaded plugins' manifests, and a place
    of the plugin's own for what it works out once per app (``sdk.plugin_state`` reads it
    back while serving)."""

    def __init__(self, app: Flask) -> None:
        self._app = app

    @property
    def config(self) -> Mapping[str, Any]:
        return MappingProxyType(self._app.config)

    @property
    def plugins(self) -> Mapping[str, PluginManifest]:
        return MappingProxyType(self._app.extensions["houqin"].plugins.manifests)

    def all_hooks(self) -> _SubsetHooks:
        host = self._app.extensions["houqin"].plugins
        return host.hooks_for(host.names)

    def state(self, plugin: str) -> dict[str, Any]:
        return self._app.extensions["houqin"].plugin_state.setdefault(plugin, {})


def _manifest_of(
    obj: ModuleType | object, entry_name: str, distribution: str | None = None
) -> PluginManifest:
    manifest = getattr(obj, "manifest", None)
    if not isinstance(manifest, PluginManifest):
        raise PluginError(
            f"entry point {entry_name!r} in {ENTRY_POINT_GROUP} has no PluginManifest named"
            " 'manifest'"
        )
    if manifest.name != entry_name:
        raise PluginError(
            f"entry point {entry_name!r} loads a plugin that calls itself {manifest.name!r};"
            " the two names must match"
        )
    manifest.check(distribution)
    if manifest.migrations is None:
        module_file = getattr(obj, "__file__", None)
        if module_file and (Path(module_file).parent / "migrations").is_dir():
            object.__setattr__(manifest, "migrations", Path(module_file).parent / "migrations")
    return manifest


def installed_entry_points() -> dict[str, object]:
    return {ep.name: ep for ep in entry_points(group=ENTRY_POINT_GROUP)}


def load_plugins(allow: list[str] | None) -> PluginHost:
    """Load the installed plugins the deployment allows (all when ``allow`` is None)."""
    installed = installed_entry_points()
    if allow is not None:
        missing = sorted(set(allow) - set(installed))
        if missing:
            raise PluginError(
                f"HOUQIN_PLUGINS names {', '.join(missing)}, which is not installed"
                f" (installed: {', '.join(sorted(installed)) or 'none'})"
            )
    chosen = sorted(installed) if allow is None else sorted(set(allow))
    loaded: dict[str, tuple[PluginManifest, object]] = {}
    for name in chosen:
        try:
            obj = installed[name].load()
        except Exception as exc:
            raise PluginError(f"plugin {name} failed to import: {exc}") from exc
        dist = getattr(installed[name], "dist", None)
        loaded[name] = (_manifest_of(obj, name, dist.name if dist else None), obj)

    for name, (manifest, _) in loaded.items():
        absent = [dep for dep in manifest.depends if dep not in loaded]
        if absent:
            raise PluginError(
                f"plugin {name} needs {', '.join(absent)}, which "
                + ("is not installed" if not set(absent) & set(installed) else "HOUQIN_PLUGINS leaves out")
            )

    host = PluginHost()
    for manifest, _ in loaded.values():
        if manifest.hookspecs is not None:
            host.pm.add_hookspecs(manifest.hookspecs)
    for name in _dependency_order({n: m.depends for n, (m, _) in loaded.items()}):
        manifest, obj = loaded[name]
        host.pm.register(obj, name=name)
        host.manifests[name] = manifest
    host.pm.check_pending()
    return host


def _dependency_order(graph: dict[str, tuple[str, ...]]) -> list[str]:
    order: list[str] = []
    visiting: set[str] = set()

    def visit(name: str) -> None:
        if name in order:
            return
        if name in visiting:
            raise PluginError(f"plugins depend on each other in a circle through {name}")
        visiting.add(name)
        for dep in graph[name]:
            visit(dep)
        visiting.discard(name)
        order.append(name)

    for name in sorted(graph):
        visit(name)
    return order
