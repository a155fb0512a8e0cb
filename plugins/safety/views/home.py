"""The school home's safety card."""

from __future__ import annotations

from sqlalchemy import func, select

from core.sdk import Widget, db, lazy_gettext

from ..models import LEVEL_TITLES, LEVELS, Hazard
from ..services import equipment, rounds, today
from ..services.hazards import LATE, UNCLOSED


def widget(manager: bool, reporter: bool) -> Widget:
    """Unclosed hazards by level, how many are late and how many wait for verification, and
    the fire equipment due for a check, a service or scrapping; the day's work (``today``)
    of whoever manages hazards while any is late or waits for them."""
    counts = dict(db.session.execute(select(Hazard.level, func.count())
                                     .where(Hazard.status.in_(UNCLOSED))
                                     .group_by(Hazard.level)).all())
    late = db.session.scalar(select(func.count()).select_from(Hazard).where(
        Hazard.status.in_(LATE), Hazard.deadline < today())) or 0
    fixed = db.session.scalar(select(func.count()).select_from(Hazard).where(
        Hazard.status == "fixed")) or 0
    due = equipment.falling_due()
    return Widget(lazy_gettext("Safety"), "safety/_widget.html", "safety.read", order=40, data={
        "levels": [{"title": str(LEVEL_TITLES[level]), "count": counts.get(level, 0)}
                   for level in LEVELS],
        "late": late, "fixed": fixed, "reporter": reporter,
        "checks_due": len(due["check"]), "service_due": len(due["month"]),
        "rounds_due": len(rounds.due_today())},
        today=manager and bool(late or fixed))
