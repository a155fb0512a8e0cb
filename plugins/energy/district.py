"""The district home's energy card: each school's use per student last month, by kind, with
the schools grouped by type (a kindergarten is compared with kindergartens, a junior high
with junior highs), read-only through core's district read (one query for the use of all
the schools and one for their students, audited in each school read).

A school's use in a month here is what the readings taken that month recorded on its
top-level meters (each reading's ``used``, since the reading before). It is not the school
page's day-by-day interpolation, which would need every school's readings on each side of
the month; over a month of regular rounds the two differ by at most a reading interval's
share at each end, the same for every school."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from core.sdk import DistrictRef, TenantRef, Widget, db, district_read, lazy_gettext, people

from .models import KIND_TITLES, KINDS, UNITS, Meter, Reading

PURPOSE = "energy use per student by school type"
PER_STUDENT = Decimal("0.01")


def last_month(district: DistrictRef) -> tuple[date, date]:
    """The first day of last month on the district's clock, and of this month."""
    first = datetime.now(ZoneInfo(district.timezone)).date().replace(day=1)
    return (first - timedelta(days=1)).replace(day=1), first


def _use(start: datetime, end: datetime):
    def read(schools: list[TenantRef]) -> tuple[dict, dict]:
        rows = db.session.execute(
            select(Reading.tenant_id, Meter.kind, func.sum(Reading.used))
            .join(Meter, (Meter.id == Reading.meter_id) & (Meter.tenant_id == Reading.tenant_id))
            .where(Meter.parent_id.is_(None), Reading.used.is_not(None),
                   Reading.read_at >= start, Reading.read_at < end)
            .group_by(Reading.tenant_id, Meter.kind)).all()
        used = {(tenant_id, kind): Decimal(total) for tenant_id, kind, total in rows}
        return used, people.enrolled_by_school()
    return read


def _per(used: Decimal | None, students: int) -> Decimal | None:
    if used is None or not students:
        return None
    return (used / students).quantize(PER_STUDENT, ROUND_HALF_UP)


def comparison(district: DistrictRef) -> dict:
    """Last month's use per student of each school with the module on, grouped by type: for
    each type its schools and the type's own figure (its schools' use over their students,
    counting only schools with both)."""
    first, after = last_month(district)
    zone = ZoneInfo(district.timezone)
    start, end = (datetime.combine(d, time(), zone).astimezone(UTC) for d in (first, after))
    schools: list[TenantRef] = []

    def read(found: list[TenantRef]):
        schools.extend(found)
        return _use(start, end)(found)

    used, enrolled = district_read(district, PURPOSE, "energy_readings", read, module="energy")
    types: dict[str, dict] = {}
    for school in sorted(schools, key=lambda s: (s.type, s.name)):
        group = types.setdefault(school.type, {"type": school.type, "schools": [],
                                               "totals": {k: [Decimal(0), 0] for k in KINDS}})
        students = enrolled.get(school.id, 0)
        figures = {}
        for kind in KINDS:
            amount = used.get((school.id, kind))
            figures[kind] = _per(amount, students)
            if figures[kind] is not None:
                group["totals"][kind][0] += amount
                group["totals"][kind][1] += students
        group["schools"].append({"name": school.name, "students": students, "per": figures})
    for group in types.values():
        totals = group.pop("totals")
        group["per"] = {k: _per(*totals[k]) for k in KINDS}
    return {"month": first.strftime("%Y-%m"), "types": list(types.values()),
            "kinds": [{"kind": k, "title": str(KIND_TITLES[k]), "unit": UNITS[k]}
                      for k in KINDS]}


def widget(district: DistrictRef) -> Widget:
    return Widget(lazy_gettext("Energy use per student"), "energy/_district_widget.html",
                  "core.district.read", order=70, data=comparison(district))
