"""The public API for plugin authors: import from here, and only from here.

Everything named in ``__all__`` is kept stable across minor versions of core; a change
comes with a deprecation period.

Added in core 0.1 with the navigation on every page (issue 14): ``SearchHit`` (what a
module's ``houqin_search`` answers), ``NavEntry.group``/``group_order`` and ``Widget.today``.
"""

from __future__ import annotations

from copy import deepcopy

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
from core.hookspecs import hookimpl, hookspec
from core.jobs import JobContext, JobState, Schedule, enqueue, job_state
from core.links import external_url
from core.messages import N_, Phrase, nphrase, phrase
from core.money import whole_fen, yuan
from core.notifications.services import notify
from core.people import reads as people
from core.permissions import Permission, Role, public, requires
from core.plugins.manifest import PluginManifest
from core.plugins.types import NavEntry, SearchHit, Widget
from core.regulations import Rule, rules_in_force
from core.rules import RuleBroken
from core.state import kernel
from core.tenancy import (
    DistrictRef,
    TenantRef,
    current_tenant,
    require_tenant,
    school_today,
    school_zone,
)

# Page helpers; forms.submitted (one form handler) and forms.page_of as the one page_of with
# one PAGE_SIZE are new in core 0.1.0 (issue 14).
from core.web import forms
from core.wording import lazy_word, nword, word

# isort: split
# h15-channels: notification channels (a plugin adds a kind of channel or of notice).
from core.notifications.channels import (
    ChannelFailed,
    ChannelKind,
    Message,
    NoticeKind,
    post_json,
    redact_url,
)


def hooks():
    """Hook callers that reach only the modules the school in context has switched on."""
    from tenants.modules import enabled_modules

    require_tenant()
    return kernel().plugins.hooks_for(enabled_modules())


def current_district() -> DistrictRef:
    """The district of the school in context (for district overrides of national rules)."""
    from tenants.models import District

    tenant = require_tenant()
    return db.session.get(District, tenant.district_id).ref()


def module_settings(name: str) -> dict:
    """The validated settings of module ``name`` for the school in context; a setting added
    since the school saved its own reads as its default. A fresh dict each call."""
    from tenants.models import TenantModule
    from tenants.modules import setting_defaults

    require_tenant()
    row = db.session.scalar(db.select(TenantModule).where(TenantModule.module == name))
    return {**setting_defaults(name), **(deepcopy(row.settings) if row else {})}


__all__ = [  # noqa: RUF022 - each branch's names in a block of its own, for the merge
    "CSV",
    "MAX_PAGE_SIZE",
    "MULTILINE",
    "N_",
    "PAGE_SIZE",
    "XLSX",
    "Conflict",
    "DistrictRef",
    "Forbidden",
    "Invalid",
    "JobContext",
    "JobState",
    "Month",
    "NavEntry",
    "NotFound",
    "Permission",
    "Phrase",
    "PluginManifest",
    "Principal",
    "Problem",
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
    "acting_name",
    "among",
    "ascending_ids",
    "audit",
    "begin_writing",
    "charts",
    "csv_bytes",
    "csv_download",
    "current_district",
    "current_principal",
    "current_tenant",
    "db",
    "enqueue",
    "external_url",
    "first_writer",
    "forms",
    "hookimpl",
    "hooks",
    "hookspec",
    "id_block",
    "is_school_day",
    "job_state",
    "lazy_word",
    "module_settings",
    "notify",
    "nphrase",
    "nword",
    "page_of",
    "people",
    "phrase",
    "public",
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
    # h15-channels
    "ChannelFailed",
    "ChannelKind",
    "Message",
    "NoticeKind",
    "post_json",
    "redact_url",
]
