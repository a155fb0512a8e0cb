"""The canteen and food-safety module (食堂与食品安全). Suits every kind of school.

It keeps a school canteen's food-safety records and daily work. It imports nothing of core
but ``core.sdk``, keeps its domain rules in ``services``, one schema per resource in
``schemas``, its own migrations branch and its own translations. The guide is
``docs/canteen.md``.

Area map: every layer (``models``, ``schemas``, ``services``, ``api``, ``views``,
``templates/canteen``) is a package with one module an area, named alike in each layer:

- ``menus``, ``dish_photos``: the dish library (ingredients, allergens, a photo) and the menus;
- ``samples``: retained samples (留样), at least 125 g, kept 48 hours;
- ``counts``: meal counts (报餐) by class before the cut-off, versioned;
- ``fees``: price tiers and meal plans; ``houqin_fee_charges`` below bills them;
- ``suppliers``: suppliers and their certificates (索证索票);
- ``receiving``: deliveries inspected by two people (进货查验), voided never deleted;
- ``stock``, ``stock_out``, ``stock_counts``, ``stock_cost``: food stock on an append-only
  ledger, issued first-expiry-first-out, counted (盘点) and costed per eater;
- ``health``: kitchen workers, their health certificates and the morning check (晨检);
- ``hygiene``: disinfection, pest control, waste handovers, accompanied meals (陪餐);
- ``tuckshop``, ``tuckshop_sales``: the tuck shop (小卖部), never selling expired goods;
- ``report``: the daily food-safety report (食安日报), read from all of the above.

Beside the layers: this module (the manifest and every hook), ``jobs`` (the 07:30 daily
reminders), ``exports`` (each area's .xlsx register), ``charts`` with ``services/trends``,
``regulations.toml`` and ``regulations`` (the cited rules as data), ``audit_labels``,
``demo`` (a demo school's canteen), ``migrations`` and ``translations``.
"""

import uuid
from dataclasses import replace
from pathlib import Path

from core.sdk import (
    NavEntry,
    NoticeKind,
    Permission,
    PluginManifest,
    Role,
    Schedule,
    SearchHit,
    Widget,
    _l,
    hookimpl,
    school_today,
)

from .audit_labels import AUDIT_FIELDS, AUDIT_LABELS, AUDIT_VALUES

manifest = PluginManifest(
    name="canteen",
    version="0.1.0",
    title=_l("Canteen"),
    core=">=0.1,<1",
    migrations=Path(__file__).with_name("migrations"),
    audit_labels=AUDIT_LABELS,
    audit_fields=AUDIT_FIELDS,
    audit_values=AUDIT_VALUES,
)

KITCHEN = frozenset({Role.SCHOOL_ADMIN, Role.LOGISTICS_DIRECTOR, Role.CANTEEN_MANAGER})
BILLING = KITCHEN | {Role.FINANCE_CLERK}


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
        Permission("canteen.counts.report", _l("Report meal counts for the classes one heads"),
                   KITCHEN | {Role.CLASS_TEACHER}),
        Permission("canteen.counts.manage", _l("Report meal counts for any class and the staff"),
                   KITCHEN),
        Permission("canteen.counts.late", _l("Change meal counts after the cut-off"), KITCHEN),
        Permission("canteen.fees.read", _l("See students' meal price tiers and meal fees"),
                   BILLING | {Role.DISTRICT_ADMIN}, read_only=True),
        Permission("canteen.fees.manage", _l("Set students' meal price tiers"), BILLING),
        Permission("canteen.suppliers.manage",
                   _l("Keep the suppliers and their certificates"), KITCHEN),
        Permission("canteen.receiving.write", _l("Record deliveries as inspected"), KITCHEN),
        Permission("canteen.receiving.void", _l("Void a delivery record, saying why"),
                   {Role.SCHOOL_ADMIN, Role.LOGISTICS_DIRECTOR}),
        Permission("canteen.stock.write", _l("Stock food in by hand, issue and discard it"),
                   KITCHEN),
        Permission("canteen.stock.count", _l("Count the food stock and record the differences"),
                   KITCHEN),
        Permission("canteen.tuckshop.sell", _l("Sell at the tuck shop"), KITCHEN),
        Permission("canteen.tuckshop.manage",
                   _l("Keep the tuck shop's products and stock, remove expired goods, void "
                      "sales"), KITCHEN),
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
    # One group, right after the school's registers: the kitchen's day starts here.
    return [replace(entry, group=manifest.title, group_order=30) for entry in [
        NavEntry(_l("Food-safety report"), "canteen_pages.daily_report", "canteen.read",
                 order=29),
        NavEntry(_l("Menus"), "canteen_pages.menu", "canteen.read", order=30),
        NavEntry(_l("Dishes"), "canteen_pages.dishes", "canteen.read", order=31),
        NavEntry(_l("Samples"), "canteen_pages.samples", "canteen.read", order=32),
        NavEntry(_l("Meal counts"), "canteen_pages.report_counts", "canteen.counts.report",
                 order=33),
        NavEntry(_l("Kitchen totals"), "canteen_pages.count_totals", "canteen.read", order=34),
        NavEntry(_l("Meal plans"), "canteen_pages.meal_plans", "canteen.fees.read", order=35),
        NavEntry(_l("Suppliers"), "canteen_pages.suppliers", "canteen.read", order=36),
        NavEntry(_l("Deliveries"), "canteen_pages.deliveries", "canteen.read", order=37),
        NavEntry(_l("Food stock"), "canteen_pages.stock", "canteen.read", order=38),
        *_tuck_shop_navigation(),
        NavEntry(_l("Morning checks"), "canteen_pages.morning_checks", "canteen.read", order=40),
        NavEntry(_l("Kitchen staff"), "canteen_pages.kitchen_staff", "canteen.read", order=41),
        NavEntry(_l("Hygiene"), "canteen_pages.hygiene_logs", "canteen.read", order=42),
    ]]


