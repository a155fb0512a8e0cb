"""The school home's safety card."""

from __future__ import annotations

from sqlalchemy import func, select

from core.sdk import Widget, db, lazy_gettext, utcnow

from ..models import LEVEL_TITLES, LEVELS, POST_TITLES, Hazard, Incident, Visit
from ..services import duty, equipment, rounds, today
from ..services.hazards import LATE, UNCLOSED
from ..services.incidents import late_clause


def widget(manager: bool, reporter: bool) -> Widget:
    """Unclosed hazards by level, how many are late and how many wait for verification, and
    the fire equipment due for a check, a service or scrapping, the incidents open and those
    owed to the district past their deadline; the day's work (``today``)
    of whoever manages hazards while any is late or waits for them."""
    counts = dict(db.session.execute(select(Hazard.level, func.count())
                                     .where(Hazard.status.in_(UNCLOSED))
                                     .group_by(Hazard.level)).all())
    late = db.session.scalar(select(func.count()).select_from(Hazard).where(
        Hazard.status.in_(LATE), Hazard.deadline < today())) or 0
    fixed = db.session.scalar(select(func.count()).select_from(Hazard).where(
        Hazard.status == "fixed")) or 0
    incidents_open = db.session.scalar(select(func.count()).select_from(Incident).where(
        Incident.status == "open")) or 0
    incidents_late = db.session.scalar(select(func.count()).select_from(Incident).where(
        Incident.status == "open", Incident.district_reported_at.is_(None),
        late_clause(utcnow()))) or 0
    due = equipment.falling_due()
    inside = db.session.scalar(select(func.count()).select_from(Visit).where(
        Visit.checked_in_at.is_not(None), Visit.checked_out_at.is_(None))) or 0
    return Widget(lazy_gettext("Safety"), "safety/_widget.html", "safety.read", order=40, data={
        "levels": [{"title": str(LEVEL_TITLES[level]), "count": counts.get(level, 0)}
                   for level in LEVELS],
        "late": late, "fixed": fixed, "reporter": reporter,
        "checks_due": len(due["check"]), "service_due": len(due["month"]),
        "incidents_open": incidents_open, "incidents_late": incidents_late,
        "on_duty": "；".join(f"{POST_TITLES[post]} {name}"
                            for post, name in duty.on_duty(today())),
        "on_campus": inside, "rounds_due": len(rounds.due_today())},
        today=manager and bool(late or fixed or incidents_late))
