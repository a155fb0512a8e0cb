"""A small module used by Houqin's tests to prove the plugin engine end to end."""

from core.sdk import (
    NavEntry,
    Permission,
    PluginManifest,
    Role,
    Schedule,
    Widget,
    db,
    hookimpl,
)

from . import hookspecs

manifest = PluginManifest(
    name="notes",
    version="0.1.0",
    title="Notes",
    core=">=0.1,<1",
    hookspecs=hookspecs,
)

STAFF = frozenset({Role.SCHOOL_ADMIN, Role.LOGISTICS_DIRECTOR, Role.CLASS_TEACHER})


@hookimpl
def houqin_blueprints():
    from .api import blp
    from .views import bp

    return [blp, bp]


@hookimpl
def houqin_permissions():
    return [
        Permission("notes.read", "Read notes", STAFF | {Role.DISTRICT_INSPECTOR}, read_only=True),
        Permission("notes.write", "Write notes", frozenset({Role.SCHOOL_ADMIN,
                                                           Role.LOGISTICS_DIRECTOR})),
    ]


@hookimpl
def houqin_settings_schema():
    from .schemas import NotesSettingsSchema

    return NotesSettingsSchema


@hookimpl
def houqin_jobs():
    from . import jobs

    return [jobs.write_items]


@hookimpl
def houqin_schedules():
    from . import jobs

    return [Schedule("notes.daily_digest", jobs.daily_digest, "0 7 * * *", "daily digest")]


@hookimpl
def houqin_navigation(tenant, principal):
    return [NavEntry("Notes", "notes_pages.index", "notes.read")]


@hookimpl
def houqin_dashboard_widgets(tenant, principal):
    from sqlalchemy import func, select

    from .models import Note

    count = db.session.scalar(select(func.count()).select_from(Note))
    return [Widget("Notes today", "notes/_widget.html", "notes.read", data={"count": count})]


@hookimpl
def houqin_district_widgets(district, principal):
    return [Widget("Notes across the district", "notes/_district_widget.html", "core.district.read",
                   data={"district": district.name})]


@hookimpl
def houqin_on_enable(tenant, settings):
    from sqlalchemy import select

    from .models import Note

    if db.session.scalar(select(Note.id).where(Note.title == settings["greeting"])) is None:
        db.session.add(Note(title=settings["greeting"], body=""))


@hookimpl
def houqin_export_tenant_data(tenant):
    from .models import Note, NoteItem

    return {"notes": Note, "note_items": NoteItem}


@hookimpl
def houqin_registers():
    from .registers import NOTES

    return [NOTES]


@hookimpl
def houqin_cli_group():
    from .commands import notes_group

    return notes_group
