"""The safety module's share of a demo school's life: hazards found over the last weeks, as
staff walking the grounds would report them, each taken as far along its way as a school's
office would have it by today — most closed, one sent back once, one waiting for
verification, one past its deadline, one just reported — through the module's own services."""

from __future__ import annotations

import random
from datetime import UTC, datetime, time, timedelta

from sqlalchemy import func, select

from core.sdk import TenantRef, db, people, school_today, school_zone

from .models import Drill, DutyShift, Equipment, Handover, Hazard, Incident, PatrolCheck, Visit
from .services import drills, duty, equipment, hazards, incidents, rounds, visitors

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
    _incidents(days)
    _duty(rng)
    _gate(days, rng)
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


def _incidents(days: int) -> None:
    """Two incidents over the last weeks: a pupil hurt at break three weeks ago, followed up
    and closed; a stranger at the south gate last week, still being handled."""
    if db.session.scalar(select(func.count()).select_from(Incident)):
        return
    today = school_today()
    span = max(2, min(days, 21))
    pupils = people.students(enrolled_only=True)[:1]
    hurt = incidents.report({
        "occurred_at": _at(today - timedelta(days=span - 1), 10), "place": "操场东侧跑道",
        "kind": "injury", "severity": "general",
        "description": "课间跑动时摔倒，左膝擦伤",
        "people": [{"student_id": p.id, "injury": "左膝擦伤"} for p in pupils],
        "injuries": "左膝皮肤擦伤，无骨折", "first_actions": "校医清洗消毒并包扎",
        "informed": "10:20 电话告知家长；10:30 报告分管校长"})
    incidents.follow_up(hurt, {"note": "家长带学生到医院复查，无骨折，次日正常返校"})
    incidents.close(hurt, {"outcome": "学生康复，家长无异议",
                           "closing_report": "已提醒体育教师课间加强跑道巡查"})
    incidents.report({
        "occurred_at": _at(today - timedelta(days=min(span - 1, 6)), 16), "place": "南门",
        "kind": "intrusion", "severity": "general",
        "description": "一名陌生男子欲尾随学生进校，被门卫拦下",
        "others": "陌生男子一名", "first_actions": "门卫拦阻并报警",
        "informed": "16:10 报告值班领导；16:15 报警110"})
PATROL_POINTS = ("东门", "西门", "教学楼一层", "配电房", "食堂后门")
NIGHTS = 3  # the last nights with check-ins


def _duty(rng: random.Random) -> None:
    """This month's roster up to today (a leader, a member of staff and a night watch each
    day, in turn) and the last three nights' rounds: every point checked but one on one
    night, each night handed over, the last handover not yet acknowledged."""
    if db.session.scalar(select(func.count()).select_from(DutyShift)):
        return
    staff = people.staff(active_only=True)
    if len(staff) < 2:
        return
    today = school_today()
    first = min(today.replace(day=1), today - timedelta(days=NIGHTS))  # nights on the 1st
    days = [first + timedelta(days=n) for n in range((today - first).days + 1)]
    cells = {}
    for n, day in enumerate(days):
        for offset, post in enumerate(("leader", "staff", "night")):
            cells[(day, post)] = [staff[(n + offset) % len(staff)].id]
    duty.place(cells)
    points = [duty.add_point({"name": name}) for name in PATROL_POINTS]
    names = {s.id: s.name for s in staff}
    nights = sorted((s for s in duty.shifts_between(today - timedelta(days=NIGHTS), today)
                     if s.post == "night" and s.day < today), key=lambda s: s.day)
    missed_night = rng.randrange(len(nights)) if nights else None
    for number, night in enumerate(nights):
        start = duty.span(night)[0]
        for place, point in enumerate(points):
            if number == missed_night and place == len(points) - 1:
                continue  # one point left unchecked one night
            at = max(start, duty.span(night)[1] - timedelta(hours=3)) + timedelta(
                minutes=10 * place + rng.randrange(5))
            db.session.add(PatrolCheck(shift_id=night.id, point_id=point.id, at=at,
                                       by=names[night.staff_id]))
        db.session.add(Handover(
            shift_id=night.id, happened="夜间巡查正常，各门已落锁", watch="东门监控画面偶有卡顿",
            written_at=duty.span(night)[1] - timedelta(minutes=30),
            written_by=names[night.staff_id],
            acknowledged_at=None if number == len(nights) - 1 else duty.span(night)[1],
            acknowledged_by="" if number == len(nights) - 1 else names[
                cells.get((night.day + timedelta(days=1), "night"), [night.staff_id])[0]]))
    db.session.flush()
# who comes to a school's gate: kind, name, organisation, reason, whom they see, plate
COMERS = (
    ("delivery", "顺丰快递员", "顺丰速运", "送快递", "传达室", ""),
    ("delivery", "刘师傅", "蔬菜配送公司", "食堂送菜", "食堂", "京B·7D321"),
    ("visitor", "张女士", "", "家长来访，找班主任", "", ""),
    ("contractor", "赵师傅", "某某维修公司", "修理锅炉", "总务处", "京C·88K12"),
    ("visitor", "周科长", "区教育局", "检查校园安全", "校长室", "京A·G0001"),
)
GATE_DAYS = 5


def _gate(days: int, rng: random.Random) -> None:
    """A few days of visitors and deliveries, each checked out the same day; today one
    visitor still on campus, one delivery announced; one entry on the refusal list."""
    if db.session.scalar(select(func.count()).select_from(Visit)):
        return
    today = school_today()
    for back in range(min(days, GATE_DAYS) - 1, 0, -1):
        day = today - timedelta(days=back)
        for kind, name, organisation, reason, host, plate in rng.sample(COMERS, 3):
            hour = rng.randrange(8, 15)
            visit = visitors.register({
                "kind": kind, "name": name, "organisation": organisation, "reason": reason,
                "host": host, "plate": plate, "id_checked": kind != "delivery",
                "companions": rng.choice((0, 0, 1)), "checked_in_at": _at(day, hour)})
            visitors.check_out(visit, {"at": _at(day, hour + 1)})
    visitors.register({"kind": "visitor", "name": "周科长", "organisation": "区教育局",
                       "reason": "检查校园安全", "host": "校长室", "plate": "京A·G0001",
                       "companions": 1, "companion_names": "李干事", "id_checked": True,
                       "checked_in_at": _at(today, 9)})
    visitors.expect({"kind": "delivery", "name": "刘师傅", "organisation": "蔬菜配送公司",
                     "reason": "食堂送菜", "host": "食堂", "plate": "京B·7D321",
                     "expected_on": today})
    visitors.refuse({"name": "钱某", "phone": "13912345678", "reason": "曾冒充家长接孩子"})
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
