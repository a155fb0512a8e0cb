"""The safety module's share of a demo school's life: hazards found over the last weeks, as
staff walking the grounds would report them, each taken as far along its way as a school's
office would have it by today — most closed, one sent back once, one waiting for
verification, one past its deadline, one just reported — through the module's own services."""

from __future__ import annotations

import random
from datetime import UTC, datetime, time, timedelta

from sqlalchemy import func, select

from core.sdk import TenantRef, db, people, school_today, school_zone

from .models import Hazard
from .services import hazards

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


def _at(day, hour: int) -> datetime:
    return datetime.combine(day, time(hour), school_zone()).astimezone(UTC)


def live(tenant: TenantRef, days: int, rng: random.Random) -> None:
    if db.session.scalar(select(func.count()).select_from(Hazard)):
        return  # the school has its hazards already
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
