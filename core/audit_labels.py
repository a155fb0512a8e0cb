"""What the audit log shows for the codes an event keeps: its action, its source and what it
touched (a table, an export, a request), in the reader's language.

Core labels its own codes here. A module labels the tables it declares and the actions and
exports it records with ``PluginManifest(audit_labels={code: lazy label})``. A code nobody
labelled is shown as it is stored, so an event is never hidden.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, tzinfo
from typing import Any

from flask_babel import lazy_gettext as _l

from core.calendar.models import KIND_NAMES, WEEKDAY_NAMES
from core.money import yuan
from core.people.models import CLASS_STATUS_TITLES, GENDER_TITLES, RELATION_LABELS
from core.people.services import STUDENT_STATUSES
from core.permissions import DISTRICT_ROLES, SCHOOL_ROLES
from core.plugins.manifest import PluginManifest
from core.schools.models import TENANT_TYPES
from core.schools.modules import settings_schema
from core.state import kernel
from core.transfer.models import KIND_TITLES, STATUS_TITLES

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

# What the "Changes" column calls a changed field: the columns of core's tables, and the
# names every module's tables share. A module names its own columns with
# ``PluginManifest(audit_fields=...)``: "column" for all its tables, "table.column" for one.
FIELDS = {
    "academic_year_id": _l("School year"),
    "action": _l("Action"),
    "active": _l("Active"),
    "address": _l("Address"),
    "after": _l("After"),
    "allergies": _l("Allergies"),
    "amount_fen": _l("Amount"),
    "approved_at": _l("Approved at"),
    "approved_by": _l("Approved by"),
    "at": _l("When"),
    "before": _l("Before"),
    "birth_date": _l("Date of birth"),
    "boarding": _l("Boards at school"),
    "building_id": _l("Building"),
    "can_pick_up": _l("May pick up"),
    "category": _l("Category"),
    "changed_at": _l("Changed at"),
    "class_id": _l("Class"),
    "code": _l("Code"),
    "content_type": _l("File type"),
    "created_at": _l("Created at"),
    "created_by": _l("Created by"),
    "day": _l("Date"),
    "deactivated_at": _l("Deactivated at"),
    "description": _l("Description"),
    "dietary_notes": _l("Dietary notes"),
    "district_id": _l("District"),
    "domains": _l("Web addresses"),
    "email": _l("E-mail"),
    "enabled": _l("Switched on"),
    "end_date": _l("End date"),
    "entity": _l("Record type"),
    "entity_id": _l("Record"),
    "expires_at": _l("Expires at"),
    "filename": _l("File name"),
    "gender": _l("Gender"),
    "grade_id": _l("Grade"),
    "has_boarders": _l("Has boarders"),
    "head_teacher_id": _l("Head teacher"),
    "is_active": _l("Active"),
    "issued_at": _l("Issued at"),
    "issued_on": _l("Issued on"),
    "kind": _l("Kind"),
    "last_used_at": _l("Last used at"),
    "level": _l("Year of study"),
    "locale": _l("Language"),
    "module": _l("Module"),
    "name": _l("Name"),
    "note": _l("Remarks"),
    "notes": _l("Remarks"),
    "notices": _l("Kinds of notice sent here"),
    "number": _l("Number"),
    "office": _l("Office"),
    "password_hash": _l("Password"),
    "phone": _l("Phone"),
    "position": _l("Position"),
    "public_id": _l("Public number"),
    "published_at": _l("Published at"),
    "published_by": _l("Published by"),
    "purpose": _l("Purpose"),
    "quantity": _l("Quantity"),
    "reason": _l("Reason"),
    "recorded_at": _l("Recorded at"),
    "recorded_by": _l("Recorded by"),
    "relation": _l("Relation"),
    "remarks": _l("Remarks"),
    "revoked_at": _l("Revoked at"),
    "revoked_by": _l("Revoked by"),
    "role": _l("Role"),
    "secret_hash": _l("Secret"),
    "secrets": _l("Secret"),
    "settings": _l("Settings"),
    "sha256": _l("Checksum"),
    "size": _l("Size"),
    "slug": _l("Short name"),
    "source": _l("Source"),
    "start_date": _l("Start date"),
    "status": _l("Status"),
    "student_id": _l("Student"),
    "student_no": _l("Student number"),
    "term_id": _l("Term"),
    "timezone": _l("Time zone"),
    "title": _l("Title"),
    "total_fen": _l("Total"),
    "type": _l("School type"),
    "unit": _l("Unit"),
    "unit_price_fen": _l("Unit price"),
    "updated_at": _l("Updated at"),
    "used_at": _l("Used at"),
    "user_id": _l("Account"),
    "valid_until": _l("Valid until"),
    "version": _l("Version"),
    "void_reason": _l("Reason for voiding"),
    "voided_at": _l("Voided at"),
    "voided_by": _l("Voided by"),
    "weekdays": _l("School days of the week"),
    "withdrawn_at": _l("Withdrawn at"),
}
# A column that means something else in one table.
TABLE_FIELDS = {
    "users.name": _l("Full name"),
    "staff.name": _l("Full name"),
    "students.name": _l("Full name"),
    "guardians.name": _l("Full name"),
}


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


YES_NO = {True: _l("Yes"), False: _l("No")}


def _core_values() -> dict[str, Mapping[Any, object]]:
    """The titles of the codes core's tables store, by "table.column"."""
    return {
        "students.gender": GENDER_TITLES,
        "students.status": STUDENT_STATUSES,
        "classes.status": CLASS_STATUS_TITLES,
        "guardians.relation": RELATION_LABELS,
        "memberships.role": SCHOOL_ROLES,
        "district_memberships.role": DISTRICT_ROLES,
        "calendar_days.kind": KIND_NAMES,
        "terms.weekdays": dict(enumerate(WEEKDAY_NAMES)),
        "tenants.type": TENANT_TYPES,
        "import_files.kind": KIND_TITLES,
        "import_files.status": STATUS_TITLES,
    }


