"""Meal counts (报餐): class teachers report how many of their class will eat each meal by
the school's cut-off; after it, only the canteen office changes a count. Every count has a
version, so that two people changing one count cannot overwrite each other unseen."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy import func, select

from core.sdk import Principal, RuleBroken, _, db, first_writer, people, require_tenant
from core.sdk import lazy_gettext as _l

from .. import exports
from ..models import SLOT_TITLES, MealCount
from ..models.counts import STAFF
from . import check_slot, is_school_day, school_zone, settings

REPORT = "canteen.counts.report"  # report for the classes one heads
MANAGE = "canteen.counts.manage"  # report for any class, and the staff's meals
LATE = "canteen.counts.late"  # change a count after the cut-off


def cutoff_at(day: date) -> datetime:
    """When the counts of ``day`` close: the school's cut-off time on the day itself."""
    clock = time.fromisoformat(settings().get("count_cutoff", "09:00"))
    moment = datetime.combine(day, clock, tzinfo=school_zone())
    if moment.utcoffset().total_seconds() % 60:
        # Before standard time (Shanghai before 1901) a zone's offset has seconds, which a
        # date-time in the API (RFC 3339) cannot write: the same moment in UTC can.
        moment = moment.astimezone(UTC)
    return moment


def may_report(school_class: people.ClassRef, principal: Principal) -> bool:
    """The canteen office reports for every class; a teacher for the classes they head (their
    login is on the head teacher's staff record)."""
    return MANAGE in principal.permissions or school_class.head_teacher_user_id == principal.user_id


def reportable_classes(principal: Principal) -> list[people.ClassRef]:
    return [c for c in people.classes() if may_report(c, principal)]


def get_count(count_id: uuid.UUID) -> MealCount:
    count = db.session.scalar(select(MealCount).where(MealCount.id == count_id))
    if count is None:
        raise RuleBroken(_("no such meal count in this school"), "count_id", status=404)
    return count


def counts_of(day: date) -> list[MealCount]:
    require_tenant()
    return list(db.session.scalars(select(MealCount).where(MealCount.day == day)
                                   .order_by(MealCount.slot, MealCount.unit)))


def class_titles(counts: list[MealCount]) -> dict[uuid.UUID, str]:
    """What each counted class is called, graduated ones included."""
    ids = {c.class_id for c in counts if c.class_id is not None}
    return {c.id: c.title for c in people.classes(ids, active=False)} if ids else {}


# --- reporting -----------------------------------------------------------------------------


def _class_to_report(class_id: uuid.UUID, principal: Principal) -> people.ClassRef:
    found = people.classes([class_id])
    if not found:
        raise RuleBroken(_("no such class in this school, or it has graduated"), "class_id")
    if not may_report(found[0], principal):
        raise RuleBroken(_("only the class's head teacher or the canteen office reports "
                           "for %(name)s", name=found[0].title), "class_id", status=403)
    return found[0]


def _check_open(day: date, principal: Principal, now: datetime) -> bool:
    """Whether the change comes after the cut-off (then it needs the canteen office)."""
    closes = cutoff_at(day)
    late = now >= closes
    if late and LATE not in principal.permissions:
        raise RuleBroken(_("counts for %(day)s closed at %(time)s; ask the canteen manager to "
                           "change one", day=day.isoformat(),
                           time=closes.strftime("%H:%M")), "day", status=403)
    return late


def _check_roster(school_class: people.ClassRef, eaters: int) -> None:
    enrolled = people.enrolled_by_class().get(school_class.id, 0)
    if eaters > enrolled:
        raise RuleBroken(_("%(name)s has %(n)s students enrolled", name=school_class.title,
                           n=enrolled), "eaters")


def _stale(count: MealCount) -> RuleBroken:
    return RuleBroken(_("changed meanwhile by %(who)s to %(eaters)s (version %(version)s); "
                        "check it and send that version", who=count.reported_by,
                        eaters=count.eaters, version=count.version), "version", status=409)


def _find(day: date, slot: str, unit: str) -> MealCount | None:
    return db.session.scalar(select(MealCount).where(
        MealCount.day == day, MealCount.slot == slot, MealCount.unit == unit))


