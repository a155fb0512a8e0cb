"""The fee module (收费管理): the fee catalogue and its public notice, term bills with lines
from other modules, the append-only ledger, payments with gapless receipts, refunds, the
settlement of held fees and kindergarten absence refunds. Suits every kind of school.

Money is integer fen (分) throughout; the ledger is append-only and ``services.ledger``
proves bills, ledger, payments, receipts and refunds agree. It declares two hooks for other
modules (``hookspecs``): the charge source (the canteen answers with meal fees) and online
payment providers. The guide is ``docs/fees.md``.

Area map: every layer (``models``, ``schemas``, ``services``, ``api``, ``views``,
``templates/fees``) is a package with one module an area, named alike where a layer has it:

- ``catalogue``: fee items (draft → approved → published → retired) and the public notices
  (收费公示) that publish them;
- ``billing`` (with ``services/bills``, ``bills_at_once``, ``bill_search``,
  ``concessions``): term bills written by billing runs in a job, their lines (other modules'
  through ``houqin_fee_charges``), discounts and waivers (减免) and voluntary choices;
- ``ledger``: the append-only ledger, balances and the reconciliation;
- ``payments`` (with ``services/receipts``): payments and gapless receipts, printed A5;
- ``online``: online payments through other modules' providers;
- ``refunds`` (with ``services/settlements``): refunds, and held fees settled (多退少不补);
- ``absences``: kindergarten absences and the refunds they earn;
- ``family``: what a guardian sees of their own children's bills;
- ``reports`` (with ``services/takings``, ``summary``, ``trends``): collection, arrears,
  daily and monthly takings (日清, 月结), the term summary; ``views/documents``: printed
  notices and receipts.

Beside the layers: this module (the manifest and every hook), ``hookspecs`` (the hooks it
declares), ``jobs`` (the billing run, as a job), ``exports`` (the .xlsx reports), ``charts``,
``regulations.toml`` and ``regulations`` (the absence-refund rule as cited data),
``audit_labels``, ``demo``, ``migrations`` and ``translations``.
"""

from dataclasses import replace
from pathlib import Path

from core.sdk import NavEntry, Permission, PluginManifest, Role, SearchHit, Widget, hookimpl
from core.sdk import lazy_gettext as _l

from . import hookspecs
from .audit_labels import AUDIT_FIELDS, AUDIT_LABELS, AUDIT_VALUES

manifest = PluginManifest(
    name="fees",
    version="0.1.0",
    title=_l("Fees"),
    core=">=0.1,<1",
    hookspecs=hookspecs,
    migrations=Path(__file__).with_name("migrations"),
    audit_labels=AUDIT_LABELS,
    audit_fields=AUDIT_FIELDS,
    audit_values=AUDIT_VALUES,
)

OFFICE = frozenset({Role.SCHOOL_ADMIN, Role.LOGISTICS_DIRECTOR, Role.FINANCE_CLERK})
HEADS = frozenset({Role.SCHOOL_ADMIN, Role.LOGISTICS_DIRECTOR})
# Without it, whoever records absences (a class teacher) does so for the classes they head.
ANY_CLASS = "fees.absences.any_class"
DISTRICT = frozenset({Role.DISTRICT_ADMIN, Role.DISTRICT_INSPECTOR})


@hookimpl
def houqin_blueprints():
    from .api import blp
    from .views import bp

    return [blp, bp]


@hookimpl
def houqin_permissions():
    return [
        Permission("fees.read", _l("See the fee catalogue, bills, payments and fee reports"),
                   OFFICE | DISTRICT, read_only=True),
        Permission("fees.catalogue.manage", _l("Draft fee items"), OFFICE),
        Permission("fees.catalogue.approve",
                   _l("Approve fee items and publish the fee notice"), HEADS),
        Permission("fees.billing.run", _l("Bill a term and issue the bills"), OFFICE),
        Permission("fees.concessions.manage",
                   _l("Grant discounts and waivers, record voluntary choices"), OFFICE),
        Permission("fees.payments.record", _l("Record payments and print receipts"), OFFICE),
        Permission("fees.payments.void", _l("Void a payment and its receipt, saying why"),
                   HEADS),
        Permission("fees.online.pay", _l("Pay a bill online: the office any bill, guardians "
                                         "their own children's"), OFFICE | {Role.GUARDIAN}),
        Permission("fees.adjust", _l("Adjust issued bills and write off arrears"), HEADS),
        Permission("fees.refunds.manage",
                   _l("Settle held fees, work out absence refunds and pay refunds out"), OFFICE),
        Permission("fees.absences.write", _l("Record children's absences"),
                   OFFICE | {Role.CLASS_TEACHER, Role.NURSE}),
        Permission(ANY_CLASS, _l("Record absences in every class, not only the classes one "
                                 "heads"), OFFICE | {Role.NURSE}),
        Permission("fees.class.read", _l("See the bills of the classes one heads"),
                   {Role.CLASS_TEACHER}, read_only=True),
        Permission("fees.own.read", _l("See one's own children's bills and receipts"),
                   {Role.GUARDIAN}, read_only=True),
    ]


@hookimpl
def houqin_settings_schema():
    from .schemas import FeesSettingsSchema

    return FeesSettingsSchema


