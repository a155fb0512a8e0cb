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
    from core.notifications.channels import ChannelKind, NoticeKind
    from core.permissions import Permission
    from core.plugins.types import NavEntry, SearchHit, Widget
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
def houqin_notification_channels() -> list[ChannelKind]:
    """Return the kinds of notification channel the plugin adds (an SMS gateway, a chat app).

    Called: once at start-up, on every loaded plugin; a school then configures channels of
    these kinds on its channels page (``core.channels.manage``) whether or not it has the
    plugin switched on, and core sends each notice routed to one in a job of its own.

    Arguments:
        (none)

    Returns:
        list[ChannelKind]: each with a unique ``name``, a translatable ``title``, the
        marshmallow schema of its settings (mark a secret field with
        ``metadata={"secret": True}``: it is shown back masked, never logged nor audited)
        and ``send(settings, message, timeout)``, which delivers one ``Message`` within
        ``timeout`` seconds or raises ``ChannelFailed`` with a reason that names no secret
        (the job system retries it, then lists it as failed); an empty list for none.

    Example::

        from flask_babel import lazy_gettext as _l
        from marshmallow import Schema, fields

        from core.sdk import ChannelKind, hookimpl, post_json

        class PagerSettings(Schema):
            address = fields.String(required=True, metadata={"secret": True})

        def send_page(settings, message, timeout):
            post_json(settings["address"], {"text": message.text}, timeout, "Pager")

        @hookimpl
        def houqin_notification_channels():
            return [ChannelKind("pager", _l("Pager"), PagerSettings, send_page)]

    Implemented by: core/notifications/robots.py (e-mail, 企业微信, 钉钉; core's own)
    """


@hookspec
def houqin_notice_kinds() -> list[NoticeKind]:
    """Return the kinds of notice the plugin raises, which a school routes to its channels.

    Called: once at start-up, on every loaded plugin. A notice's kind is the ``kind`` given
    to ``notify`` (its ``source`` when none is given); a school ticks, per channel, the
    kinds it sends there. Notices always stay in the in-app list as well.

    Arguments:
        (none)

    Returns:
        list[NoticeKind]: each with a unique ``name`` (namespaced by the plugin) and a
        translatable ``title``; an empty list when the plugin raises no notices.

    Example::

        from flask_babel import lazy_gettext as _l

        from core.sdk import NoticeKind, hookimpl

        @hookimpl
        def houqin_notice_kinds():
            return [NoticeKind("canteen", _l("Canteen reminders"))]

    Implemented by: plugins/canteen/__init__.py
    """
