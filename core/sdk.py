"""The public API for plugin authors: import from here, and only from here.

Every name in ``__all__`` is public, listed with the core version it first appeared in
(``SINCE``) and described in docs/sdk.md; the import test refuses any other name from core,
and any private (``_x``) one. A name is kept stable across minor versions of core: a rename
or removal first moves the old name into ``DEPRECATED`` for at least one minor version, where
reading it warns (``DeprecationWarning``) and still answers. Hooks are deprecated the same
way, through pluggy: ``deprecated_hookspec``.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any, TypeVar

from flask_babel import get_locale, gettext, lazy_gettext, lazy_pgettext, ngettext, pgettext
from sqlalchemy import select

from core import audit, charts
from core.api.errors import Conflict, Forbidden, Invalid, NotFound, Problem
from core.api.pagination import MAX_PAGE_SIZE, PAGE_SIZE, page_of
from core.api.rules import transactional
from core.api.schema import MULTILINE, Month, Schema
from core.api.schemas import RuleSchema
from core.auth import Principal, acting_name, current_principal
from core.calendar.services import TermRef, is_school_day, school_days, term_span, terms
from core.db import (
    TenantScoped,
    UtcDateTime,
    ascending_ids,
    id_block,
    tenant_foreign_key,
    tenant_index,
    tenant_unique,
    utcnow,
    uuid7,
)
from core.db.among import among
from core.db.races import first_writer
from core.db.sqlite import begin_writing
from core.db.voidable import Voidable

# A module's set-based, audited read across its district's schools.
from core.district import district_read
from core.exports import (
    CSV,
    XLSX,
    SheetColumn,
    csv_bytes,
    csv_download,
    sheet_cell,
    sheet_rows,
    workbook_bytes,
    xlsx_download,
)
from core.extensions import db
from core.files import StoredFile, send_stored, store_upload, stored_file
from core.hookspecs import deprecated_hookspec, hookimpl, hookspec
from core.jobs import JobContext, JobState, Schedule, enqueue, job_state
from core.links import external_url
from core.messages import N_, Phrase, nphrase, phrase
from core.money import whole_fen, yuan

# Notification channels: a plugin adds a kind of channel or of notice.
from core.notifications.channels import (
    ChannelFailed,
    ChannelKind,
    Message,
    NoticeKind,
    post_json,
    redact_url,
)
from core.notifications.services import notify
from core.people import reads as people
from core.people.buildings import BuildingRef, building_or_404, buildings
from core.permissions import Permission, Role, public, requires
from core.plugins.engine import PluginApp
from core.plugins.manifest import PluginManifest
from core.plugins.types import CalendarEntry, NavEntry, SearchHit, Widget
from core.regulations import Rule, rules_in_force
from core.rules import RuleBroken
from core.state import kernel as _kernel
from core.tenancy import (
    DistrictRef,
    TenantRef,
    current_tenant,
    demo_day,
    require_tenant,
    school_today,
    school_zone,
)

# Registers a module declares once for import and export.
from core.transfer import cells
from core.transfer.columns import Column as RegisterColumn
from core.transfer.registers import Register, import_sheet, register_import_command

# Page helpers; forms.submitted (one form handler) and forms.page_of as the one page_of with
# one PAGE_SIZE are new in core 0.1.0 (issue 14).
from core.web import forms
from core.wording import lazy_word, nword, word

_ = gettext  # the one-letter name every catalogue extraction knows
_l = lazy_gettext  # and the lazy one, for labels declared before any request

_Model = TypeVar("_Model")


def hooks():
    """Hook callers that reach only the modules the school in context has switched on.

    ``hooks().houqin_x(**kwargs)`` is the list of answers (pluggy's call);
    ``hooks().answers("houqin_x", **kwargs)`` the same with each answering plugin's name;
    ``hooks().implementers("houqin_x")`` the names of the plugins reached."""
    from core.schools.modules import enabled_modules

    require_tenant()
    return _kernel().plugins.hooks_for(enabled_modules())


def all_hooks():
    """Hook callers that reach every loaded plugin, with or without a school in context (the
    same three ways to call as ``hooks()``): for what a plugin collects once per app (at
    start-up, in ``houqin_startup``) rather than per school."""
    host = _kernel().plugins
    return host.hooks_for(host.names)


def plugin_state(plugin: str) -> dict[str, Any]:
    """The app's place for what plugin ``plugin`` worked out at start-up (the same dict as
    ``PluginApp.state(plugin)`` in ``houqin_startup``); empty until the plugin fills it."""
    return _kernel().plugin_state.setdefault(plugin, {})


def loaded_plugins() -> dict[str, PluginManifest]:
    """The manifests of the plugins this deployment loaded, by name, in dependency order
    (a plugin's title for a page: ``loaded_plugins()[name].title``)."""
    return dict(_kernel().plugins.manifests)


def get_or_404(model: type[_Model], id: Any, field: str = "id") -> _Model:
    """The row of ``model`` (a ``TenantScoped`` model) whose ``id`` is ``id`` in the school
    in context, else ``NotFound`` (the API's problem, 404) naming ``field``. (Also
    ``db.session.get(model, id)`` finds it, or None: the school completes the key.)"""
    found = db.session.scalar(select(model).where(model.id == id))
    if found is None:
        raise NotFound(gettext("No such record in this school."),
                       errors={field: [gettext("No such record in this school.")]})
    return found


def cli_school(slug: str):
    """For a module's command (``houqin_cli_group``): ``with cli_school(slug) as tenant:``
    puts the school of ``slug`` in context with the command as the actor; an unknown slug
    ends the command with what to do."""
    from core.cli import school

    return school(slug)


def current_district() -> DistrictRef:
    """The district of the school in context (for district overrides of national rules)."""
    from core.schools.models import District

    tenant = require_tenant()
    return db.session.get(District, tenant.district_id).ref()


def module_settings(name: str) -> dict:
    """The validated settings of module ``name`` for the school in context; a setting added
    since the school saved its own reads as its default. A fresh dict each call."""
    from core.schools.modules import setting_defaults, stored_settings

    return {**setting_defaults(name), **stored_settings(name)}


__all__ = [
    "CSV",
    "MAX_PAGE_SIZE",
    "MULTILINE",
    "N_",
    "PAGE_SIZE",
    "XLSX",
    "BuildingRef",
    "CalendarEntry",
    "ChannelFailed",
    "ChannelKind",
    "Conflict",
    "DistrictRef",
    "Forbidden",
    "Invalid",
    "JobContext",
    "JobState",
    "Message",
    "Month",
    "NavEntry",
    "NotFound",
    "NoticeKind",
    "Permission",
    "Phrase",
    "PluginApp",
    "PluginManifest",
    "Principal",
    "Problem",
    "Register",
    "RegisterColumn",
    "Role",
    "Rule",
    "RuleBroken",
    "RuleSchema",
    "Schedule",
    "Schema",
    "SearchHit",
    "SheetColumn",
    "StoredFile",
    "TenantRef",
    "TenantScoped",
    "TermRef",
    "UtcDateTime",
    "Voidable",
    "Widget",
    "_",
    "_l",
    "acting_name",
    "all_hooks",
    "among",
    "ascending_ids",
    "audit",
    "begin_writing",
    "building_or_404",
    "buildings",
    "cells",
    "charts",
    "cli_school",
    "csv_bytes",
    "csv_download",
    "current_district",
    "current_principal",
    "current_tenant",
    "db",
    "demo_day",
    "deprecated_hookspec",
    "district_read",
    "enqueue",
    "external_url",
    "first_writer",
    "forms",
    "get_locale",
    "get_or_404",
    "gettext",
    "hookimpl",
    "hooks",
    "hookspec",
    "id_block",
    "import_sheet",
    "is_school_day",
    "job_state",
    "lazy_gettext",
    "lazy_pgettext",
    "lazy_word",
    "loaded_plugins",
    "module_settings",
    "ngettext",
    "notify",
    "nphrase",
    "nword",
    "page_of",
    "people",
    "pgettext",
    "phrase",
    "plugin_state",
    "post_json",
    "public",
    "redact_url",
    "register_import_command",
    "require_tenant",
    "requires",
    "rules_in_force",
    "school_days",
    "school_today",
    "school_zone",
    "send_stored",
    "sheet_cell",
    "sheet_rows",
    "store_upload",
    "stored_file",
    "tenant_foreign_key",
    "tenant_index",
    "tenant_unique",
    "term_span",
    "terms",
    "transactional",
    "utcnow",
    "uuid7",
    "whole_fen",
    "word",
    "workbook_bytes",
    "xlsx_download",
    "yuan",
]

# The core version each public name first appeared in (0.1.0: before the first release).
SINCE: dict[str, str] = {name: "0.1.0" for name in __all__}


@dataclass(frozen=True)
class Deprecation:
    """An SDK name on its way out: reading it warns and answers ``instead``'s object."""

    instead: str  # the name to use now
    since: str  # the core version that deprecated it
    removed_in: str  # the first core version without it


# Old name -> its deprecation. Empty today: nothing has been released yet.
DEPRECATED: dict[str, Deprecation] = {}


def __getattr__(name: str) -> Any:
    deprecation = DEPRECATED.get(name)
    if deprecation is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    warnings.warn(f"core.sdk.{name} is deprecated since core {deprecation.since} and goes in "
                  f"{deprecation.removed_in}: use core.sdk.{deprecation.instead}",
                  DeprecationWarning, stacklevel=2)
    return globals()[deprecation.instead]
