"""What the audit log shows for the codes an event keeps: its action, its source and what it
touched (a table, an export, a request), in the reader's language.

Core labels its own codes here. A module labels the tables it declares and the actions and
exports it records with ``PluginManifest(audit_labels={code: lazy label})``. A code nobody
labelled is shown as it is stored, so an event is never hidden.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from core.state import kernel

ACTIONS = {
    "create": _l("Added"),
    "update": _l("Changed"),
    "delete": _l("Removed"),
    "export": _l("Exported"),
    "upload": _l("Uploaded"),
    "district_read": _l("Read by the district"),
    "end_sessions": _l("Signed out everywhere"),
}

SOURCES = {
    "web": _l("Web page"),
    "api": _l("API"),
    "cli": _l("Server command"),
    "job": _l("Background job"),
    "system": _l("System"),
}

ENTITIES = {
    "users": _l("Accounts"),
    "memberships": _l("School roles"),
    "district_memberships": _l("District roles"),
    "api_tokens": _l("API tokens"),
    "user_sessions": _l("Sign-ins"),
    "notifications": _l("Notifications"),
    "stored_file": _l("Uploaded files"),
    "stored_files": _l("Uploaded files"),
    "audit_events": _l("Audit log"),
    "academic_years": _l("School years"),
    "terms": _l("Terms"),
    "calendar_days": _l("School calendar"),
    "import_files": _l("Imports"),
    "grades": _l("Grades"),
    "classes": _l("Classes"),
    "staff": _l("Staff"),
    "students": _l("Students"),
    "guardians": _l("Guardians"),
    "buildings": _l("Buildings"),
    "rooms": _l("Rooms"),
    "tenant_modules": _l("Modules"),
    "tenants": _l("Schools"),
    "districts": _l("Districts"),
    "school_file": _l("School file"),
    "request": _l("Page read"),
}

_CORE = {"action": ACTIONS, "source": SOURCES, "entity": ENTITIES}


def _declared() -> dict[str, object]:
    labels: dict[str, object] = {}
    for manifest in kernel().plugins.manifests.values():
        labels.update(manifest.audit_labels)
    return labels


def audit_label(kind: str, code: str | None) -> str:
    """The label of an event's ``kind`` ("action", "source" or "entity") code ``code``."""
    if not code:
        return ""
    found = _CORE[kind].get(code)
    if found is None and kind != "source":
        found = _declared().get(code)
    if found is None and kind == "entity" and "." in code:
        # An export a module records as "<module>.<register>": at least name the module.
        module, _, register = code.partition(".")
        manifest = kernel().plugins.manifests.get(module)
        if manifest is not None:
            return f"{manifest.title} · {register}"
    return str(found) if found is not None else code


def audit_choices(kind: str, current: str = "") -> list[tuple[str, str]]:
    """The codes of ``kind`` ("action" or "entity") a search may pick, by label; ``current``
    is kept when it is none of them (a link that names a code nobody labelled)."""
    codes = set(_CORE[kind])
    if kind == "entity":
        codes |= {code for code in _declared() if code not in ACTIONS}
    if current:
        codes.add(current)
    return sorted(((code, audit_label(kind, code)) for code in codes), key=lambda c: c[1])
