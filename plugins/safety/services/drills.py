"""Emergency drills (应急演练): planned, then held and written up; and how often the school
must hold one — monthly for a school, quarterly for a kindergarten, by the 2014 national
guide as cited data a district may override — with the next one due and a period missed."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, select

from core.sdk import RuleBroken, _, acting_name, current_tenant, db, get_or_404

from ..models import EVACUATIONS, Drill
from ..regulations import rules
from . import stored_photo, today


def get(drill_id: uuid.UUID) -> Drill:
    return get_or_404(Drill, drill_id, "drill_id")


def listed():
    return select(Drill).order_by(Drill.planned_on.desc(), Drill.id.desc())


def plan(data: dict, held: bool = False) -> Drill:
    """Plan a drill (``held``: one held already, being recorded; any day before today)."""
    if not held and data["planned_on"] < today() - timedelta(days=366):
        raise RuleBroken(_("more than a year ago: record a past drill as held"), "planned_on")
    scope = data["scope"].strip()
    if not scope:
        raise RuleBroken(_("who takes part: the whole school, a building, a grade"), "scope")
    drill = Drill(kind=data["kind"], planned_on=data["planned_on"], scope=scope,
                  planned_by=acting_name())
    db.session.add(drill)
    db.session.flush()
    return drill


def record(drill: Drill, data: dict, photo: tuple[str, bytes] | None = None) -> Drill:
    """Write up a drill as held: the day, who took part, the evacuation time, how it went."""
    if drill.held_on is not None:
        raise RuleBroken(_("this drill was written up already"), "drill_id", status=409)
    held = data["held_on"]
    if held > today():
        raise RuleBroken(_("a day in the future"), "held_on")
    if not data.get("evaluation", "").strip():
        raise RuleBroken(_("how it went"), "evaluation")
    if photo is not None:
        drill.photo_id = stored_photo(photo, "safety.drill")
    drill.held_on, drill.participants = held, data["participants"]
    drill.evacuation_seconds = data.get("evacuation_seconds")
    drill.evaluation = data["evaluation"].strip()
    drill.lessons = data.get("lessons", "").strip()
    drill.recorded_by = acting_name()
    return drill


# --- how often -----------------------------------------------------------------------------

def period() -> str:
    """"monthly" or "quarterly": the rule for this kind of school."""
    tenant = current_tenant()
    key = "drill_period_kindergarten" if tenant.type == "kindergarten" else "drill_period_school"
    return str(rules()[key].value)


def period_start(kind: str, day: date) -> date:
    if kind == "quarterly":
        return day.replace(month=(day.month - 1) // 3 * 3 + 1, day=1)
    return day.replace(day=1)


def period_end(kind: str, day: date) -> date:
    months = 3 if kind == "quarterly" else 1
    start = period_start(kind, day)
    month = start.month - 1 + months
    return date(start.year + month // 12, month % 12 + 1, 1) - timedelta(days=1)


@dataclass(frozen=True)
class DrillStanding:
    """Where the school stands: its period, the last drill held, the day the next one is due
    by (the end of this period, or of the next when this one has had its drill), and whether
    the last full period went without one."""

    period: str
    last_held: date | None
    next_due: date
    missed: bool
    planned: list[Drill]


def standing(on: date | None = None) -> DrillStanding:
    on = on or today()
    kind = period()
    start = period_start(kind, on)
    evacuation = Drill.kind.in_(EVACUATIONS)  # an intruder drill keeps everyone inside
    last = db.session.scalar(select(func.max(Drill.held_on)).where(Drill.held_on <= on,
                                                                   evacuation))
    done_now = last is not None and last >= start
    next_due = period_end(kind, period_end(kind, on) + timedelta(days=1)) if done_now \
        else period_end(kind, on)
    before = period_start(kind, start - timedelta(days=1))
    # The last full period is missed when no drill was held in it. A school whose first drill
    # was planned or held in this period started with it now: nothing before is counted.
    # One that has recorded none is missing the last period as far as anyone can tell.
    first = db.session.scalar(select(func.min(func.coalesce(Drill.held_on, Drill.planned_on)))
                              .where(evacuation))
    missed = (first is None or first < start) and (last is None or last < before)
    planned = list(db.session.scalars(select(Drill).where(Drill.held_on.is_(None),
                                                          Drill.planned_on >= on)
                                      .order_by(Drill.planned_on)))
    return DrillStanding(kind, last, next_due, missed, planned)