def _tuck_shop_navigation() -> list[NavEntry]:
    from .services.tuckshop import is_open

    return [NavEntry(_l("Tuck shop"), "canteen_pages.tuck_shop", "canteen.read", order=39)
            ] if is_open() else []


@hookimpl(optionalhook=True)
def houqin_fee_charges(term_id: uuid.UUID, student_ids: list[uuid.UUID]) -> list[dict]:
    """The canteen's lines for the term's bills of these students (the fees module's
    charge-source hook; optional, so the canteen loads without the fees module).

    Called with the school in context. Returns one dict per bill line::

        {"student_id": UUID, "source": "canteen", "code": str, "description": str,
         "quantity": int, "unit_price_fen": int, "amount_fen": int, "per_absent_day": True}

    Every line is by the school day (``per_absent_day``): where absence refunds are on, the
    fee module gives the meals back for each absent school day, less the subsidies per day.

    - ``meals.<tier>``: the school days of the term that fall within the student's meal
      plan (the whole term unless ``meals_from``/``meals_until`` say otherwise; a student no
      longer enrolled is charged only up to a ``meals_until`` on record) at the daily price of
      the student's tier (full, reduced, free, staff; full unless set), a school setting in
      fen (``meal_prices_fen``; free is always 0).
    - ``subsidy.<code>``: each subsidy of the ``subsidies`` setting that the student's tier
      receives, as its own line with a negative unit price and amount (days × fen_per_day),
      cut so that the student's lines never total below zero.

    ``description`` is in the language of the caller's request or job. Nothing is returned
    while the school has not switched ``meal_fees`` on; ids of no student of this school
    give no line; an unknown term raises ``RuleBroken`` (404, field ``term_id``).
    """
    from .services.fees import fee_charges

    return fee_charges(term_id, student_ids)


@hookimpl
def houqin_export_tenant_data(tenant):
    from . import models as m

    # Every canteen table of the school, the tuck shop's too (its data is kept while it is off).
    return {
        "canteen_accompanied_meals": m.AccompaniedMeal, "canteen_certificates": m.Certificate,
        "canteen_deliveries": m.Delivery, "canteen_delivery_items": m.DeliveryItem,
        "canteen_dishes": m.Dish, "canteen_dish_ingredients": m.DishIngredient,
        "canteen_disinfections": m.Disinfection,
        "canteen_health_certificates": m.HealthCertificate,
        "canteen_kitchen_workers": m.KitchenWorker, "canteen_meal_counts": m.MealCount,
        "canteen_meal_plans": m.MealPlan, "canteen_menu_items": m.MenuItem,
        "canteen_morning_checks": m.MorningCheck,
        "canteen_morning_check_amendments": m.MorningCheckAmendment,
        "canteen_pest_controls": m.PestControl, "canteen_samples": m.Sample,
        "canteen_stock_counts": m.StockCount, "canteen_stock_count_lines": m.StockCountLine,
        "canteen_stock_lots": m.StockLot, "canteen_stock_movements": m.StockMovement,
        "canteen_suppliers": m.Supplier, "canteen_tuck_batches": m.TuckBatch,
        "canteen_tuck_products": m.TuckProduct, "canteen_tuck_removals": m.TuckRemoval,
        "canteen_tuck_sales": m.TuckSale, "canteen_tuck_sale_draws": m.TuckSaleDraw,
        "canteen_waste_handovers": m.WasteHandover,
    }


@hookimpl
def houqin_schedules():
    from .jobs import daily_reminders

    # Early, so class teachers are reminded of the day's meal counts before the usual cut-off.
    return [Schedule("canteen.daily_reminders", daily_reminders, "30 7 * * *",
                     "raise the canteen's reminders for the day")]


def _menu_widgets() -> list[Widget]:
    """For the people the kitchen's records are not for (guardians, class teachers): today's
    meals, and the way to this week's and next week's menu."""
    from datetime import timedelta

    from .models import SLOT_TITLES
    from .services import menus

    day = school_today()
    served: dict[str, list[str]] = {}
    for item, dish in menus.menu(day, day):
        served.setdefault(item.slot, []).append(dish.name)
    meals = [(str(SLOT_TITLES.get(slot, slot)), served[slot])
             for slot in SLOT_TITLES if slot in served]
    return [Widget(_l("Today's meals"), "canteen/_menu_widget.html", "core.school.read",
                   order=25, data={"day": day, "meals": meals,
                                   "next_week": day + timedelta(days=7 - day.weekday())})]