class AuditVocabulary:
    """What the audit log calls each changed field and each stored value, gathered once for a
    page of events from core and from what every module declares. A field or code nobody
    named is shown as it is stored, so a change is never hidden."""

    def __init__(self, zone: tzinfo) -> None:
        self.zone = zone
        self.fields: dict[str, object] = {**FIELDS, **TABLE_FIELDS}
        self.values: dict[str, Mapping[Any, object]] = _core_values()
        self.owner: dict[str, PluginManifest] = {}  # table -> the module that declares it
        self.titles = {name: m.title for name, m in kernel().plugins.manifests.items()}
        for manifest in kernel().plugins.manifests.values():
            for code in manifest.audit_labels:
                if "." not in code:
                    self.owner[code] = manifest

    def _declared(self, table: str, key: str, kind: str) -> Any:
        manifest = self.owner.get(table) or self._by_prefix(table)
        if manifest is None:
            return None
        declared = getattr(manifest, kind)
        return declared.get(f"{table}.{key}", declared.get(key))

    def _by_prefix(self, table: str) -> PluginManifest | None:
        manifest = kernel().plugins.manifests.get(table.partition("_")[0])
        return manifest if manifest is not None and "_" in table else None

    def internal(self, table: str, key: str) -> bool:
        """Whether the module marks this column as its own bookkeeping (``None`` for a label):
        a key it derives from the rest of the row, which the row's other changes show."""
        manifest = self.owner.get(table) or self._by_prefix(table)
        if manifest is None:
            return False
        declared = manifest.audit_fields
        for name in (f"{table}.{key}", key):
            if name in declared:
                return declared[name] is None
        return False

    def field(self, table: str, key: str) -> str:
        found = self._declared(table, key, "audit_fields")
        if found is None:
            found = self.fields.get(f"{table}.{key}", self.fields.get(key))
        return str(found) if found is not None else key

    def _setting_field(self, module: str | None, key: str) -> Any:
        """The settings-schema field ``key`` of ``module``; of whichever module has one by
        that name when the event does not say (an update keeps only the changed columns)."""
        for name in [module] if module in self.titles else list(self.titles):
            schema = settings_schema(name)
            if schema is not None and key in schema._declared_fields:
                return schema._declared_fields[key]
        return None

    def setting(self, module: str | None, key: str) -> str:
        """A module setting's name as its settings form labels it."""
        item = self._setting_field(module, key)
        label = item.metadata.get("label") if item is not None else None
        return str(label) if label is not None else self.field("tenant_modules", key)

    def setting_value(self, module: str | None, key: str, value: Any) -> str:
        """A module setting's value, its choices by their titles as the settings form shows them."""
        from core.web.settings_form import choices_of

        item = self._setting_field(module, key)
        titles = dict(choices_of(item)) if item is not None else {}
        if titles and isinstance(value, list):
            return "、".join(titles.get(v, str(v)) if _hashable(v) else _plain(v) for v in value)
        if titles and _hashable(value) and value in titles:
            return titles[value]
        return self.value("tenant_modules", key, value)

    def _codes(self, table: str, key: str) -> Mapping[Any, object] | None:
        found = self._declared(table, key, "audit_values")
        return found if found is not None else self.values.get(f"{table}.{key}")

    def value(self, table: str, key: str, value: Any) -> str:
        """A stored value as a reader reads it: titled codes, yuan, local times, yes or no."""
        if value is None:
            return "—"
        if isinstance(value, bool):
            return str(YES_NO[value])
        codes = self._codes(table, key)
        if codes is not None:
            if isinstance(value, list):
                return "、".join(str(codes.get(v, v)) if _hashable(v) else _plain(v) for v in value)
            if _hashable(value) and value in codes:
                return str(codes[value])
        if key in ("module", "source") and _hashable(value) and value in self.titles:
            return str(self.titles[value])
        if key.endswith("_fen") and isinstance(value, int):
            return "¥" + yuan(value)
        if key.endswith("_at") and isinstance(value, str):
            return self._time(value)
        return _plain(value)

    def _time(self, text: str) -> str:
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            return text
        if moment.tzinfo is None:
            return text
        return moment.astimezone(self.zone).strftime("%Y-%m-%d %H:%M")


def _hashable(value: Any) -> bool:
    return not isinstance(value, list | dict)


def _plain(value: Any) -> str:
    """A stored value without its keys: a list of ingredients reads "鸡蛋 50、盐 2"."""
    if isinstance(value, dict):
        return " ".join(_plain(v) for v in value.values() if v not in (None, ""))
    if isinstance(value, list):
        return "、".join(_plain(v) for v in value)
    if isinstance(value, bool):
        return str(YES_NO[value])
    return str(value)