def _write(count: MealCount, eaters: int, principal: Principal, now: datetime,
           late: bool) -> None:
    """Save the change in a savepoint: if someone else saved this count first (a new count
    both created, or a version that moved under us), nothing is written and the caller
    hears 409 with the value that won."""
    meal = (count.day, count.slot, count.unit)

    def change() -> None:
        count.eaters, count.reported_by, count.reported_at, count.late = (
            eaters, principal.name[:50], now, late)
        db.session.add(count)

    first_writer(change, field="version", winner=lambda: _refuse_stale(meal))


def _refuse_stale(meal: tuple[date, str, str]) -> None:
    db.session.expire_all()
    if (winner := _find(*meal)) is not None:
        raise _stale(winner)


def report_count(data: dict[str, Any], principal: Principal,
                 now: datetime) -> tuple[MealCount, list[str]]:
    """Report (or correct) a class's or the staff's count for one meal.

    ``data["version"]`` is the version the reporter saw (0: none reported yet); another is
    refused with 409 naming the newer value. Refused too: a meal the school does not serve,
    a class the person does not head (unless canteen office), a change after the cut-off
    without ``canteen.counts.late``, more eaters than the class has students enrolled. A day
    that is no school day is accepted with a warning.
    """
    require_tenant()
    day, slot = data["day"], data["slot"]
    check_slot(slot)
    if data.get("kind") == STAFF:
        if MANAGE not in principal.permissions:
            raise RuleBroken(_("the canteen office counts the staff's meals"), "kind",
                             status=403)
        school_class, unit = None, STAFF
    else:
        school_class = _class_to_report(data["class_id"], principal)
        unit = str(school_class.id)
    late = _check_open(day, principal, now)
    if school_class is not None:
        _check_roster(school_class, data["eaters"])
    count = _find(day, slot, unit)
    if count is None:
        if data.get("version", 0) != 0:
            raise RuleBroken(_("no count is reported yet; send version 0"), "version", 409)
        count = MealCount(day=day, slot=slot, unit=unit,
                          class_id=school_class.id if school_class else None)
    elif data.get("version", 0) != count.version:
        raise _stale(count)
    _write(count, data["eaters"], principal, now, late)
    warnings = [] if is_school_day(day) else [
        _("%(day)s is not a school day in the calendar", day=day.isoformat())]
    return count, warnings


def change_count(count_id: uuid.UUID, eaters: int, version: int, principal: Principal,
                 now: datetime) -> MealCount:
    """Change a count already reported, under the same rules as reporting it."""
    count = get_count(count_id)
    data = {"day": count.day, "slot": count.slot, "eaters": eaters, "version": version,
            "kind": count.kind, "class_id": count.class_id}
    return report_count(data, principal, now)[0]


def sheet_cells(day: date, principal: Principal) -> list[dict[str, Any]]:
    """What this person reports on ``day``: for each class they may report for (then the
    staff, for the canteen office) and each meal served, the count so far and its version
    (0: none yet), with the class's enrolment, the most it may report."""
    classes: list[people.ClassRef | None] = list(reportable_classes(principal))
    if MANAGE in principal.permissions:
        classes.append(None)  # the staff's meals
    enrolled = people.enrolled_by_class()
    found = {(count.unit, count.slot): count for count in counts_of(day)}
    cells = []
    for school_class in classes:
        unit = str(school_class.id) if school_class else STAFF
        for slot in settings()["meal_slots"]:
            count = found.get((unit, slot))
            cells.append({
                "kind": "class" if school_class else STAFF, "slot": slot,
                "class_id": school_class.id if school_class else None,
                "class_name": school_class.title if school_class else None,
                "enrolled": enrolled.get(school_class.id, 0) if school_class else None,
                "count_id": count.id if count else None,
                "eaters": count.eaters if count else None,
                "version": count.version if count else 0})
    return cells


# --- what the kitchen and the reminders read -----------------------------------------------


@dataclass(frozen=True, slots=True)
class Counted:
    """A count's values as the kitchen reads them (``get_count`` gives the row to change)."""

    slot: str
    class_id: uuid.UUID | None  # None: the staff's meals
    eaters: int
    version: int
    reported_by: str
    reported_at: datetime
    late: bool


def _counted(day: date) -> list[Counted]:
    # Values, not MealCount instances: a large school has thousands of counts a day.
    return [Counted(*row) for row in db.session.execute(
        select(MealCount.slot, MealCount.class_id, MealCount.eaters, MealCount.version,
               MealCount.reported_by, MealCount.reported_at, MealCount.late)
        .where(MealCount.day == day).order_by(MealCount.slot, MealCount.unit))]


