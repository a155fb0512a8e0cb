"""The canteen and food-safety module (食堂与食品安全): dishes and menus, retained samples, and
the rules they follow. Suits every kind of school.

This is the reference plugin: it imports nothing of core but ``core.sdk``, keeps its domain
rules in ``services``, one schema per resource in ``schemas``, its own migrations branch and
its own translations.
"""

from datetime import date
from pathlib import Path

from flask_babel import lazy_gettext as _l

from core.sdk import NavEntry, Permission, PluginManifest, Role, hookimpl

manifest = PluginManifest(
    name="canteen",
    version="0.1.0",
    title=_l("Canteen"),
    core=">=0.1,<1",
    migrations=Path(__file__).with_name("migrations"),
)

KITCHEN = frozenset({Role.SCHOOL_ADMIN, Role.LOGISTICS_DIRECTOR, Role.CANTEEN_MANAGER})


@hookimpl
def houqin_blueprints():
    from .api import blp
    from .views import bp

    return [blp, bp]


@hookimpl
def houqin_permissions():
    return [
        Permission("canteen.read", _l("See menus, samples and canteen records"),
                   KITCHEN | {Role.NURSE, Role.DISTRICT_ADMIN, Role.DISTRICT_INSPECTOR},
                   read_only=True),
        Permission("canteen.menu.manage", _l("Keep the dish library and the menus"), KITCHEN),
        Permission("canteen.samples.write", _l("Record and dispose of retained samples"),
                   KITCHEN),
        Permission("canteen.health.write", _l("Keep the kitchen staff, their health "
                                              "certificates and the morning checks"),
                   KITCHEN | {Role.NURSE}),
        Permission("canteen.hygiene.write", _l("Record disinfection, pest control, waste "
                                               "handovers and accompanied meals"), KITCHEN),
    ]


@hookimpl
def houqin_settings_schema():
    from .schemas import CanteenSettingsSchema

    return CanteenSettingsSchema


@hookimpl
def houqin_navigation(tenant, principal):
    return [
        NavEntry(_l("Menus"), "canteen_pages.menu", "canteen.read", order=30),
        NavEntry(_l("Dishes"), "canteen_pages.dishes", "canteen.read", order=31),
        NavEntry(_l("Samples"), "canteen_pages.samples", "canteen.read", order=32),
        NavEntry(_l("Morning checks"), "canteen_pages.morning_checks", "canteen.read", order=36),
        NavEntry(_l("Kitchen staff"), "canteen_pages.kitchen_staff", "canteen.read", order=37),
        NavEntry(_l("Hygiene"), "canteen_pages.hygiene_logs", "canteen.read", order=38),
    ]


@hookimpl
def houqin_export_tenant_data(tenant):
    from .exports import REGISTERS, sheet_rows

    everything = (date.min, date.max)
    exported = {}
    for name in REGISTERS:
        header, *rows = sheet_rows(name, *everything)
        exported[f"canteen.{name}"] = [dict(zip(header, row, strict=True)) for row in rows]
    return exported
