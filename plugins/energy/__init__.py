"""The energy module (能耗管理): water, electricity and gas meters per building, with
sub-meters; readings entered on a phone (with a photo of the dial) or imported from .xlsx;
use per day and month with cost by the school's own tiered tariff, per student and per square
metre, against the same month last year and the year's saving target; and flags for use at
night, on holidays and far above the usual day, raised as notifications. School logistics
plans put saving water and power first among their duties (杜绝长流水、长明灯).

Area map: ``models`` (meters, readings) · ``schemas`` (one per resource, and the settings) ·
``services`` (``meters``, ``readings``: the dial rules; ``usage``: interpolation, cost,
comparisons; ``flags``: leak and waste) · ``registers`` (meters and readings, imported and exported
through core's registers) · ``commands`` (``houqin energy``) · ``district`` (the district
home's comparison) · ``api``
(``/api/v1/energy``) · ``views`` (``/m/energy``) · ``charts`` · ``jobs`` (the daily flag run)
· ``exports`` · ``demo``. Imports nothing of Houqin but ``core.sdk``.
"""

from pathlib import Path

from core.sdk import (
    NavEntry,
    NoticeKind,
    Permission,
    PluginManifest,
    Role,
    Schedule,
    SearchHit,
    hookimpl,
    lazy_gettext,
)

from .audit_labels import AUDIT_FIELDS, AUDIT_LABELS, AUDIT_VALUES

manifest = PluginManifest(
    name="energy",
    version="0.1.0",
    title=lazy_gettext("Energy"),
    core=">=0.1,<1",
    migrations=Path(__file__).with_name("migrations"),
    audit_labels=AUDIT_LABELS,
    audit_fields=AUDIT_FIELDS,
    audit_values=AUDIT_VALUES,
)

READ, WRITE, MANAGE = "energy.read", "energy.readings.write", "energy.meters.manage"
HEADS = frozenset({Role.SCHOOL_ADMIN, Role.LOGISTICS_DIRECTOR})
# The asset keeper looks after the meters; a guard reads them on the night rounds.
KEEPERS = HEADS | {Role.ASSET_KEEPER}
DISTRICT = frozenset({Role.DISTRICT_ADMIN, Role.DISTRICT_INSPECTOR})


@hookimpl
def houqin_blueprints():
    from .api import blp
    from .views import bp

    return [blp, bp]


@hookimpl
def houqin_permissions():
    return [
        Permission(READ, lazy_gettext("See meters, readings, energy use and its flags"),
                   KEEPERS | {Role.FINANCE_CLERK, Role.GUARD} | DISTRICT, read_only=True),
        Permission(WRITE, lazy_gettext("Enter and import meter readings"), KEEPERS | {Role.GUARD}),
        Permission(MANAGE, lazy_gettext("Set up, replace and retire meters"), KEEPERS),
    ]


@hookimpl
def houqin_settings_schema():
    from .schemas import EnergySettingsSchema

    return EnergySettingsSchema


@hookimpl
def houqin_navigation(tenant, principal):
    group = {"group": manifest.title, "group_order": 70}
    return [
        NavEntry(lazy_gettext("Energy use"), "energy_pages.index", READ, order=70, **group),
        NavEntry(lazy_gettext("Meters"), "energy_pages.meters", READ, order=71, **group),
        NavEntry(lazy_gettext("Enter readings"), "energy_pages.reading_form", WRITE, order=72, **group),
        NavEntry(lazy_gettext("Import readings"), "energy_registers.import_readings", WRITE, order=73,
                 **group),
    ]


@hookimpl
def houqin_dashboard_widgets(tenant, principal):
    if READ not in principal.permissions:
        return []
    from .views.home import widget

    return [widget(WRITE in principal.permissions)]


@hookimpl
def houqin_search(tenant, principal, query, limit):
    """Meters by their number."""
    if READ not in principal.permissions:
        return []
    from sqlalchemy import select

    from core.sdk import db

    from .models import KIND_TITLES, Meter

    rows = db.session.execute(
        select(Meter).where(Meter.number.icontains(query, autoescape=True))
        .order_by(Meter.number).limit(limit)).scalars()
    return [SearchHit("energy.meter", lazy_gettext("Meters"), m.number, "energy_pages.meter",
                      READ, {"meter_id": m.id},
                      " · ".join(str(x) for x in (KIND_TITLES[m.kind], m.building) if x),
                      kind_order=70)
            for m in rows]


@hookimpl
def houqin_jobs():
    from .jobs import raise_flags

    return [raise_flags]


@hookimpl
def houqin_schedules():
    from .jobs import raise_flags

    # Early morning, after the night's readings and before the office opens.
    return [Schedule("energy.flags", raise_flags, "15 7 * * *",
                     "raise yesterday's leak and waste flags")]


@hookimpl
def houqin_notice_kinds():
    """The flags the morning job raises, by what they suggest: use when no one should be
    there (a tap or a light left on) apart from a day above a meter's usual."""
    from .jobs import JUMPS, LEAKS

    return [NoticeKind(LEAKS, lazy_gettext("Energy: use at night or on closed days")),
            NoticeKind(JUMPS, lazy_gettext("Energy: a day above a meter's usual"))]


@hookimpl
def houqin_export_tenant_data(tenant):
    from .exports import TABLES

    return dict(TABLES)


@hookimpl
def houqin_demo_life(tenant, days, rng):
    from .demo import live

    live(tenant, days, rng)


@hookimpl
def houqin_registers():
    from .registers import REGISTERS

    return REGISTERS


@hookimpl
def houqin_cli_group():
    from .commands import energy_group

    return energy_group


@hookimpl
def houqin_district_widgets(district, principal):
    """Last month's use per student of the district's schools, by school type, for the
    district staff who hold ``energy.read`` in its schools (outside a school a principal
    holds only ``core.district.*``, so the card goes by their district role)."""
    if not principal.district_roles & DISTRICT:
        return []
    from .district import widget

    return [widget(district)]
