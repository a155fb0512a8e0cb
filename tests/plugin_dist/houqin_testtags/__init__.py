"""Depends on notes and answers the hook notes declares."""

from core.sdk import NavEntry, PluginManifest, hookimpl

manifest = PluginManifest(name="tags", version="0.1.0", title="Tags", core=">=0.1",
                          depends=("notes",))


@hookimpl
def notes_contributions(tenant):
    return [f"tags for {tenant.slug}"]


@hookimpl
def houqin_navigation(tenant, principal):
    return [NavEntry("Tags", "notes_pages.index", "notes.read")]
