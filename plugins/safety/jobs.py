"""The safety module's daily job: chase the hazards past their deadline."""

from __future__ import annotations

from datetime import datetime

from core.sdk import N_, JobContext, is_school_day, notify, people, school_zone

from .services import (
    district_checklists,
    drills,
    equipment,
    hazards,
    incidents,
    pickup,
    rounds,
    settings,
    today,
    visitors,
)

EQUIPMENT_DUE = "safety.equipment"  # the notice kind of equipment falling due
DRILLS_DUE = "safety.drills"  # the notice kind of drills due or missed
ROUNDS_DUE = "safety.rounds"  # the notice kind of rounds due today


def chase_late(ctx: JobContext) -> int:
    """Tell the director of each late hazard and report those later than the school's limit
    to the district; tell whoever checks the fire equipment what is due. Core's scheduler
    runs it for every school with the module on; run twice in a day (retried), it updates the
    same notices and escalates nothing twice."""
    late, _escalated = hazards.chase_late()
    remind_equipment()
    remind_drills()
    district_checklists.receive()
    remind_rounds()
    return late


def remind_drills() -> None:
    """Tell whoever plans drills when the last period went without one, and when the next is
    due within a week with none planned."""
    standing = drills.standing()
    if standing.missed:
        notify(f"safety:drill-missed:{standing.next_due}", "safety.drills.manage",
               N_("The last period went without an evacuation drill; the next is due by %(day)s"),
               {"day": standing.next_due.isoformat()}, source="safety",
               endpoint="safety_pages.drills", kind=DRILLS_DUE)
    elif (standing.next_due - today()).days <= 7 and not any(
            d.planned_on <= standing.next_due for d in standing.planned):
        notify(f"safety:drill-due:{standing.next_due}", "safety.drills.manage",
               N_("An evacuation drill is due by %(day)s and none is planned"),
               {"day": standing.next_due.isoformat()}, source="safety",
               endpoint="safety_pages.drills", kind=DRILLS_DUE)


def remind_rounds() -> None:
    """Tell each round's walker of the rounds due today (the schedules, the rounds started and
    the checklists read once for the school); a round with nobody named, or whose walker has
    no login, goes to everyone who walks rounds."""
    due = rounds.due_today()
    titles = rounds.titles_of(d.schedule.checklist_id for d in due)
    for d in due:
        user_id = d.schedule.assignee_id and people.user_of_staff(d.schedule.assignee_id)
        notify(f"safety:round-due:{d.schedule.id}:{d.day}", "safety.rounds.do",
               N_("A safety round is due today: %(title)s at %(place)s"),
               {"title": titles.get(d.schedule.checklist_id, ""), "place": d.schedule.place},
               source="safety", endpoint="safety_pages.rounds", user_id=user_id or None,
               kind=ROUNDS_DUE)


def remind_equipment() -> None:
    """One notice a school for the checks due this period and one for service or scrapping
    due this month, updated as the figures change (none while nothing is due)."""
    due = equipment.falling_due()
    checks, month = due["check"], due["month"]
    if checks:
        notify(f"safety:equipment-checks:{today():%Y-%m}", "safety.equipment.check",
               N_("%(count)s pieces of fire equipment are due for their check"),
               {"count": len(checks)}, source="safety", endpoint="safety_pages.equipment",
               endpoint_args={"due": "check"}, kind=EQUIPMENT_DUE)
    if month:
        notify(f"safety:equipment-service:{today():%Y-%m}", "safety.equipment.manage",
               N_("%(count)s extinguishers are due for service or scrapping this month"),
               {"count": len(month)}, source="safety", endpoint="safety_pages.equipment",
               endpoint_args={"due": "month"}, kind=EQUIPMENT_DUE)


def children_waiting(ctx: JobContext) -> int:
    """On a school day, tell each class teacher which of their children nobody has picked up
    yet, and the heads of the school how many are waiting in all."""
    if not is_school_day(today()):
        return 0
    waiting = [c for c in pickup.today_list() if c.picked_up is None]
    by_class: dict = {}
    for child in waiting:
        by_class.setdefault(child.student.class_id, []).append(child)
    heads = {c.id: c.head_teacher_user_id for c in pickup.in_scope()}
    for class_id, children in by_class.items():
        if heads.get(class_id):
            notify(f"safety:waiting:{today()}:{class_id}", "safety.read",
                   N_("Not picked up yet in %(class)s: %(children)s"),
                   {"class": children[0].class_title,
                    "children": "、".join(c.student.name for c in children)},
                   source="safety", endpoint="safety_pages.pickup",
                   endpoint_args={"class_id": str(class_id)}, user_id=heads[class_id],
                   kind=pickup.PICKUP)
    if waiting:
        notify(f"safety:waiting:{today()}", "safety.hazards.manage",
               N_("%(count)s children are not picked up yet"), {"count": len(waiting)},
               source="safety", endpoint="safety_pages.pickup", kind=pickup.PICKUP)
    return len(waiting)


def incidents_late(ctx: JobContext) -> int:
    """Flag the incidents whose report to the district is past its deadline and unsent, and
    tell the director: one query finds them, one statement marks them, once each."""
    return incidents.chase_late()


def duty_starting(ctx: JobContext) -> int:
    """Every hour: tell each person whose shift starts soon, once a shift."""
    from .services import duty

    return duty.remind_starting()


def duty_missed(ctx: JobContext) -> int:
    """In the morning: tell the heads which patrol points last night's watch missed."""
    from .services import duty

    return duty.tell_missed()


def still_inside(ctx: JobContext) -> int:
    return tell_still_inside(datetime.now(school_zone()))


def tell_still_inside(now: datetime) -> int:
    """At the hour the school set (``now`` on its clock), tell the gate and the heads who has
    been checked in and not out — one query, one notice; nothing until the hour is set."""
    hour = settings().get("gate_report_hour")
    if hour is None or now.hour != hour:
        return 0
    inside = visitors.on_campus()
    if inside:
        notify(f"safety:gate-inside:{today()}", "safety.gate.record",
               N_("%(count)s people are still on campus: %(names)s"),
               {"count": len(inside), "names": "、".join(v.name for v in inside[:20])},
               source="safety", endpoint="safety_pages.gate", kind=visitors.GATE)
    return len(inside)
