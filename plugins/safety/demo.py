"""The safety module's share of a demo school's life: hazards found over the last weeks, as
staff walking the grounds would report them, each taken as far along its way as a school's
office would have it by today — most closed, one sent back once, one waiting for
verification, one past its deadline, one just reported — through the module's own services."""

from __future__ import annotations

import random
from datetime import UTC, datetime, time, timedelta

from sqlalchemy import func, select

from core.sdk import TenantRef, db, people, school_today, school_zone

from .models import Drill, Equipment, Hazard
from .services import drills, equipment, hazards, rounds

# place, what is wrong, level, how far it gets: closed, failed-then-closed, fixed, late, new
FOUND = (
    ("教学楼二楼东侧楼梯", "楼梯扶手松动", "general", "closed"),
    ("食堂后厨", "灭火器被杂物遮挡", "general", "closed"),
    ("操场单杠", "单杠立柱锈蚀，底座松动", "major", "sent back"),
    ("宿舍楼一层配电箱", "配电箱门未上锁", "general", "fixed"),
    ("实验楼三楼走廊", "应急照明灯不亮", "major", "late"),
    ("校门口", "减速带破损", "general", "new"),
)
WEEKS = 4
# number, kind, agent, capacity, years since made, place, checked every half month
EQUIPMENT = (
    ("MHQ-001", "extinguisher", "dry_powder", "4kg", 3, "教学楼一层走廊", False),
    ("MHQ-002", "extinguisher", "dry_powder", "4kg", 9, "教学楼二层走廊", False),
    ("MHQ-003", "extinguisher", "co2", "3kg", 6, "配电室", False),
    ("MHQ-004", "extinguisher", "water_based", "6L", 6, "食堂后厨", False),
    ("MHQ-005", "extinguisher", "dry_powder", "8kg", 2, "锅炉房", True),
    ("XHS-001", "hydrant", None, "", None, "教学楼一层东侧", False),
    ("YJD-001", "emergency_light", None, "", None, "教学楼楼梯口", False),
)


def _at(day, hour: int) -> datetime:
    """``hour`` o'clock on ``day`` at the school, or now if that is still to come: a demo
    generated just after midnight has today's hazard found already."""
    return min(datetime.combine(day, time(hour), school_zone()).astimezone(UTC),
               datetime.now(UTC))


def live(tenant: TenantRef, days: int, rng: random.Random) -> None:
    _equipment(rng)
    _drills(rng)
    if db.session.scalar(select(func.count()).select_from(Hazard)):
        return  # the school has its hazards already
    _rounds(rng)
    owners = people.staff(active_only=True)
    if not owners:
        return
    today = school_today()
    span = max(1, min(days, WEEKS * 7))
    for number, (place, what, level, fate) in enumerate(FOUND):
        found_on = today - timedelta(days=max(0, span - 1 - number * span // len(FOUND)))
        if fate == "new":
            found_on = today
        hazard = hazards.report({"place": place, "description": what, "level": level,
                                 "found_at": _at(found_on, 9)})
        if fate == "new":
            continue
        owner = rng.choice(owners)
        deadline = found_on + timedelta(days=3 if level == "major" else 7)
        if fate == "late":
            deadline = min(deadline, today - timedelta(days=1))
            found_on = min(found_on, deadline)
            hazard.found_at = _at(found_on, 9)
        hazards.assign(hazard, {"owner_id": owner.id, "deadline": deadline})
        if fate == "late":
            continue
        hazards.fix(hazard, {"note": "已整改"})
        if fate == "fixed":
            continue
        if fate == "sent back":
            hazards.verify(hazard, {"passed": False, "note": "仍有晃动，需更换底座"})
            hazards.fix(hazard, {"note": "更换立柱底座并除锈刷漆"})
        hazards.verify(hazard, {"passed": True, "note": "复查合格"})


def _equipment(rng: random.Random) -> None:
    """Extinguishers of several ages (one due for service, one due for scrapping soon), a
    hydrant and an emergency light; most checked last month, some this month."""
    if db.session.scalar(select(func.count()).select_from(Equipment)):
        return
    today = school_today()
    last_month = (today.replace(day=1) - timedelta(days=1)).replace(day=10)
    for number, kind, agent, capacity, years, place, listed in EQUIPMENT:
        made = equipment.create({
            "number": number, "kind": kind, "agent": agent, "capacity": capacity,
            "produced_on": today.replace(day=1, year=today.year - years) if years else None,
            "place": place, "listed_place": listed})
        made.registered_on = last_month - timedelta(days=60)
        for day in (last_month, today.replace(day=min(today.day, 5))):
            if day <= today and (day == last_month or rng.random() < 0.5):
                equipment.record_check(made, {"checked_on": day, "pressure": True, "seal": True,
                                              "hose": True, "body": True}
                                       if kind == "extinguisher" else
                                       {"checked_on": day, "works": True})


def _drills(rng: random.Random) -> None:
    """Last month's fire drill, written up, and this month's earthquake drill planned."""
    if db.session.scalar(select(func.count()).select_from(Drill)):
        return
    today = school_today()
    held_on = (today.replace(day=1) - timedelta(days=1)).replace(day=18)
    held = drills.plan({"kind": "fire", "planned_on": held_on, "scope": "全校师生"})
    drills.record(held, {"held_on": held_on, "participants": rng.randrange(400, 900),
                         "evacuation_seconds": rng.randrange(100, 170),
                         "evaluation": "各班按路线有序疏散，到达操场后清点人数无误",
                         "lessons": "三楼东侧楼梯口略有拥堵，下次错峰下楼"})
    drills.plan({"kind": "earthquake", "planned_on": today.replace(day=min(28, max(today.day, 20))),
                 "scope": "全校师生"})


def _rounds(rng: random.Random) -> None:
    """The default checklists, a daily gate round planned, the gate walked every few days over
    the last weeks (one failure that became a hazard), and today's classroom round half done."""
    from .models import SafetyRound

    if db.session.scalar(select(func.count()).select_from(SafetyRound)):
        return
    made = {c.kind: c for c in rounds.install_defaults()}
    if "gate" not in made:
        return
    today = school_today()
    rounds.plan({"checklist_id": made["gate"].id, "place": "东校门", "frequency": "daily",
                 "start_on": today - timedelta(days=WEEKS * 7)})
    for weeks_ago in range(WEEKS, 0, -1):
        walked = rounds.start({"checklist_id": made["gate"].id, "place": "东校门"})
        walked.started_at = _at(today - timedelta(days=7 * weeks_ago), 8)
        given = [{"position": a.position, "result": "pass"}
                 for a in rounds.answers([walked.id])[walked.id]]
        if weeks_ago == 2:
            given[3] = {"position": 4, "result": "fail", "note": "东侧摄像头画面模糊"}
        rounds.answer(walked, given)
        rounds.sign(walked)
        walked.done_at = _at(today - timedelta(days=7 * weeks_ago), 8)
    half = rounds.start({"checklist_id": made["classroom"].id, "place": "三年级一班"})
    rounds.answer(half, [{"position": 1, "result": "pass"}, {"position": 2, "result": "pass"}])