@hookimpl
def houqin_dashboard_widgets(tenant, principal):
    widgets = []
    if "canteen.read" in principal.permissions:
        widgets.append(_report_widget(principal))
    if "canteen.counts.report" in principal.permissions \
            and "canteen.counts.manage" not in principal.permissions:
        widgets += _counts_widget(principal)
    if "canteen.read" not in principal.permissions:
        widgets += _menu_widgets()
    return widgets


def _report_widget(principal) -> Widget:
    """Today's food-safety report: what is recorded and what is still missing (samples,
    morning checks…), the day's work of whoever keeps those records."""
    from datetime import UTC, datetime

    from core.sdk import audit, get_locale

    from . import charts
    from .services import report

    def summary() -> dict:
        found = report.daily_report(day, datetime.now(UTC))
        return {"status": found.status, "title": report.STATUS_TITLES[found.status],
                # Each with the page where it is put right, so the list is a way in.
                "missing": [[section.key, problem] for section in found.sections
                            for problem in section.missing][:5],
                "more": max(len(found.missing) - 5, 0),
                "day": found.day.isoformat(), "chart": charts.missing_records(day, small=True)}

    # The whole report is most of the home page's cost: worked out again only after the
    # school records something (or a few minutes pass, for deadlines such as the cut-off).
    day = school_today()  # the report's words are in the reader's language
    name = f"canteen.home-report:{day.isoformat()}:{get_locale()}"
    keeps = {"canteen.samples.write", "canteen.health.write"} & principal.permissions
    return Widget(_l("Today's food-safety report"), "canteen/_report_widget.html",
                  "canteen.read", order=20, data=audit.until_changed(name, summary),
                  today=bool(keeps))


def _counts_widget(principal) -> list[Widget]:
    """A class teacher's meal counts still to report today, with the cut-off (none on a day
    without school, or for a teacher who heads no class)."""
    from datetime import UTC, datetime

    from core.sdk import school_zone

    from .models import SLOT_TITLES
    from .services import counts, is_school_day

    day = school_today()
    if not is_school_day(day):
        return []
    cells = [c for c in counts.sheet_cells(day, principal) if c["kind"] == "class"]
    if not cells:
        return []
    cutoff = counts.cutoff_at(day)
    missing = [f"{c['class_name']} {SLOT_TITLES.get(c['slot'], c['slot'])}"
               for c in cells if c["eaters"] is None]
    return [Widget(_l("Meal counts to report today"), "canteen/_counts_widget.html",
                   "canteen.counts.report", order=21, today=True, data={
                       "missing": missing, "reported": len(cells) - len(missing),
                       "cutoff": cutoff.astimezone(school_zone()).strftime("%H:%M"),
                       "closed": datetime.now(UTC) >= cutoff, "day": day.isoformat()})]


@hookimpl
def houqin_search(tenant, principal, query, limit):
    """Suppliers by name or by the start of their credit code."""
    if "canteen.read" not in principal.permissions:
        return []
    from sqlalchemy import or_, select

    from core.sdk import db

    from .models import Supplier

    rows = db.session.execute(
        select(Supplier.id, Supplier.name, Supplier.credit_code, Supplier.supplies,
               Supplier.active)
        .where(or_(Supplier.name.icontains(query, autoescape=True),
                   Supplier.credit_code.istartswith(query, autoescape=True)))
        .order_by(Supplier.active.desc(), Supplier.name).limit(limit))
    return [SearchHit("canteen.supplier", _l("Suppliers"), name, "canteen_pages.supplier",
                      "canteen.read", {"supplier_id": supplier_id},
                      " · ".join(filter(None, (code, supplies,
                                               None if active else str(_l("no longer supplies"))))),
                      kind_order=30)
            for supplier_id, name, code, supplies, active in rows]


@hookimpl
def houqin_demo_life(tenant, days, rng):
    from .demo import live

    live(tenant, days, rng)


@hookimpl
def houqin_registers():
    from .registers import REGISTERS, period_registers

    return [*REGISTERS, *period_registers()]


@hookimpl
def houqin_notice_kinds():
    """The canteen's daily reminders, by what they are about, so that a school sends each
    to whoever acts on it (a group robot, an e-mail list)."""
    from .jobs import CERTIFICATES, COUNTS, FOOD_SAFETY, STOCK

    return [NoticeKind(FOOD_SAFETY, _l("Canteen food-safety warnings (samples, hygiene)")),
            NoticeKind(STOCK, _l("Canteen stock past its expiry date")),
            NoticeKind(CERTIFICATES, _l("Canteen certificates lapsing (suppliers, "
                                        "kitchen staff's health)")),
            NoticeKind(COUNTS, _l("Canteen meal counts not reported"))]
