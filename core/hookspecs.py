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

    import click
    from flask import Blueprint
    from marshmallow import Schema

    from core.auth import Principal
    from core.jobs.registry import Schedule
    from core.permissions import Permission
    from core.plugins.types import NavEntry, SearchHit, Widget
    from core.tenancy import DistrictRef, TenantRef
    from core.transfer.registers import Register

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
    """Return the navigation entries this person should see in this school (may be empty).

    Called with the school in context on every page a member of the school opens (the
    navigation is on every page) and on the home page, whose tiles it also fills: keep it
    cheap, a settings lookup at most. Core shows an entry only to whoever holds its
    permission, grouped by ``NavEntry.group`` (the module's title when an entry names none)
    in ``group_order``, and marks the entry of the page being shown. Example::

        @hookimpl
        def houqin_navigation(tenant, principal):
            return [NavEntry(_l("Notes"), "notes_pages.index", "notes.read",
                             group=_l("Notes"), group_order=60, order=1)]
    """


@hookspec
def houqin_dashboard_widgets(tenant: TenantRef, principal: Principal) -> list[Widget]:
    """Return the school home-page widgets for this person.

    A widget that is this person's work for today says so (``Widget(..., today=True)``):
    the home page shows those first, under "Today's work", then the rest in ``order``.
    """


@hookspec
def houqin_search(tenant: TenantRef, principal: Principal, query: str,
                  limit: int) -> list[SearchHit]:
    """Return the records of this module that match what the person typed in the search box.

    Called with the school in context (only on the modules the school has switched on) from
    the navigation's search page, ``query`` stripped and never empty (at most 100
    characters). Answer only for records this person may see (check the permission first
    and return nothing without it), at most ``limit`` hits of each kind, from a bounded,
    set-based query: a ``LIKE`` that takes the query's ``%`` and ``_`` as themselves
    (``column.icontains(query, autoescape=True)``) with ``.limit(limit)``, never a loop of
    queries. Rows are the school's own (the ORM adds the school); core drops any hit whose
    ``permission`` the person does not hold. Core answers for students, staff and rooms
    itself. Example::

        @hookimpl
        def houqin_search(tenant, principal, query, limit):
            if "notes.read" not in principal.permissions:
                return []
            rows = db.session.execute(select(Note.id, Note.title)
                                      .where(Note.title.icontains(query, autoescape=True))
                                      .order_by(Note.title).limit(limit))
            return [SearchHit("note", _l("Notes"), title, "notes_pages.note", "notes.read",
                              {"note_id": note_id}) for note_id, title in rows]
    """


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


@hookspec
def houqin_registers() -> list[Register]:
    """Return the module's registers that schools import from .xlsx/CSV and export to .xlsx.

    Called: once at start-up, on every loaded plugin. Core gives each register the people
    import's machinery under ``/m/<plugin>/registers/<name>/import`` (upload, a preview job
    with its progress bar, each bad row with its row number, column and reason, then the
    confirmed import of the good rows, all audited), a blank template sheet, and, when the
    register has ``rows``, its .xlsx under ``/m/<plugin>/registers/<name>.xlsx``; every such
    route declares the register's permission and answers 404 in a school that has the plugin
    switched off. Link them from the register's list page with
    ``{% with kind="<plugin>.<name>" %}{% include "web/_register_links.html" %}{% endwith %}``.

    Arguments:
        (none)

    Returns:
        list[Register]: each register once; its kind ``<plugin>.<name>`` at most 20
        characters; its permissions ones some plugin declares. An empty list when the plugin
        keeps no such register.

    Example::

        from core.sdk import Register, RegisterColumn, RuleBroken, cells, hookimpl

        def load(values, names):
            if values["title"] in names:
                raise RuleBroken("already kept", "title")
            names.add(values["title"])
            return values

        @hookimpl
        def houqin_registers():
            return [Register(
                name="notes", title="Notes", permission="notes.write",
                columns=(RegisterColumn("title", ("标题", "title"), cells.text, required=True,
                                        value=lambda note: note.title),),
                prepare=set, load=load, write=lambda rows: None, rows=lambda: [])]

    Implemented by: plugins/canteen/__init__.py, plugins/fees/__init__.py
    """


@hookspec
def houqin_cli_group() -> click.Group | None:
    """Return the module's ``houqin <plugin> …`` command group, or None.

    Called: at start-up (each app, so also when the ``houqin`` command creates its app), on
    every loaded plugin. Core adds the group under the plugin's name, whatever name the
    group was given, so two plugins never clash. Commands run in the app's context with no
    school: a command about one school takes ``--tenant SLUG`` and enters it with
    ``core.sdk.cli_school`` (the command as the actor), and commits its own work.

    Arguments:
        (none)

    Returns:
        click.Group | None: the group with its commands (each with a ``help`` text, shown by
        ``houqin <plugin> --help``); None when the plugin adds no command.

    Example::

        import click

        from core.sdk import hookimpl

        @click.group(help="Notes.")
        def notes_group():
            pass

        @notes_group.command("hello", help="Say hello.")
        def hello():
            click.echo("hello")

        @hookimpl
        def houqin_cli_group():
            return notes_group

    Implemented by: plugins/fees/__init__.py, tests/plugin_dist/houqin_testnotes/__init__.py
    """
