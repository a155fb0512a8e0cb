"""Every hook core calls on a plugin, documented where it is declared.

A plugin implements hooks with ``@hookimpl`` from ``core.sdk``. Hooks that core calls while a
school is in context (a request or a job) reach only the plugins that school has enabled;
hooks called at start-up (blueprints, permissions, jobs, schedules, settings schema) reach
every loaded plugin. A hook's name and arguments are public API: change them with a
deprecation period, never a break. Plugins may declare hooks for one another by listing a
module of ``@hookspec`` functions in their manifest (``PluginManifest.hookspecs``).

Every hook's docstring has the same sections (Called, Arguments, Returns, Example,
Implemented by): ``docs/hooks.md`` is written from them by ``houqin docs hooks`` and
``tests/test_hook_reference.py`` checks that the two agree and that every Example runs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    import random
    from datetime import date

    import click
    from flask import Blueprint
    from marshmallow import Schema

    from core.auth import Principal
    from core.jobs.registry import Schedule
    from core.notifications.channels import ChannelKind, NoticeKind
    from core.permissions import Permission
    from core.plugins.engine import PluginApp
    from core.plugins.types import CalendarEntry, NavEntry, SearchHit, Widget
    from core.tenancy import DistrictRef, TenantRef
    from core.transfer.registers import Register

PROJECT = "houqin"
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


def deprecated_hookspec(since: str, instead: str, marker: pluggy.HookspecMarker = hookspec):
    """The ``@hookspec`` of a hook on its way out: pluggy warns (``DeprecationWarning``) when a
    plugin that implements it is loaded, naming the plugin's function and what to implement
    instead. ``since``: the version (of core, or of the plugin that declares the hook) that
    deprecated it; ``marker``: a plugin's own ``HookspecMarker`` when not Houqin's. Keep the
    old hook's declaration and keep calling it for at least one minor version::

        @deprecated_hookspec("0.2.0", "houqin_fee_charges")
        def houqin_fee_lines(term_id, student_ids): ...
    """
    return marker(warn_on_impl=DeprecationWarning(
        f"this hook is deprecated since {since}: implement {instead} instead"))


@hookspec
def houqin_blueprints() -> list[Blueprint]:
    """Return the plugin's blueprints: its REST API and its web pages.

    Called: once at start-up, on every loaded plugin (whichever schools switch it on).

    A ``flask_smorest.Blueprint`` is registered on the REST API (its url_prefix should start
    with ``/api/v1/<plugin name>``) and appears in the OpenAPI document; a plain Flask
    ``Blueprint`` is registered as web pages. For a school that has not enabled the plugin,
    every route of these blueprints answers 404. Every view must declare a permission
    (``@requires``) or say it is open (``@public``); the app refuses to start otherwise.

    Arguments:
        none.

    Returns:
        list[Blueprint]: the API blueprint (name ``<plugin>_api``) and the pages' blueprint
        (name ``<plugin>_pages``); an empty list for a plugin without routes.

    Example::

        from core.sdk import hookimpl

        @hookimpl
        def houqin_blueprints():
            from .api import blp
            from .views import bp

            return [blp, bp]

    Implemented by: plugins/canteen/__init__.py, plugins/fees/__init__.py
    """


@hookspec
def houqin_permissions() -> list[Permission]:
    """Return the permissions the plugin defines, with the roles that hold them by default.

    Called: once at start-up, on every loaded plugin.

    Names are namespaced by the plugin (``canteen.samples.write``). A name taken twice, an
    unknown role, or ``Role.DISTRICT_INSPECTOR`` on a permission that is not
    ``read_only=True`` stops the app at start.

    Arguments:
        none.

    Returns:
        list[Permission]: ``Permission(name, title, default_roles, read_only=False)`` each,
        ``title`` a lazy translatable string and ``default_roles`` a frozenset of ``Role``
        names.

    Example::

        from core.sdk import _l

        from core.sdk import Permission, Role, hookimpl

        @hookimpl
        def houqin_permissions():
            staff = frozenset({Role.SCHOOL_ADMIN, Role.LOGISTICS_DIRECTOR})
            return [
                Permission("notes.read", _l("Read notes"), staff | {Role.DISTRICT_INSPECTOR},
                           read_only=True),
                Permission("notes.write", _l("Write notes"), staff),
            ]

    Implemented by: plugins/canteen/__init__.py, plugins/fees/__init__.py
    """


@hookspec
def houqin_navigation(tenant: TenantRef, principal: Principal) -> list[NavEntry]:
    """Return the navigation entries this person should see in this school (may be empty).

    Called: with the school in context, only on modules the school switched on, on every
    page a member of the school opens (the navigation is on every page) and on the home
    page, whose tiles it also fills: keep it cheap, a settings lookup at most.

    Core shows an entry only to whoever holds its permission, grouped by ``NavEntry.group``
    (the module's title when an entry names none) in ``group_order``, and marks the entry
    of the page being shown.

    Arguments:
        tenant (TenantRef): the school in context.
        principal (Principal): the person signed in; ``principal.permissions`` is what they
            hold in this school.

    Returns:
        list[NavEntry]: ``NavEntry(title, endpoint, permission, icon=None, order=100,
        group=None, group_order=None)`` each; an empty list when the module has nothing
        for this person.

    Example::

        from core.sdk import _l

        from core.sdk import NavEntry, hookimpl

        @hookimpl
        def houqin_navigation(tenant, principal):
            return [NavEntry(_l("Notes"), "notes_pages.index", "notes.read",
                             group=_l("Notes"), group_order=60, order=1)]

    Implemented by: plugins/canteen/__init__.py, plugins/fees/__init__.py
    """


@hookspec
def houqin_dashboard_widgets(tenant: TenantRef, principal: Principal) -> list[Widget]:
    """Return the school home-page widgets for this person.

    Called: with the school in context, only on modules the school switched on, each time
    the school's home page is shown.

    A widget that is this person's work for today says so (``Widget(..., today=True)``):
    the home page shows those first, under "Today's work", then the rest in ``order``.
    Core shows a widget only to whoever holds its permission.

    Arguments:
        tenant (TenantRef): the school in context.
        principal (Principal): the person looking at the home page.

    Returns:
        list[Widget]: ``Widget(title, template, permission, order=100, data={}, today=False)``
        each, ``template`` rendered with the widget as ``widget``; an empty list when there
        is nothing to show.

    Example::

        from core.sdk import _l

        from core.sdk import Widget, hookimpl

        @hookimpl
        def houqin_dashboard_widgets(tenant, principal):
            if "notes.read" not in principal.permissions:
                return []
            return [Widget(_l("Notes"), "notes/_widget.html", "notes.read", order=60,
                           data={"count": 3})]

    Implemented by: plugins/canteen/__init__.py, plugins/fees/__init__.py
    """


@hookspec
def houqin_calendar_entries(tenant: TenantRef, principal: Principal, start: date,
                            end: date) -> list[CalendarEntry]:
    """Return what this module has on the school calendar from ``start`` to ``end``.

    Called: with the school in context, only on modules the school switched on, each time
    the calendar page shows a month (``start`` its first day, ``end`` its last). Core shows
    each entry in its day's cell, to whoever holds the entry's permission, linking to its
    page; an entry marked ``late`` is shown as past due.

    Return what is dated and worth seeing beside the school days: a drill planned, the next
    one due, a deadline. Read the month with a few queries, not one a day.

    Arguments:
        tenant (TenantRef): the school in context.
        principal (Principal): the person looking at the calendar.
        start (date): the month's first day.
        end (date): the month's last day.

    Returns:
        list[CalendarEntry]: ``CalendarEntry(day, title, endpoint, permission,
        endpoint_args={}, late=False)`` each, ``title`` as shown (already translated); an
        empty list when there is nothing that month.

    Example::

        from core.sdk import CalendarEntry, hookimpl

        @hookimpl
        def houqin_calendar_entries(tenant, principal, start, end):
            if "notes.read" not in principal.permissions:
                return []
            return [CalendarEntry(start, "Notes are due", "notes_pages.index", "notes.read")]

    Implemented by: plugins/safety/__init__.py
    """


@hookspec
def houqin_search(tenant: TenantRef, principal: Principal, query: str,
                  limit: int) -> list[SearchHit]:
    """Return the records of this module that match what the person typed in the search box.

    Called: with the school in context, only on modules the school switched on, from the
    navigation's search page (``GET /search?q=``).

    Answer only for records this person may see (check the permission first and return
    nothing without it), at most ``limit`` hits of each kind, from a bounded, set-based
    query: a ``LIKE`` that takes the query's ``%`` and ``_`` as themselves
    (``column.icontains(query, autoescape=True)``) with ``.limit(limit)``, never a loop of
    queries. Rows are the school's own (the ORM adds the school); core drops any hit whose
    ``permission`` the person does not hold. Core answers for students, staff and rooms
    itself.

    Arguments:
        tenant (TenantRef): the school in context.
        principal (Principal): the person searching.
        query (str): what they typed, stripped, never empty, at most 100 characters.
        limit (int): the most hits to return of each kind.

    Returns:
        list[SearchHit]: ``SearchHit(kind, kind_title, title, endpoint, permission,
        values={}, detail="", kind_order=100)`` each; an empty list when nothing matches.

    Example::

        from core.sdk import _l
        from sqlalchemy import select

        from core.sdk import SearchHit, db, hookimpl

        @hookimpl
        def houqin_search(tenant, principal, query, limit):
            from .models import Note

            if "notes.read" not in principal.permissions:
                return []
            rows = db.session.execute(select(Note.id, Note.title)
                                      .where(Note.title.icontains(query, autoescape=True))
                                      .order_by(Note.title).limit(limit))
            return [SearchHit("note", _l("Notes"), title, "notes_pages.note", "notes.read",
                              {"note_id": note_id}) for note_id, title in rows]

    Implemented by: plugins/canteen/__init__.py, plugins/fees/__init__.py
    """


@hookspec
def houqin_district_widgets(district: DistrictRef, principal: Principal) -> list[Widget]:
    """Return widgets for the district home of district staff.

    Called: in district scope, with no school in context, on the plugins that at least one
    of the district's schools has switched on, each time the district home is shown.

    A widget that reads school data must do so through ``district_scope`` (read-only,
    audited in every school it reads).

    Arguments:
        district (DistrictRef): the district whose home is shown.
        principal (Principal): the district administrator or inspector looking at it.

    Returns:
        list[Widget]: the cards for the district home; an empty list when there is
        nothing to show.

    Example::

        from core.sdk import _l

        from core.sdk import Widget, hookimpl

        @hookimpl
        def houqin_district_widgets(district, principal):
            return [Widget(_l("Notes"), "notes/_district_widget.html", "notes.read",
                           data={"district": district.slug})]

    Implemented by: tests/plugin_dist/houqin_testnotes/__init__.py
    """


@hookspec
def houqin_settings_schema() -> type[Schema] | None:
    """Return the marshmallow schema of the plugin's per-school settings.

    Called: at start-up and whenever a school's settings for the plugin are validated (on
    enabling it, on a change through the API, the settings page or a manifest).

    Core validates every settings change with it (unknown keys refused) and stores what its
    ``load`` returns, so defaults declared with ``load_default`` fill in missing keys. The
    school's settings page builds its form from the same schema.

    Arguments:
        none.

    Returns:
        type[Schema] | None: the schema class (not an instance); ``None`` for a plugin
        without settings.

    Example::

        from marshmallow import fields, validate

        from core.sdk import Schema, hookimpl

        class NotesSettings(Schema):
            greeting = fields.String(load_default="welcome",
                                     validate=validate.Length(min=1, max=100))

        @hookimpl
        def houqin_settings_schema():
            return NotesSettings

    Implemented by: plugins/canteen/__init__.py, plugins/fees/__init__.py
    """


@hookspec
def houqin_jobs() -> list[Any]:
    """Return the job functions the plugin lets core enqueue.

    Called: once at start-up, on every loaded plugin.

    A job function takes a ``JobContext`` as its first argument, then JSON values; core
    enqueues only registered functions and skips them for schools that disabled the plugin
    meanwhile. Functions of ``houqin_schedules`` are registered by their schedule.

    Arguments:
        none.

    Returns:
        list[Callable]: the job functions; an empty list when there are none.

    Example::

        from core.sdk import JobContext, hookimpl

        def tidy(ctx: JobContext, days: int) -> int:
            ctx.progress(1, 1)
            return days

        @hookimpl
        def houqin_jobs():
            return [tidy]

    Implemented by: plugins/fees/__init__.py
    """


@hookspec
def houqin_schedules() -> list[Schedule]:
    """Return the plugin's periodic jobs.

    Called: once at start-up, on every loaded plugin; each schedule then runs in a job for
    every active school that has the plugin on, at its cron time in that school's own time
    zone.

    Arguments:
        none.

    Returns:
        list[Schedule]: ``Schedule(name, func, cron, description="")`` each, ``name``
        prefixed with the plugin's name (names are unique across the deployment).

    Example::

        from core.sdk import JobContext, Schedule, hookimpl

        def daily_digest(ctx: JobContext) -> None:
            ctx.progress(1, 1)

        @hookimpl
        def houqin_schedules():
            return [Schedule("notes.daily_digest", daily_digest, "0 7 * * *", "daily digest")]

    Implemented by: plugins/canteen/__init__.py
    """


@hookspec
def houqin_on_enable(tenant: TenantRef, settings: dict[str, Any]) -> None:
    """Seed the school's data when it switches the plugin on.

    Called: with the school in context, after the plugin is enabled for that school (the
    API, the modules page, ``houqin modules enable`` or a manifest), in the same
    transaction.

    Must not run DDL: tables exist from ``houqin db upgrade``. Enabling again after a
    disable calls it again, so add only what is missing.

    Arguments:
        tenant (TenantRef): the school that switched the plugin on.
        settings (dict[str, Any]): its settings for the plugin, as the settings schema
            loaded them (defaults filled in).

    Returns:
        None: nothing.

    Example::

        from sqlalchemy import select

        from core.sdk import db, hookimpl

        @hookimpl
        def houqin_on_enable(tenant, settings):
            from .models import Note

            if db.session.scalar(select(Note.id).where(Note.title == settings["greeting"])) is None:
                db.session.add(Note(title=settings["greeting"], body=""))

    Implemented by: tests/plugin_dist/houqin_testnotes/__init__.py
    """


@hookspec
def houqin_on_disable(tenant: TenantRef) -> None:
    """Tidy up when a school switches the plugin off; keep the data.

    Called: with the school in context, after the plugin is disabled for that school, in
    the same transaction. The school's rows stay (switching the module on again finds
    them), and its routes answer 404 from now on.

    Arguments:
        tenant (TenantRef): the school that switched the plugin off.

    Returns:
        None: nothing.

    Example::

        import logging

        from core.sdk import hookimpl

        @hookimpl
        def houqin_on_disable(tenant):
            logging.getLogger("houqin.notes").info("notes switched off in %s", tenant.slug)

    Implemented by: none of the first-party modules.
    """


@hookspec
def houqin_export_tenant_data(tenant: TenantRef) -> dict[str, type]:
    """Return every school table the plugin keeps, as ``{name: model}``.

    Called: with the school in context when a school file is written
    (``houqin tenants export``) and when one is read (``houqin tenants import``), on each
    module the school has, switched on or off (a module's data is kept while it is off, and
    moves with the school).

    Each model must be a ``TenantScoped`` model; its rows go to ``tables/<plugin>/<name>.jsonl``
    in the file and come back with their ids, in an order where the rows a foreign key names
    come first. List every school table, counters and ledgers included: a table left out
    does not move, and the import cannot tell. The names are the file's, so keep them stable
    (the plugin's version, checked on import, covers a change). Before this shape, the hook
    returned lists of plain rows; such a return is warned about (``DeprecationWarning``) and
    left out of the file, since rows cannot be imported.

    Arguments:
        tenant (TenantRef): the school being written or read.

    Returns:
        dict[str, type]: ``{name: model}`` for every school table of the plugin.

    Example::

        from core.sdk import hookimpl

        @hookimpl
        def houqin_export_tenant_data(tenant):
            from .models import Note, NoteItem

            return {"notes": Note, "note_items": NoteItem}

    Implemented by: plugins/canteen/__init__.py, plugins/fees/__init__.py
    """


@hookspec
def houqin_demo_life(tenant: TenantRef, days: int, rng: random.Random) -> None:
    """Add the module's share of a demo school's life.

    Called: by ``houqin demo`` only (never on a deployment that is not a demo, see
    ``core.demo``), with the school in context, on each module the school has switched on,
    after core has written the school's term, classes, students, guardians and staff with
    their accounts (read them through ``core.sdk.people``). Core commits afterwards.

    Write the module's records of the last ``days`` days up to today (and what a school
    plans ahead, such as next week's menu) through the module's own services, as a person
    would, so the records keep the module's rules. Must be idempotent: when the school
    already has the module's demo records (the command is run again), add nothing.

    Arguments:
        tenant (TenantRef): the demo school.
        days (int): how many days of records to write, up to today.
        rng (random.Random): seeded from the demo's seed, the school and the module: draw
            every choice from it (never from ``random`` itself or the clock's seconds) so
            that the same seed gives the same records.

    Returns:
        None: nothing.

    Example::

        from core.sdk import hookimpl

        @hookimpl
        def houqin_demo_life(tenant, days, rng):
            from .services import notes

            if notes.count() == 0:
                for n in range(days):
                    notes.create({"body": rng.choice(["晴", "多云", "小雨"])})

    Implemented by: plugins/canteen/__init__.py, plugins/fees/__init__.py
    """


@hookspec
def houqin_startup(app: PluginApp) -> None:
    """Work out, once per app, what the plugin needs from the other plugins; return nothing.

    Called: at start-up, once per app, on every loaded plugin (no school in context, an app
    context is), after every plugin's blueprints, permissions and jobs are registered.

    Arguments:
        app (PluginApp): the app as a plugin sees it: ``app.config`` (read only),
            ``app.plugins`` (the loaded plugins' manifests), ``app.all_hooks()`` (hook
            callers over every loaded plugin; ``.answers("houqin_x")`` gives each answer with
            its plugin's name) and ``app.state(name)``, a dict of the plugin's own that
            ``sdk.plugin_state(name)`` returns while serving.

    Returns:
        None: keep what was worked out in ``app.state(<plugin name>)``. Raise to refuse to
        start (a contract another plugin broke), with what to do in the message.

    Example::

        from core.sdk import hookimpl

        @hookimpl
        def houqin_startup(app):
            app.state("notes")["debug"] = bool(app.config.get("DEBUG"))

    Implemented by: plugins/fees/__init__.py
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
        none.

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
        none.

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


@hookspec
def houqin_notification_channels() -> list[ChannelKind]:
    """Return the kinds of notification channel the plugin adds (an SMS gateway, a chat app).

    Called: once at start-up, on every loaded plugin; a school then configures channels of
    these kinds on its channels page (``core.channels.manage``) whether or not it has the
    plugin switched on, and core sends each notice routed to one in a job of its own.

    Arguments:
        none.

    Returns:
        list[ChannelKind]: each with a unique ``name``, a translatable ``title``, the
        marshmallow schema of its settings (mark a secret field with
        ``metadata={"secret": True}``: it is stored sealed with a key derived from the
        server's SECRET_KEY, write-only — answers and pages say only whether it is set —,
        never logged, audited nor put in a school file)
        and ``send(settings, message, timeout)``, which delivers one ``Message`` within
        ``timeout`` seconds or raises ``ChannelFailed`` with a reason that names no secret
        (the job system retries it, then lists it as failed); an empty list for none.

    Example::

        from marshmallow import Schema, fields

        from core.sdk import ChannelKind, hookimpl, post_json
        from core.sdk import _l

        class PagerSettings(Schema):
            address = fields.String(required=True, metadata={"secret": True})

        def send_page(settings, message, timeout):
            post_json(settings["address"], {"text": message.text}, timeout, "Pager")

        @hookimpl
        def houqin_notification_channels():
            return [ChannelKind("pager", _l("Pager"), PagerSettings, send_page)]

    Implemented by: none of the first-party modules (core ships e-mail, 企业微信 and 钉钉 itself).
    """


@hookspec
def houqin_notice_kinds() -> list[NoticeKind]:
    """Return the kinds of notice the plugin raises, which a school routes to its channels.

    Called: once at start-up, on every loaded plugin. A notice's kind is the ``kind`` given
    to ``notify`` (its ``source`` when none is given); a school ticks, per channel, the
    kinds it sends there, so declare one kind for each family of notices a school would
    send to different people (the canteen's food-safety warnings to the principal, its
    stock reminders to the storekeeper). Notices always stay in the in-app list as well.
    A channel that took the module's bare name (before it declared several kinds) takes
    every kind of the module.

    Arguments:
        none.

    Returns:
        list[NoticeKind]: each with a unique ``name``, the plugin's name or
        ``<plugin>.<what>`` (any other name stops the start-up), and a translatable
        ``title`` a school admin reads on the channels page; an empty list when the plugin
        raises no notices.

    Example::

        from core.sdk import NoticeKind, hookimpl, notify
        from core.sdk import _l

        @hookimpl
        def houqin_notice_kinds():
            return [NoticeKind("laundry.overdue", _l("Laundry not collected")),
                    NoticeKind("laundry.damage", _l("Laundry damaged"))]

        def remind(ctx, bag):  # a job: each notice raised with its kind
            notify(f"laundry:overdue:{bag}", "laundry.manage", "Bag %(bag)s waits",
                   {"bag": bag}, source="laundry", kind="laundry.overdue")

    Implemented by: plugins/canteen/__init__.py, plugins/energy/__init__.py
    """
