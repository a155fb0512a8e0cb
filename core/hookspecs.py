"""Every hook core calls on a plugin, documented where it is declared.

A plugin implements hooks with ``@hookimpl`` from ``core.sdk``. Hooks that core calls while a
school is in context (a request or a job) reach only the plugins that school has enabled;
hooks called at start-up (blueprints, permissions, jobs, schedules, settings schema) reach
every loaded plugin. A hook's name and arguments are public API: change them with a
deprecation period, never a break. Plugins may declare hooks for one another by listing a
module of ``@hookspec`` functions in their manifest (``PluginManifest.hookspecs``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    import random

    from flask import Blueprint
    from marshmallow import Schema

    from core.auth import Principal
    from core.jobs.registry import Schedule
    from core.permissions import Permission
    from core.plugins.types import NavEntry, Widget
    from core.tenancy import DistrictRef, TenantRef

PROJECT = "houqin"
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


@hookspec
def houqin_blueprints() -> list[Blueprint]:
    """Return the plugin's blueprints, called once at start-up.

    A ``flask_smorest.Blueprint`` is registered on the REST API (its url_prefix should start
    with ``/api/v1/<plugin name>``) and appears in the OpenAPI document; a plain Flask
    ``Blueprint`` is registered as web pages. For a school that has not enabled the plugin,
    every route of these blueprints answers 404. Every view must declare a permission.
    """


@hookspec
def houqin_permissions() -> list[Permission]:
    """Return the permissions the plugin defines, with the roles that hold them by default.

    Names are namespaced by the plugin (``canteen.samples.write``).
    """


@hookspec
def houqin_navigation(tenant: TenantRef, principal: Principal) -> list[NavEntry]:
    """Return the navigation entries this person should see in this school (may be empty)."""


@hookspec
def houqin_dashboard_widgets(tenant: TenantRef, principal: Principal) -> list[Widget]:
    """Return the school home-page widgets for this person."""


@hookspec
def houqin_district_widgets(district: DistrictRef, principal: Principal) -> list[Widget]:
    """Return widgets for the district home of district staff.

    Called on the plugins that at least one of the district's schools has switched on, with
    no school in context: a widget that reads school data must do so through
    ``district_scope`` (read-only, audited in every school it reads).
    """


@hookspec
def houqin_settings_schema() -> type[Schema] | None:
    """Return the marshmallow schema of the plugin's per-school settings.

    Core validates every settings change with it (unknown keys refused) and stores what its
    ``load`` returns, so defaults declared with ``load_default`` fill in missing keys.
    """


@hookspec
def houqin_jobs() -> list[Any]:
    """Return the job functions the plugin lets core enqueue.

    A job function takes a ``JobContext`` as its first argument; core enqueues only
    registered functions and skips them for schools that disabled the plugin meanwhile.
    """


@hookspec
def houqin_schedules() -> list[Schedule]:
    """Return periodic jobs: each runs for every active school that has the plugin on,
    at the schedule's cron time in that school's own time zone."""


@hookspec
def houqin_on_enable(tenant: TenantRef, settings: dict[str, Any]) -> None:
    """Called (with the school in context) after the plugin is enabled for a school.

    Seed per-school data here. Must not run DDL: tables exist from ``houqin db upgrade``.
    """


@hookspec
def houqin_on_disable(tenant: TenantRef) -> None:
    """Called (with the school in context) after the plugin is disabled. Keep the data."""


@hookspec
def houqin_export_tenant_data(tenant: TenantRef) -> dict[str, type]:
    """Return every school table the plugin keeps, as ``{name: model}``.

    Called with the school in context when a school file is written
    (``houqin tenants export``) and when one is read (``houqin tenants import``), on each
    module the school has, switched on or off (a module's data is kept while it is off, and
    moves with the school). ``tenant`` is that school.

    Each model must be a ``TenantScoped`` model; its rows go to ``tables/<plugin>/<name>.jsonl``
    in the file and come back with their ids, in an order where the rows a foreign key names
    come first. List every school table, counters and ledgers included: a table left out
    does not move, and the import cannot tell. The names are the file's, so keep them stable
    (the plugin's version, checked on import, covers a change).

    Example::

        @hookimpl
        def houqin_export_tenant_data(tenant):
            from .models import Note, NoteItem

            return {"notes": Note, "note_items": NoteItem}

    Before this shape, the hook returned lists of plain rows; such a return is warned about
    (``DeprecationWarning``) and left out of the file, since rows cannot be imported.
    """


@hookspec
def houqin_demo_life(tenant: TenantRef, days: int, rng: random.Random) -> None:
    """Add the module's share of a demo school's life: its records of the last ``days`` days
    up to today (and what a school plans ahead, such as next week's menu).

    Called by ``houqin demo`` only (never on a deployment that is not a demo, see
    ``core.demo``), with ``tenant`` in context, on each module the school has switched on,
    after core has written the school's term, classes, students, guardians and staff with
    their accounts (read them through ``core.sdk.people``). Core commits afterwards.

    ``rng`` is seeded from the demo's seed, the school and the module: draw every choice from
    it (never from ``random`` itself or the clock's seconds) so that the same seed gives the
    same records. Write through the module's own services, as a person would, so the records
    keep the module's rules. Return nothing. Must be idempotent: when the school already has
    the module's demo records (the command is run again), add nothing.

    Example::

        @hookimpl
        def houqin_demo_life(tenant, days, rng):
            from .services import notes

            if notes.count() == 0:
                for n in range(days):
                    notes.create({"body": rng.choice(["晴", "多云", "小雨"])})
    """
