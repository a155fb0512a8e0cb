"""The canteen's daily reminders: each area says what needs attention, and the job raises one
in-app notification per finding for the people who can act on it. Keys carry the day, so a
job that runs twice (a retry, a manual run) raises nothing twice."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from core.sdk import N_, JobContext, notify, school_today, school_zone

from .services import counts, health, hygiene, samples, stock, suppliers, tuckshop

# The kinds of reminder a school routes apart (houqin_notice_kinds): a missing food sample
# may go to the principal's group while stock past its date goes to the storekeeper's.
FOOD_SAFETY = "canteen.food_safety"  # samples, hygiene records
STOCK = "canteen.stock"  # food lots and tuck-shop batches past their date
CERTIFICATES = "canteen.certificates"  # suppliers' and kitchen staff's certificates lapsing
COUNTS = "canteen.counts"  # classes' meal counts not reported before the cut-off


@dataclass(frozen=True)
class Finding:
    key: str
    permission: str
    message: str  # an untranslated msgid, marked with N_
    params: dict[str, Any]
    endpoint: str
    endpoint_args: dict[str, Any] = field(default_factory=dict)
    user_id: int | None = None  # only this person, when set
    kind: str = "canteen.food_safety"  # the notice kind a school routes (NOTICE_KINDS)


def _samples(today: date, now: datetime) -> Iterable[Finding]:
    yesterday = today - timedelta(days=1)
    register = samples.sample_day(yesterday, now)
    if register["missing"]:
        yield Finding(f"canteen:samples-missing:{yesterday}", "canteen.samples.write",
                      N_("%(count)s dishes served on %(day)s have no retained sample"),
                      {"count": len(register["missing"]), "day": yesterday.isoformat()},
                      "canteen_pages.samples", {"day": yesterday.isoformat()})
    if register["overdue"]:
        yield Finding(f"canteen:samples-overdue:{today}", "canteen.samples.write",
                      N_("%(count)s retained samples are due for disposal"),
                      {"count": len(register["overdue"])},
                      "canteen_pages.samples", {"day": today.isoformat()})


def _counts(today: date, now: datetime) -> Iterable[Finding]:
    """Before the cut-off: each head teacher about their class, the kitchen about them all."""
    if now >= counts.cutoff_at(today):
        return
    missing = list(dict.fromkeys(school_class for school_class, _slot in counts.unreported(today)))
    closes = counts.cutoff_at(today).astimezone(school_zone()).strftime("%H:%M")
    for school_class in missing:
        if school_class.head_teacher_user_id is None:
            continue
        yield Finding(f"canteen:counts-unreported:{today}:{school_class.id}",
                      "canteen.counts.report",
                      N_("%(class)s: report today's meal counts by %(time)s"),
                      {"class": school_class.title, "time": closes},
                      "canteen_pages.report_counts", {"day": today.isoformat()},
                      user_id=school_class.head_teacher_user_id, kind=COUNTS)
    if missing:
        yield Finding(f"canteen:counts-unreported:{today}", "canteen.counts.manage",
                      N_("%(count)s classes have not reported today's meal counts (closes at "
                         "%(time)s)"), {"count": len(missing), "time": closes},
                      "canteen_pages.count_totals", {"day": today.isoformat()}, kind=COUNTS)


def _certificates(today: date, now: datetime) -> Iterable[Finding]:
    """Suppliers' and kitchen staff's certificates on the day they enter a warning horizon
    (30 and 7 days by default), so each horizon is reminded once."""
    for expiring, horizon in suppliers.certificate_warnings(today):
        yield Finding(f"canteen:supplier-certificate:{expiring.certificate.id}:{horizon}",
                      "canteen.suppliers.manage",
                      N_("A certificate of %(supplier)s lapses on %(day)s"),
                      {"supplier": expiring.supplier.name,
                       "day": expiring.certificate.valid_until.isoformat()},
                      "canteen_pages.supplier", {"supplier_id": str(expiring.supplier.id)},
                      kind=CERTIFICATES)
    horizons = health.warning_days()
    for state in health.expiring_health_certificates(today, max(horizons)):
        horizon = min(h for h in horizons if state.days_left <= h)
        yield Finding(f"canteen:health-certificate:{state.certificate.id}:{horizon}",
                      "canteen.health.write",
                      N_("The health certificate of %(name)s expires on %(day)s"),
                      {"name": state.worker.staff.name,
                       "day": state.certificate.valid_until.isoformat()},
                      "canteen_pages.kitchen_staff", kind=CERTIFICATES)


def _expired_goods(today: date, now: datetime) -> Iterable[Finding]:
    expired = stock.expired_on_hand(today)
    if expired:
        yield Finding(f"canteen:stock-expired:{today}", "canteen.stock.write",
                      N_("%(count)s food lots in stock are past their expiry date"),
                      {"count": len(expired)}, "canteen_pages.stock", kind=STOCK)
    shelf = tuckshop.expired_batches(today)
    if shelf:
        yield Finding(f"canteen:tuck-shop-expired:{today}", "canteen.tuckshop.manage",
                      N_("%(count)s expired tuck-shop batches are still on the shelf"),
                      {"count": len(shelf)}, "canteen_pages.tuck_shop_expired", kind=STOCK)


def _hygiene(today: date, now: datetime) -> Iterable[Finding]:
    yesterday = today - timedelta(days=1)
    day = hygiene.coverage(yesterday, yesterday)[0]
    if day.missing:
        yield Finding(f"canteen:hygiene-missing:{yesterday}", "canteen.hygiene.write",
                      N_("Hygiene records are missing for %(day)s"),
                      {"day": yesterday.isoformat()}, "canteen_pages.hygiene_logs",
                      {"day": yesterday.isoformat()})


# Each area's reminders: (today, now) -> findings.
REMINDERS: list[Callable[[date, datetime], Iterable[Finding]]] = [
    _samples, _counts, _certificates, _expired_goods, _hygiene]


def findings(today: date, now: datetime) -> list[Finding]:
    return [found for reminder in REMINDERS for found in reminder(today, now)]


def raise_all(found: list[Finding], ctx: JobContext | None = None) -> None:
    for number, finding in enumerate(found, start=1):
        notify(finding.key, finding.permission, finding.message, finding.params,
               source="canteen", endpoint=finding.endpoint, endpoint_args=finding.endpoint_args,
               user_id=finding.user_id, kind=finding.kind)
        if ctx is not None:
            ctx.progress(number, len(found), finding.key)


def daily_reminders(ctx: JobContext) -> int:
    """Raise today's canteen reminders for the school the job runs for."""
    found = findings(school_today(), datetime.now(UTC))
    raise_all(found, ctx)
    return len(found)
