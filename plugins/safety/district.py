"""The district home's safety card: each school's open, late and grave hazards, the hazards
its schools reported to the district (grave ones at once, others past the school's
escalation limit) until they close, and the schools whose last drill period went without
a drill; each school's open incidents and those reported late, and the incidents sent to
the district (or late to be sent) with their deadlines — read-only through core's district
read, one query a table for all the schools, audited in each school read."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import case, func, select

from core.sdk import DistrictRef, TenantRef, Widget, db, district_read, lazy_gettext

from .models import EVACUATIONS, INCIDENT_TITLES, LEVEL_TITLES, Drill, Hazard, Incident
from .regulations import rules
from .services.drills import period_start
from .services.hazards import LATE, UNCLOSED
from .services.incidents import late_clause

PURPOSE = "open and escalated hazards, and incidents"
SHOWN = 20  # escalated hazards listed on the card, the latest first


def overview(district: DistrictRef) -> dict:
    today = datetime.now(ZoneInfo(district.timezone)).date()

    found = rules(district)
    periods = {kind: str(found[f"drill_period_{kind}"].value) for kind in ("school",
                                                                          "kindergarten")}

    now = datetime.now(UTC)
    late = late_clause(now)

    def read(schools: list[TenantRef]) -> tuple[list, list, list, list, list]:
        counts = db.session.execute(
            select(Hazard.tenant_id, func.count(),
                   func.sum(case((Hazard.status.in_(LATE) & (Hazard.deadline < today), 1),
                                 else_=0)),
                   func.sum(case((Hazard.level == "grave", 1), else_=0)))
            .where(Hazard.status.in_(UNCLOSED)).group_by(Hazard.tenant_id)).all()
        escalated = db.session.execute(
            select(Hazard.tenant_id, Hazard.place, Hazard.description, Hazard.level,
                   Hazard.deadline, Hazard.status)
            .where(Hazard.escalated_at.is_not(None), Hazard.status != "closed")
            .order_by(Hazard.escalated_at.desc()).limit(SHOWN)).all()
        held = db.session.execute(
            select(Drill.tenant_id, func.max(Drill.held_on),
                   func.min(func.coalesce(Drill.held_on, Drill.planned_on)))
            .where(Drill.kind.in_(EVACUATIONS)).group_by(Drill.tenant_id)).all()
        incident_counts = db.session.execute(
            select(Incident.tenant_id, func.sum(case((Incident.status == "open", 1), else_=0)),
                   func.sum(case((late, 1), else_=0)))
            .where((Incident.status == "open") | late).group_by(Incident.tenant_id)).all()
        # What the schools sent the district, and what they owe it past its deadline.
        sent = db.session.execute(
            select(Incident.tenant_id, Incident.occurred_at, Incident.kind, Incident.severity,
                   Incident.place, Incident.district_report, Incident.report_due_at,
                   Incident.district_reported_at, Incident.status, late)
            .where(Incident.district_reported_at.is_not(None) | late)
            .order_by(Incident.occurred_at.desc()).limit(SHOWN)).all()
        return ([tuple(r) for r in counts], [tuple(r) for r in escalated],
                [tuple(r) for r in held], [tuple(r) for r in incident_counts],
                [tuple(r) for r in sent])

    schools: dict[int, TenantRef] = {}

    def scoped(found: list[TenantRef]):
        schools.update({s.id: s for s in found})
        return read(found)

    counts, escalated, held, incident_counts, sent = district_read(
        district, PURPOSE, "safety_hazards", scoped, module="safety")
    drills = {tenant_id: (last, first) for tenant_id, last, first in held}
    missed = []
    for school in sorted(schools.values(), key=lambda s: s.name):
        kind = periods["kindergarten" if school.type == "kindergarten" else "school"]
        start = period_start(kind, today)
        before = period_start(kind, start - timedelta(days=1))
        last, first = drills.get(school.id, (None, None))
        # As on the school's own page (services.drills.standing).
        if (first is None or first < start) and (last is None or last < before):
            missed.append({"name": school.name, "last": last.isoformat() if last else None})

    def name(tenant_id: int) -> str:
        return schools[tenant_id].name if tenant_id in schools else ""

    zone = ZoneInfo(district.timezone)

    def moment(at: datetime | None) -> str | None:
        return at.astimezone(zone).strftime("%Y-%m-%d %H:%M") if at else None

    return {
        "incidents": sorted(({"name": name(t), "open": int(n or 0), "late": int(lag or 0)}
                             for t, n, lag in incident_counts),
                            key=lambda s: (-s["late"], -s["open"], s["name"])),
        "incidents_sent": [{"school": name(t), "occurred": moment(at),
                            "kind": str(INCIDENT_TITLES[kind]),
                            "severity": str(LEVEL_TITLES[severity]), "place": place,
                            "report": report, "due": moment(due), "sent": moment(sent_at),
                            "closed": status == "closed", "late": bool(is_late)}
                           for t, at, kind, severity, place, report, due, sent_at, status,
                           is_late in sent],
        "drills_missed": missed,
        "schools": sorted(({"name": name(t), "open": n, "late": int(late or 0),
                            "grave": int(grave or 0)} for t, n, late, grave in counts),
                          key=lambda s: (-s["late"], -s["grave"], s["name"])),
        "escalated": [{"school": name(t), "place": place, "description": text,
                       "level": str(LEVEL_TITLES[level]),
                       "deadline": deadline.isoformat() if deadline else None,
                       "late": bool(status in LATE and deadline and deadline < today)}
                      for t, place, text, level, deadline, status in escalated],
    }


def widget(district: DistrictRef) -> Widget:
    return Widget(lazy_gettext("Safety hazards"), "safety/_district_widget.html",
                  "core.district.read", order=40, data=overview(district))
