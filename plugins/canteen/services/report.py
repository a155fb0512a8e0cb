"""The daily food-safety report (食安日报): compiled from the day's records of every area, each
section saying what was done and flagging what is missing. Nothing is stored: the report is
read from the records, so it is never out of date and cannot disagree with them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from core.sdk import lazy_gettext as _l

from .. import exports
from ..models import SLOT_TITLES, Dish, MenuItem
from ..models.suppliers import CERTIFICATE_KINDS
from . import (
    counts,
    health,
    hygiene,
    is_school_day,
    menus,
    reading_once,
    receiving,
    samples,
    stock,
    stock_cost,
    suppliers,
    tuckshop,
    tuckshop_sales,
    yuan,
)


@dataclass
class Section:
    key: str
    title: Any  # a lazy string
    facts: list[tuple[Any, Any]] = field(default_factory=list)  # (label, value) pairs
    missing: list[str] = field(default_factory=list)  # what should have been done and was not
    warnings: list[str] = field(default_factory=list)  # what needs attention soon

    @property
    def status(self) -> str:
        return "missing" if self.missing else "warning" if self.warnings else "ok"


@dataclass(frozen=True)
class ReportDay:
    day: date
    now: datetime  # what is overdue is judged at this moment
    school_day: bool
    menu: list[tuple[MenuItem, Dish]] = field(default_factory=list, compare=False, repr=False)

    @property
    def meal_day(self) -> bool:
        """A meal was on the menu."""
        return bool(self.menu)


@dataclass
class Report:
    of: ReportDay
    sections: list[Section]

    @property
    def day(self) -> date:
        return self.of.day

    @property
    def missing(self) -> list[str]:
        return [problem for section in self.sections for problem in section.missing]

    @property
    def status(self) -> str:
        statuses = {section.status for section in self.sections}
        return next((s for s in ("missing", "warning") if s in statuses), "ok")


def _samples_section(of: ReportDay) -> Section:
    register = samples.sample_day(of.day, of.now, served=of.menu)
    section = Section("samples", _l("Menu and retained samples"))
    served_slots = sorted({item.slot for item, _dish in register["served"]})
    for slot in served_slots:
        dishes = [dish.name for item, dish in register["served"] if item.slot == slot]
        section.facts.append((SLOT_TITLES[slot], "、".join(dishes)))
    section.facts.append((_l("Samples taken"), len(register["samples"])))
    for item, dish in register["missing"]:
        section.missing.append(str(_l("no sample of %(dish)s (%(meal)s)", dish=dish.name,
                                      meal=SLOT_TITLES[item.slot])))
    if register["overdue"]:
        section.warnings.append(str(_l("%(count)s samples are due for disposal",
                                       count=len(register["overdue"]))))
    return section


def _counts_section(of: ReportDay) -> Section:
    section = Section("counts", _l("Meal counts"))
    closed = of.now >= counts.cutoff_at(of.day)
    for meal in counts.totals(of.day):
        if not meal.classes and meal.staff is None and not meal.unreported:
            continue
        section.facts.append((SLOT_TITLES.get(meal.slot, meal.slot),
                              _l("%(students)s students, %(staff)s staff, %(total)s in all",
                                 students=meal.students,
                                 staff=meal.staff.eaters if meal.staff else 0,
                                 total=meal.total)))
        if meal.unreported:
            problem = str(_l("%(meal)s: no count from %(classes)s",
                             meal=SLOT_TITLES.get(meal.slot, meal.slot),
                             classes="、".join(c.title for c in meal.unreported)))
            (section.missing if closed else section.warnings).append(problem)
    return section


def _health_section(of: ReportDay) -> Section:
    section = Section("health", _l("Kitchen staff and morning checks"))
    checks = health.day_checks(of.day)
    if not checks.workers:
        return section
    section.facts.append((_l("Checked"), _l("%(checked)s of %(workers)s",
                                            checked=len(checks.checked),
                                            workers=len(checks.workers))))
    if checks.off_work:
        section.facts.append((_l("Off work"), "、".join(w.worker.staff.name
                                                          for w in checks.off_work)))
    if of.school_day or of.meal_day:
        section.missing += [str(_l("no morning check of %(name)s", name=w.worker.staff.name))
                            for w in checks.missing]
    section.missing += [str(_l("%(name)s has no valid health certificate",
                               name=w.worker.staff.name)) for w in checks.without_certificate]
    horizon = max(health.warning_days())
    section.warnings += [str(_l("the health certificate of %(name)s expires in %(days)s days",
                                name=state.worker.staff.name, days=state.days_left))
                         for state in checks.expiring_certificates(horizon)]
    return section


def _hygiene_section(of: ReportDay) -> Section:
    section = Section("hygiene", _l("Hygiene"))
    day = hygiene.coverage(of.day, of.day)[0]
    titles = {"accompanied_meal": _l("Accompanied meal"), "disinfection": _l("Disinfection")}
    for kind, slots in (("accompanied_meal", day.accompanied), ("disinfection",
                                                                 day.disinfected)):
        if slots:
            section.facts.append((titles[kind], "、".join(str(SLOT_TITLES.get(s, s))
                                                         for s in slots)))
    section.missing += [str(_l("no record: %(what)s", what=titles[kind]))
                        for kind in day.missing]
    return section


def _supply_section(of: ReportDay) -> Section:
    section = Section("supply", _l("Deliveries and suppliers"))
    delivered = [(delivery, supplier) for delivery, supplier
                 in receiving.named_deliveries(of.day, of.day) if delivery.voided_at is None]
    for delivery, supplier in delivered:
        rejected = [item for item in delivery.items if item.result != "accepted"]
        section.facts.append((supplier,
                              _l("%(items)s items, %(yuan)s yuan, %(rejected)s rejected",
                                 items=len(delivery.items), yuan=yuan(delivery.total_fen),
                                 rejected=len(rejected))))
    watch = suppliers.supplier_watch(of.day)
    section.warnings += [str(_l("the %(kind)s of %(supplier)s lapses in %(days)s days",
                                kind=CERTIFICATE_KINDS.get(expiring.certificate.kind, ""),
                                supplier=expiring.supplier.name, days=expiring.days_left))
                         for expiring, _horizon in watch.warnings]
    section.warnings += [str(_l("%(supplier)s may not deliver: %(why)s",
                                supplier=standing.supplier.name,
                                why="；".join(standing.problems)))
                         for standing in watch.expired]
    return section


def _stock_section(of: ReportDay) -> Section:
    section = Section("stock", _l("Food stock and cost"))
    cost = stock_cost.food_cost(of.day, of.day, counts.eaters_by_day(of.day, of.day))
    if cost["cost_fen"]:
        section.facts.append((_l("Food issued"), _l("%(yuan)s yuan", yuan=yuan(
            cost["cost_fen"]))))
        if cost["per_eater_fen"] is not None:
            section.facts.append((_l("Per meal eaten"), _l("%(yuan)s yuan", yuan=yuan(
                cost["per_eater_fen"]))))
    expired, expiring = stock.expiry_watch(of.day, stock.warning_days())
    section.missing += [str(_l("%(food)s (batch %(batch)s) expired on %(day)s and is still "
                               "in stock", food=lot.food, batch=lot.batch or "—",
                               day=lot.expiry_date.isoformat())) for lot in expired]
    section.warnings += [str(_l("%(food)s (batch %(batch)s) expires on %(day)s", food=lot.food,
                                batch=lot.batch or "—", day=lot.expiry_date.isoformat()))
                         for lot in expiring]
    return section


def _tuck_shop_section(of: ReportDay) -> Section:
    section = Section("tuck_shop", _l("Tuck shop"))
    if not tuckshop.is_open():
        return section
    taken = tuckshop_sales.takings(of.day)
    section.facts.append((_l("Takings"), _l("%(yuan)s yuan", yuan=yuan(taken["takings_fen"]))))
    section.missing += [str(_l("%(product)s expired on %(day)s and is still on the shelf",
                               product=product.name, day=batch.expires_on.isoformat()))
                        for batch, product in tuckshop.expired_batches(of.day)]
    return section


# Each area's section of the report, in the order they are printed.
SECTIONS: list[Callable[[ReportDay], Section]] = [
    _counts_section, _samples_section, _health_section, _hygiene_section, _supply_section,
    _stock_section, _tuck_shop_section]


def daily_report(day: date, now: datetime) -> Report:
    """The report of ``day`` at the school in context, as of ``now`` (for what is overdue)."""
    # Every section asks for the settings, several for the calendar: read them once; the
    # day's menu too, for the samples and to know whether it was a meal day.
    with reading_once():
        of = ReportDay(day, now, is_school_day(day), menus.menu(day, day))
        return Report(of, [build(of) for build in SECTIONS])


def reports_between(start: date, end: date, now: datetime) -> list[Report]:
    """One report a day from ``start`` to ``end``, both included."""
    with reading_once():
        return [daily_report(start + timedelta(days=n), now)
                for n in range((end - start).days + 1)]


def month_reports(first: date, now: datetime) -> list[Report]:
    """One report a day for the month that holds ``first``."""
    start = first.replace(day=1)
    return reports_between(start, (start + timedelta(days=32)).replace(day=1) - timedelta(days=1),
                           now)


STATUS_TITLES = {"ok": _l("complete"), "warning": _l("needs attention"),
                 "missing": _l("records missing")}


exports.register(exports.Register(
    "daily_reports", _l("Daily food-safety reports"),
    (exports.Column(_l("Day"), lambda r: r.day),
     exports.Column(_l("School day"), lambda r: str(_l("yes") if r.of.school_day else _l("no"))),
     exports.Column(_l("Status"), lambda r: STATUS_TITLES[r.status]),
     exports.Column(_l("Missing"), lambda r: r.missing),
     exports.Column(_l("Needs attention"),
                    lambda r: [w for section in r.sections for w in section.warnings]),
     exports.Column(_l("Records"), lambda r: [f"{label}: {value}" for section in r.sections
                                              for label, value in section.facts])),
    lambda start, end: reports_between(start, end, datetime.now(UTC)), derived=True))