@dataclass
class Meal:
    """One meal of a day as the kitchen sees it."""

    slot: str
    classes: list[tuple[people.ClassRef | None, Counted]] = field(default_factory=list)
    staff: Counted | None = None
    unreported: list[people.ClassRef] = field(default_factory=list)

    @property
    def students(self) -> int:
        return sum(count.eaters for _class, count in self.classes)

    @property
    def total(self) -> int:
        return self.students + (self.staff.eaters if self.staff else 0)


def totals(day: date) -> list[Meal]:
    """Each meal the school serves on ``day`` (and any other meal counted that day): the
    students by class, the staff, and the classes that have not reported. A day that is no
    school day expects no count."""
    require_tenant()
    expected = people.classes() if is_school_day(day) else []
    counts = _counted(day)
    titled = {c.id: c for c in expected}
    # Only a counted class that is not expected (graduated since, or a day off) is read apart.
    others = {c.class_id for c in counts if c.class_id and c.class_id not in titled}
    if others:
        titled |= {c.id: c for c in people.classes(others, active=False)}
    served = settings()["meal_slots"]
    meals = {slot: Meal(slot) for slot in served}
    for count in counts:
        meal = meals.setdefault(count.slot, Meal(count.slot))
        if count.class_id is None:
            meal.staff = count
        else:
            meal.classes.append((titled.get(count.class_id), count))
    order = {c.id: n for n, c in enumerate(expected)}
    for meal in meals.values():
        meal.classes.sort(key=lambda pair: order.get(pair[1].class_id, len(order)))
        reported = {count.class_id for _class, count in meal.classes}
        meal.unreported = [c for c in expected if c.id not in reported and meal.slot in served]
    return list(meals.values())


def unreported(day: date) -> list[tuple[people.ClassRef, str]]:
    """The classes and meals of ``day`` still without a count, meal by meal: what the daily
    reminder tells the head teachers about (``ClassRef.head_teacher_user_id``). Empty on a
    day that is no school day."""
    return [(school_class, meal.slot) for meal in totals(day) for school_class in meal.unreported]


def meals_by_day(start: date, end: date) -> dict[date, dict[str, int]]:
    """Everyone counted (students and staff) for each meal of each day from ``start`` to
    ``end``; days without a count are absent."""
    require_tenant()
    found: dict[date, dict[str, int]] = {}
    for day, slot, eaters in db.session.execute(
            select(MealCount.day, MealCount.slot, func.sum(MealCount.eaters))
            .where(MealCount.day >= start, MealCount.day <= end)
            .group_by(MealCount.day, MealCount.slot)):
        found.setdefault(day, {})[slot] = int(eaters)
    return found


def eaters_by_day(start: date, end: date) -> dict[date, int]:
    """Meals eaten each day from ``start`` to ``end``, students and staff together (one who
    eats breakfast and lunch counts twice): the divisor of the food cost per eater. Days
    without a count are absent."""
    return {day: sum(slots.values()) for day, slots in meals_by_day(start, end).items()}


def _counts_between(start: date, end: date) -> list[tuple[MealCount, str]]:
    counts = list(db.session.scalars(select(MealCount).where(
        MealCount.day >= start, MealCount.day <= end)
        .order_by(MealCount.day, MealCount.slot, MealCount.unit)))
    titles = class_titles(counts)
    return [(c, titles.get(c.class_id, "") if c.class_id else str(_("Staff"))) for c in counts]


exports.register(exports.Register(
    "counts", _l("Meal counts"),
    (exports.Column(_l("Day"), lambda r: r[0].day),
     exports.Column(_l("Meal"), lambda r: SLOT_TITLES.get(r[0].slot, r[0].slot)),
     exports.Column(_l("Class"), lambda r: r[1]),
     exports.Column(_l("Eaters"), lambda r: r[0].eaters),
     exports.Column(_l("Reported by"), lambda r: r[0].reported_by),
     exports.Column(_l("Reported at"), lambda r: r[0].reported_at),
     exports.Column(_l("After the cut-off"), lambda r: _("yes") if r[0].late else ""),
     exports.Column(_l("Version"), lambda r: r[0].version)),
    _counts_between))
