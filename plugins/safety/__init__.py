"""The campus safety module (校园安全): hidden hazards found on the grounds (隐患), each given
an owner and a deadline, fixed by one person and verified by another, told to the director
when late and to the district when later still — a grave one at once; fire equipment kept
in service by GB 50444-2008's periods; emergency drills against the national guide's
frequency; and children handed over at pick-up only to the people on their list. Most of it
is used on a phone while walking the campus.

Area map: ``models`` (hazards and steps, equipment and checks, drills, pick-up) · ``schemas``
(one per resource, and the settings) · ``services`` (``hazards``: report to closure and the
chase of late ones; ``equipment``: what falls due; ``drills``: the period and what is
missed; ``pickup``: the list and the handover) · ``regulations`` (cited rules) ·
``registers`` (equipment, drills, the hazard register as .xlsx) · ``jobs`` (the morning
chase, the evening pick-up list) · ``calendar`` · ``district`` (the district home's card) ·
``api`` (``/api/v1/safety``) · ``views`` (``/m/safety``). Imports nothing of Houqin but
``core.sdk``.
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
    name="safety",
    version="0.1.0",
    title=lazy_gettext("Safety"),
    core=">=0.1,<1",
    migrations=Path(__file__).with_name("migrations"),
    audit_labels=AUDIT_LABELS,
    audit_fields=AUDIT_FIELDS,
    audit_values=AUDIT_VALUES,
)

READ, REPORT, FIX, MANAGE = ("safety.read", "safety.hazards.report", "safety.hazards.fix",
                             "safety.hazards.manage")
EQUIPMENT, CHECK = "safety.equipment.manage", "safety.equipment.check"
DRILLS = "safety.drills.manage"
PICKUP, PERMITS = "safety.pickup.record", "safety.pickup.permits"
INCIDENTS, INCIDENTS_MANAGE = "safety.incidents.report", "safety.incidents.manage"
DUTY_MANAGE, DUTY_SERVE = "safety.duty.manage", "safety.duty.serve"
GATE_READ, GATE, EXPECT = "safety.gate.read", "safety.gate.record", "safety.gate.expect"
GATE_REFUSALS, DISTRICT_REFUSALS = "safety.gate.refusals", "safety.gate.district_refusals"
ROUNDS, ROUNDS_MANAGE = "safety.rounds.do", "safety.rounds.manage"
PUBLISH = "safety.rounds.publish"
HEADS = frozenset({Role.SCHOOL_ADMIN, Role.LOGISTICS_DIRECTOR, Role.SAFETY_OFFICER})
# Everyone on the staff walks the grounds: any of them reports what they find, and whoever
# is given a hazard records its fix (the asset keeper's repairs, a teacher's classroom).
STAFF = frozenset({Role.SCHOOL_ADMIN, Role.LOGISTICS_DIRECTOR, Role.SAFETY_OFFICER, Role.GUARD,
                   Role.ASSET_KEEPER, Role.CANTEEN_MANAGER, Role.NURSE, Role.FINANCE_CLERK,
                   Role.CLASS_TEACHER})
DISTRICT = frozenset({Role.DISTRICT_ADMIN, Role.DISTRICT_INSPECTOR})


@hookimpl
def houqin_blueprints():
    from .api import blp
    from .views import bp

    return [blp, bp]


@hookimpl
def houqin_permissions():
    return [
        Permission(READ, lazy_gettext("See the hazard register"), STAFF | DISTRICT,
                   read_only=True),
        Permission(REPORT, lazy_gettext("Report a hazard"), STAFF),
        Permission(FIX, lazy_gettext("Record the fix of a hazard"), STAFF),
        Permission(MANAGE, lazy_gettext("Assign hazards and verify their fixes"), HEADS),
        # The asset keeper looks after the equipment; the guard checks it on the rounds.
        Permission(EQUIPMENT, lazy_gettext("Register fire equipment, its service and retirement"),
                   HEADS | {Role.ASSET_KEEPER}),
        Permission(CHECK, lazy_gettext("Check fire equipment"),
                   HEADS | {Role.ASSET_KEEPER, Role.GUARD}),
        Permission(DRILLS, lazy_gettext("Plan drills and write them up"), HEADS),
        # The guard at the gate and the class teacher at the classroom door hand children
        # over; the class teacher knows the family and grants a relative a permit.
        Permission(PICKUP, lazy_gettext("Hand children over at pick-up"),
                   HEADS | {Role.GUARD, Role.CLASS_TEACHER}),
        Permission(PERMITS, lazy_gettext("Grant temporary pick-up permits"),
                   HEADS | {Role.CLASS_TEACHER}),
        # Whoever is there when something happens writes it down; the heads answer for it
        # to the district and close it.
        Permission(INCIDENTS, lazy_gettext("Report incidents and add follow-ups"), STAFF),
        Permission(INCIDENTS_MANAGE,
                   lazy_gettext("Report incidents to the district and close them"), HEADS),
        # Heads draw up the duty roster; anyone on it checks in on the rounds, writes the
        # handover and asks for a swap.
        Permission(DUTY_MANAGE, lazy_gettext("Draw up the duty roster and patrol points"),
                   HEADS),
        Permission(DUTY_SERVE, lazy_gettext("Serve on duty: check in, hand over, swap"), STAFF),
        # The guard keeps the gate; the heads stand in. The district reads the log.
        Permission(GATE_READ, lazy_gettext("See the gate's visitor log and refusal list"),
                   HEADS | {Role.GUARD} | DISTRICT, read_only=True),
        Permission(GATE, lazy_gettext("Register visitors at the gate"), HEADS | {Role.GUARD}),
        Permission(EXPECT, lazy_gettext("Announce expected visitors"), STAFF),
        Permission(GATE_REFUSALS, lazy_gettext("Keep the school's refusal list at the gate"),
                   HEADS),
        # A district admin acts in any school of the district; the entry is kept where it
        # was added and matched at every school's gate.
        Permission(DISTRICT_REFUSALS, lazy_gettext("Keep the district's refusal list"),
                   frozenset({Role.DISTRICT_ADMIN})),
        # The guard walks the gate and the patrol, the asset keeper the buildings and the
        # equipment, the canteen manager the kitchen; the heads plan what is walked when.
        Permission(ROUNDS, lazy_gettext("Walk safety rounds"),
                   HEADS | {Role.GUARD, Role.ASSET_KEEPER, Role.CANTEEN_MANAGER}),
        Permission(ROUNDS_MANAGE, lazy_gettext("Keep the checklists and plan safety rounds"),
                   HEADS),
        Permission(PUBLISH, lazy_gettext("Publish checklists to the district's schools"),
                   {Role.DISTRICT_ADMIN}),
    ]


@hookimpl
def houqin_settings_schema():
    from .schemas import SafetySettingsSchema

    return SafetySettingsSchema


@hookimpl
def houqin_navigation(tenant, principal):
    group = {"group": manifest.title, "group_order": 40}
    return [
        NavEntry(lazy_gettext("Hazard register"), "safety_pages.hazards", READ, order=40, **group),
        NavEntry(lazy_gettext("Report a hazard"), "safety_pages.report_form", REPORT, order=41,
                 **group),
        NavEntry(lazy_gettext("Safety rounds"), "safety_pages.rounds", READ, order=41, **group),
        NavEntry(lazy_gettext("Fire equipment"), "safety_pages.equipment", READ, order=42, **group),
        NavEntry(lazy_gettext("Drills"), "safety_pages.drills", READ, order=43, **group),
        NavEntry(lazy_gettext("Pick-up"), "safety_pages.pickup", PICKUP, order=44, **group),
        NavEntry(lazy_gettext("Gate"), "safety_pages.gate", GATE, order=45, **group),
        NavEntry(lazy_gettext("Expected visitors"), "safety_pages.expected", EXPECT, order=46,
                 **group),
        NavEntry(lazy_gettext("Visitor log"), "safety_pages.gate_log", GATE_READ, order=47,
                 **group),
        NavEntry(lazy_gettext("Duty and night watch"), "safety_pages.duty", READ, order=48,
                 **group),
        NavEntry(lazy_gettext("Incidents"), "safety_pages.incidents", READ, order=49, **group),
        NavEntry(lazy_gettext("Weekly safety report"), "safety_pages.weekly_report", READ,
                 order=50, **group),
    ]


@hookimpl
def houqin_dashboard_widgets(tenant, principal):
    if READ not in principal.permissions:
        return []
    from .views.home import widget

    return [widget(MANAGE in principal.permissions, REPORT in principal.permissions)]


@hookimpl
def houqin_calendar_entries(tenant, principal, start, end):
    """Drills planned in the month, the day the next one is due by (late when the last
    period went without one), and who is on duty each day."""
    if READ not in principal.permissions:
        return []
    from .calendar import entries, round_entries

    return entries(start, end) + round_entries(start, end)


@hookimpl
def houqin_search(tenant, principal, query, limit):
    """Hazards by their place or what was found."""
    if READ not in principal.permissions:
        return []
    from sqlalchemy import or_, select

    from core.sdk import db

    from .models import STATUS_TITLES, Hazard

    rows = db.session.scalars(
        select(Hazard).where(or_(Hazard.place.icontains(query, autoescape=True),
                                 Hazard.description.icontains(query, autoescape=True)))
        .order_by(Hazard.found_at.desc()).limit(limit))
    return [SearchHit("safety.hazard", lazy_gettext("Hazards"), h.place, "safety_pages.hazard",
                      READ, {"hazard_id": h.id},
                      " · ".join((str(STATUS_TITLES[h.status]), h.description[:40])),
                      kind_order=40)
            for h in rows]


@hookimpl
def houqin_jobs():
    from .jobs import (
        chase_late,
        children_waiting,
        duty_missed,
        duty_starting,
        incidents_late,
        still_inside,
    )

    return [chase_late, children_waiting, incidents_late, duty_starting, duty_missed,
            still_inside]


@hookimpl
def houqin_schedules():
    from .jobs import (
        chase_late,
        children_waiting,
        duty_missed,
        duty_starting,
        incidents_late,
        still_inside,
    )

    # Before the office opens: the director starts the day knowing what is late. At 17:30
    # on the school's clock, when the last classes have gone: the children still waiting
    # (the pick-up page shows them live all day).
    return [Schedule("safety.late", chase_late, "0 7 * * *",
                     "tell the director of late hazards and the district of later ones"),
            Schedule("safety.pickup", children_waiting, "30 17 * * *",
                     "tell class teachers of children not yet picked up"),
            # Incidents are due to the district within hours: looked at every hour.
            Schedule("safety.incidents", incidents_late, "7 * * * *",
                     "flag incidents whose report to the district is late"),
            # Every hour (a job a school each time; a district has thousands): whoever's
            # shift starts within the next hour and a half. At 07:15, after the night
            # watch: the heads learn which patrol points it did not check.
            Schedule("safety.duty", duty_starting, "30 * * * *",
                     "tell people on duty that their shift starts"),
            Schedule("safety.patrol", duty_missed, "15 7 * * *",
                     "tell the heads of patrol points missed on the night watch"),
            # Hourly in the afternoon and evening: at the hour the school set (none until
            # it does), the gate and the heads hear who is still inside.
            Schedule("safety.gate", still_inside, "0 12-23 * * *",
                     "tell the gate and the heads who is still on campus")]


@hookimpl
def houqin_notice_kinds():
    """Hazards reported, given, fixed and sent back, apart from late ones and from fire
    equipment falling due."""
    from .jobs import DRILLS_DUE, EQUIPMENT_DUE, ROUNDS_DUE
    from .services.duty import DUTY
    from .services.hazards import ASSIGNED, OVERDUE
    from .services.incidents import LATE_KIND as INCIDENT_ALERTS
    from .services.pickup import PICKUP as PICKUP_ALERTS
    from .services.visitors import GATE as GATE_NOTICES

    return [NoticeKind(ASSIGNED, lazy_gettext("Safety: hazards reported, assigned and fixed")),
            NoticeKind(OVERDUE, lazy_gettext("Safety: hazards past their deadline")),
            NoticeKind(EQUIPMENT_DUE, lazy_gettext("Safety: fire equipment due for a check, "
                                                   "service or scrapping")),
            NoticeKind(DRILLS_DUE, lazy_gettext("Safety: drills due or missed")),
            NoticeKind(PICKUP_ALERTS, lazy_gettext("Safety: pick-up refused or children "
                                                   "still waiting")),
            NoticeKind(INCIDENT_ALERTS, lazy_gettext("Safety: incidents reported, and "
                                                     "reports to the district late")),
            NoticeKind(DUTY, lazy_gettext("Safety: duty starting, swaps, handovers and "
                                          "missed patrol points")),
            NoticeKind(GATE_NOTICES, lazy_gettext("Safety: visitors still on campus at the "
                                                  "end of the day")),
            NoticeKind(ROUNDS_DUE, lazy_gettext("Safety: rounds due today"))]


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
def houqin_district_widgets(district, principal):
    """The district's schools' open, late and escalated hazards, for its staff."""
    if not principal.district_roles & DISTRICT:
        return []
    from .district import widget

    return [widget(district)]