@hookimpl
def houqin_navigation(tenant, principal):
    # One group, after the canteen's: fees come up by the term, meals every day.
    return [replace(entry, group=manifest.title, group_order=50) for entry in [
        # the catalogue and its notice (orders 50–52)
        NavEntry(_l("Fee items"), "fees_pages.fee_items", "fees.read", order=50),
        NavEntry(_l("Fee notice"), "fees_pages.fee_notices", "fees.read", order=51),
        NavEntry(_l("Fee notice"), "fees_pages.public_fee_notices", "fees.own.read", order=52),
        *_billing_navigation(),
        *_payments_navigation(),
        *_refunds_navigation(),
        *_reports_navigation(),
    ]]


def _refunds_navigation() -> list[NavEntry]:
    """Settlements and refunds; absences only where absence refunds are on (kindergartens)."""
    from .services import settings

    entries = [
        NavEntry(_l("Held-fee settlements"), "fees_pages.settlements_page", "fees.read",
                 order=59),
        NavEntry(_l("Refund list"), "fees_pages.refunds_page", "fees.read", order=60),
    ]
    if settings()["absence_refunds"]:
        entries.append(NavEntry(_l("Absences"), "fees_pages.absences_page",
                                "fees.absences.write", order=61))
    return entries


def _payments_navigation() -> list[NavEntry]:
    return [NavEntry(_l("Payments"), "fees_pages.payments", "fees.read", order=56)]


def _reports_navigation() -> list[NavEntry]:
    return [
        NavEntry(_l("Fee reports"), "fees_pages.reports_index", "fees.read", order=62),
        NavEntry(_l("Daily takings"), "fees_pages.daily_takings", "fees.read", order=63),
        NavEntry(_l("My classes' fees"), "fees_pages.class_fees", "fees.class.read", order=64),
        NavEntry(_l("My children's fees"), "fees_pages.my_fees", "fees.own.read", order=65),
    ]


@hookimpl
def houqin_dashboard_widgets(tenant, principal):
    from core.sdk import yuan

    from . import charts
    from .services import family, reports

    widgets = []
    if "fees.read" in principal.permissions:
        glance = reports.office_glance()
        # Today's takings and the arrears are the day's work of whoever takes payments.
        widgets.append(Widget(_l("Fees"), "fees/_widget.html", "fees.read", order=60, data={
            "kind": "office", "term": glance.term.title if glance.term else None,
            "chart": charts.arrears_by_month(glance.term.id, small=True) if glance.term else "",
            "rate": glance.rate, "outstanding": yuan(glance.outstanding),
            "today": yuan(glance.takings_today), "payments": glance.takings_count},
            today="fees.payments.record" in principal.permissions))
    if "fees.own.read" in principal.permissions:
        children = [{"name": s.child.name, "owed": yuan(s.owed) if s.owed else None}
                    for s in family.standing(principal.user_id)]
        widgets.append(Widget(_l("My children's fees"), "fees/_widget.html", "fees.own.read",
                              order=60, data={"kind": "family", "children": children}))
    return widgets


@hookimpl
def houqin_search(tenant, principal, query, limit):
    """Bills by the student's name or the start of the student's number, newest first."""
    if "fees.read" not in principal.permissions:
        return []
    from sqlalchemy import select

    from core.sdk import among, db, people, terms, yuan

    from .models import Bill

    students = {s.id: s for s in people.students_matching(query, limit)}
    if not students:
        return []
    names = {term.id: f"{term.year} {term.name}" for term in terms()}
    rows = db.session.execute(
        select(Bill.id, Bill.student_id, Bill.term_id, Bill.total_fen, Bill.status)
        .where(among(Bill.student_id, students)).order_by(Bill.generated_at.desc(), Bill.id)
        .limit(limit))

    def detail(student_id, term_id, total, status) -> str:
        shown = [students[student_id].student_no, names.get(term_id, ""),
                 f"{yuan(total)} {_l('yuan')}"]
        return " · ".join(shown + ([str(_l("draft"))] if status == "draft" else []))

    return [SearchHit("fees.bill", _l("Bills"), students[student_id].name, "fees_pages.bill",
                      "fees.read", {"bill_id": bill_id},
                      detail(student_id, term_id, total, status), kind_order=50)
            for bill_id, student_id, term_id, total, status in rows]


@hookimpl
def houqin_export_tenant_data(tenant):
    from .exports import TABLES

    return dict(TABLES)


def _billing_navigation() -> list[NavEntry]:
    return [NavEntry(_l("Bills"), "fees_pages.bills", "fees.read", order=53),
            NavEntry(_l("Bill the term"), "fees_pages.billing", "fees.billing.run", order=54),
            NavEntry(_l("Concessions"), "fees_pages.concessions", "fees.read", order=55)]


# --- billing ---------------------------------------------------------------------------------


@hookimpl
def houqin_startup(app):
    """Once per app: every loaded plugin's payment providers, checked and kept by name."""
    from .services import online

    online.collect(app)


@hookimpl
def houqin_jobs():
    from .jobs import bill_term

    return [bill_term]


@hookimpl
def houqin_demo_life(tenant, days, rng):
    from .demo import live

    live(tenant, days, rng)


# --- registers and commands -------------------------------------------------------------------


@hookimpl
def houqin_registers():
    from .registers import REGISTERS

    return REGISTERS


@hookimpl
def houqin_cli_group():
    from .commands import fees_group

    return fees_group
