"""The audit trail page: search the school's trail with the API's query schema and search,
read who changed what, and export the same search through the API's .xlsx endpoint."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from flask import render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError

from core import audit
from core.api.audit import AuditQuerySchema
from core.audit_labels import AuditVocabulary, audit_choices, audit_label
from core.identity.services import emails_of, names_of
from core.permissions import requires
from core.plugins.types import NavEntry
from core.rules import RuleBroken
from core.tenancy import require_tenant
from core.web.forms import form_errors, page_of
from core.web.nav import core_entries
from core.web.views import bp

core_entries(NavEntry(_l("Audit log"), "web.audit_log", "core.audit.read", order=160))
FILTERS = ("entity", "action", "user_id", "from", "to")  # the query names AuditQuerySchema reads
HIDDEN_KEYS = frozenset({"id", "tenant_id"})  # the row shows the entity id; the school is this one
VALUE_WIDTH = 40
# The zones Chinese schools keep, by the names people say; any other is shown by its tz name.
ZONE_NAMES = {
    "Asia/Shanghai": _l("Beijing time"),
    "Asia/Urumqi": _l("Xinjiang time"),
    "Asia/Hong_Kong": _l("Hong Kong time"),
    "Asia/Macau": _l("Macao time"),
    "Asia/Taipei": _l("Taipei time"),
}


@dataclass(frozen=True)
class Change:
    label: str
    before: str
    after: str


def _short(text: str) -> str:
    return text if len(text) <= VALUE_WIDTH else text[:VALUE_WIDTH - 1] + "…"


def changes(vocabulary: AuditVocabulary, table: str, before: dict | None,
            after: dict | None) -> list[Change]:
    """The fields whose values differ between ``before`` and ``after``, by their names, with
    their values as a reader reads them, shortened for a table. A module's settings are one
    change per setting changed, named as its settings form names it."""
    before, after = before or {}, after or {}
    found = []
    for key in sorted((before.keys() | after.keys()) - HIDDEN_KEYS):
        old, new = before.get(key), after.get(key)
        if old == new or vocabulary.internal(table, key):
            continue
        if table == "tenant_modules" and key == "settings" and isinstance(old or new, dict):
            module = after.get("module") or before.get("module")
            old, new = old or {}, new or {}
            found += [Change(vocabulary.setting(module, name),
                             _short(vocabulary.setting_value(module, name, old.get(name))),
                             _short(vocabulary.setting_value(module, name, new.get(name))))
                      for name in sorted(old.keys() | new.keys()) if old.get(name) != new.get(name)]
            continue
        found.append(Change(vocabulary.field(table, key), _short(vocabulary.value(table, key, old)),
                            _short(vocabulary.value(table, key, new))))
    return found


def _render(form: dict[str, str], errors: dict[str, str], status: int,
            **results: Any) -> ResponseReturnValue:
    zone = ZoneInfo(require_tenant().timezone)
    vocabulary = AuditVocabulary(zone)
    return render_template("web/audit.html", form=form, errors=errors,
                           changes=lambda e: changes(vocabulary, e.entity, e.before, e.after),
                           label=audit_label,
                           actions=audit_choices("action", form.get("action", "")),
                           entities=audit_choices("entity", form.get("entity", "")),
                           **results), status


@bp.route("/audit")
@requires("core.audit.read")
def audit_log() -> ResponseReturnValue:
    """This school's trail, newest first, a page of 50 at a time."""
    form = {name: request.args.get(name, "").strip() for name in FILTERS}
    filters = {name: value for name, value in form.items() if value}
    tenant = require_tenant()
    try:
        statement = audit.search(AuditQuerySchema().load(filters), tenant.timezone)
    except (ValidationError, RuleBroken) as exc:
        return _render(form, form_errors(exc), 422, events=[])
    events, page, has_next = page_of(statement)
    return _render(
        form, {}, 200, events=events, emails=emails_of(e.user_id for e in events),
        names=names_of(e.user_id for e in events),
        zone=ZoneInfo(tenant.timezone), zone_name=ZONE_NAMES.get(tenant.timezone, tenant.timezone),
        page=page, filters=filters, has_next=has_next,
        export_url=url_for("audit_api.school_audit_export", **filters),
    )
