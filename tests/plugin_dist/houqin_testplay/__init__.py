"""Offered to kindergartens only."""

from core.sdk import NavEntry, PluginManifest, hookimpl

manifest = PluginManifest(name="playground", version="0.1.0", title="Playground", core=">=0.1",
                          tenant_types=frozenset({"kindergarten"}))


@hookimpl
def houqin_navigation(tenant, principal):
    return [NavEntry("Playground", "notes_pages.index", "core.school.read")]
