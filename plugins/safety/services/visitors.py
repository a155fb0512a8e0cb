"""The gate (门卫登记): the guard registers whoever comes in who is not staff or a pupil —
visitors, deliveries, contractors — or checks in, with one tap, a visit a member of staff
announced; checks them out; and sees who is still on campus. A person on the refusal list
(the school's, or one a district admin added for the whole district) is flagged: the guard
lets them in only by writing why, kept with the visit and audited.

No identity number is stored: the 2006 rule (登记或者验证) asks to register or verify, and
``id_checked`` records that the guard saw the card."""

from __future__ import annotations

import re
import uuid
from datetime import date, datetime

from sqlalchemy import and_, false, or_, select

from core.sdk import (
    RuleBroken,
    _,
    acting_name,
    current_district,
    db,
    district_read,
    get_or_404,
    people,
    require_tenant,
    utcnow,
)

from ..models.visitors import GateRefusal, Visit
from . import local, today

PHONE = re.compile(r"^(?:(?:\+?86)?1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$")
GATE = "safety.gate"  # the notice kind of the gate's end-of-day list
PURPOSE = "refusal list at the gate"


def phone(text: str, field: str = "phone") -> str:
    """A phone as typed, without spaces; refused naming ``field`` unless a mobile (11 digits,
    +86 allowed) or a landline with its area code; "" stays "" (none given)."""
    text = re.sub(r"[\s()]", "", text or "")
    if text and not PHONE.match(text):
        raise RuleBroken(_("not a phone number: 11 digits, or a landline with its area code"),
                         field)
    return text


def plate(text: str) -> str:
    """A plate as compared: capitals, without spaces or dots (京A·12345 → 京A12345)."""
    return re.sub(r"[\s·.\-]", "", text or "").upper()


def _host(data: dict) -> tuple[uuid.UUID | None, str]:
    staff_id = data.get("host_staff_id")
    if staff_id is None:
        return None, (data.get("host") or "").strip()
    found = people.staff([staff_id])
    if not found:
        raise RuleBroken(_("no such member of staff in this school"), "host_staff_id")
    return found[0].id, found[0].name


def _matching(name: str, tel: str, car: str, on: date):
    terms = [and_(GateRefusal.name != "", GateRefusal.name == name)] if name else []
    if tel:
        terms.append(and_(GateRefusal.phone != "", GateRefusal.phone == tel))
    if car:
        terms.append(and_(GateRefusal.plate != "", GateRefusal.plate == car))
    return (GateRefusal.lifted_at.is_(None),
            or_(GateRefusal.until.is_(None), GateRefusal.until >= on), or_(false(), *terms))


def matches(name: str, tel: str, car: str) -> list[str]:
    """The refusal list's entries this person matches (by name, phone or plate), as the guard
    reads them: the school's own, then the district's — read in the district's schools
    through core's district read, recorded in the trail of each school whose entry matched
    (a check-in matching nobody records nothing in a thousand schools)."""
    on = today()
    where = _matching(name.strip(), tel, car, on)
    found = [(r.name or r.phone or r.plate, r.reason) for r in db.session.scalars(
        select(GateRefusal).where(*where))]

    def district(_schools):
        return [tuple(r) for r in db.session.execute(
            select(GateRefusal.tenant_id, GateRefusal.name, GateRefusal.phone,
                   GateRefusal.plate, GateRefusal.reason)
            .where(GateRefusal.district_wide.is_(True), *where))]

    seen = set(found)
    for _school, who, tel_, car_, reason in district_read(
            current_district(), PURPOSE, "safety_gate_refusals", district, module="safety",
            read_from=lambda rows: {row[0] for row in rows}):
        if (who or tel_ or car_, reason) not in seen:
            found.append((who or tel_ or car_, reason))
    return [f"{who}: {reason}" for who, reason in found]


def _screen(visit: Visit, note: str) -> None:
    """Refuse someone on the refusal list unless the guard writes why they are let in; the
    entries matched and the note are kept with the visit (and so in the audit trail)."""
    found = matches(visit.name, visit.phone, visit.plate)
    if not found:
        return
    text = "; ".join(found)
    if not note.strip():
        raise RuleBroken(_("On the refusal list — %(entries)s. To let them in all the same, "
                           "write why.", entries=text), "override_note")
    visit.refusal_match, visit.override_note = text[:300], note.strip()


def _moment(at: datetime | None, field: str) -> datetime:
    now = utcnow()
    if at is None:
        return now
    if at.tzinfo is None:
        raise RuleBroken(_("give the time with its time zone"), field)
    if at > now:
        raise RuleBroken(_("a moment in the future"), field)
    return at


def register(data: dict) -> Visit:
    """Someone arriving unannounced, checked in now (or at ``checked_in_at``, registered late)."""
    name = data["name"].strip()
    if not name:
        raise RuleBroken(_("the visitor's name"), "name")
    host_id, host = _host(data)
    at = _moment(data.get("checked_in_at"), "checked_in_at")
    visit = Visit(kind=data["kind"], name=name, phone=phone(data.get("phone", "")),
                  organisation=data.get("organisation", "").strip(),
                  reason=data.get("reason", "").strip(), host_staff_id=host_id, host=host,
                  companions=data.get("companions", 0),
                  companion_names=data.get("companion_names", "").strip(),
                  plate=plate(data.get("plate", "")), id_checked=data.get("id_checked", False),
                  day=local(at).date(), checked_in_at=at, checked_in_by=acting_name())
    _screen(visit, data.get("override_note", ""))
    db.session.add(visit)
    db.session.flush()
    return visit


def expect(data: dict) -> Visit:
    """A visit a member of staff announces for a day to come (today included)."""
    name = data["name"].strip()
    if not name:
        raise RuleBroken(_("the visitor's name"), "name")
    if data["expected_on"] < today():
        raise RuleBroken(_("a day in the past"), "expected_on")
    host_id, host = _host(data)
    at = data.get("expected_at")
    visit = Visit(kind=data["kind"], name=name, phone=phone(data.get("phone", "")),
                  organisation=data.get("organisation", "").strip(),
                  reason=data.get("reason", "").strip(), host_staff_id=host_id,
                  host=host or acting_name(), companions=data.get("companions", 0),
                  plate=plate(data.get("plate", "")), day=data["expected_on"],
                  expected_on=data["expected_on"], expected_at=f"{at:%H:%M}" if at else "",
                  expected_by=acting_name())
    db.session.add(visit)
    db.session.flush()
    return visit


def get(visit_id: uuid.UUID) -> Visit:
    return get_or_404(Visit, visit_id, "visit_id")


def check_in(visit: Visit, data: dict) -> Visit:
    """Check in an announced visit, with what the guard corrected; screened as a new one."""
    if visit.checked_in_at is not None:
        raise RuleBroken(_("%(name)s was checked in already at %(at)s by %(by)s",
                           name=visit.name, at=local(visit.checked_in_at).strftime("%H:%M"),
                           by=visit.checked_in_by), "checked_in_at", status=409)
    if "phone" in data:
        visit.phone = phone(data["phone"])
    if "plate" in data:
        visit.plate = plate(data["plate"])
    for field in ("companions", "companion_names"):
        if field in data:
            setattr(visit, field, data[field])
    visit.id_checked = data.get("id_checked", False)
    _screen(visit, data.get("override_note", ""))
    now = utcnow()
    visit.checked_in_at, visit.checked_in_by, visit.day = now, acting_name(), local(now).date()
    db.session.flush()
    return visit


def check_out(visit: Visit, data: dict) -> Visit:
    """Check a visitor out, now or at ``at`` (written up late); never before they came in.
    Two guards checking out the same person: one succeeds, the other is told (409)."""
    if visit.checked_in_at is None:
        raise RuleBroken(_("%(name)s has not been checked in", name=visit.name),
                         "checked_in_at")
    if visit.checked_out_at is not None:
        raise RuleBroken(_("%(name)s was checked out already at %(at)s by %(by)s",
                           name=visit.name, at=local(visit.checked_out_at).strftime("%H:%M"),
                           by=visit.checked_out_by), "checked_out_at", status=409)
    at = _moment(data.get("at"), "at")
    if at < visit.checked_in_at:
        raise RuleBroken(_("before they were checked in"), "at")
    visit.checked_out_at, visit.checked_out_by = at, acting_name()
    db.session.flush()
    return visit


def on_campus() -> list[Visit]:
    """Everyone checked in and not out, whatever day they came."""
    return list(db.session.scalars(select(Visit).where(
        Visit.checked_in_at.is_not(None), Visit.checked_out_at.is_(None))
        .order_by(Visit.checked_in_at)))


def expected(on: date | None = None) -> list[Visit]:
    """The visits announced for the day and not yet checked in, by the time expected."""
    return list(db.session.scalars(select(Visit).where(
        Visit.expected_on == (on or today()), Visit.checked_in_at.is_(None))
        .order_by(Visit.expected_at, Visit.name)))  # "" (any time) first


def of_day(on: date) -> list[Visit]:
    return list(db.session.scalars(select(Visit).where(Visit.day == on)
                                   .order_by(Visit.checked_in_at, Visit.name)))


# --- the refusal list ----------------------------------------------------------------------

def refuse(data: dict, district_wide: bool = False) -> GateRefusal:
    """Put someone on the school's refusal list (``district_wide``: a district admin's entry,
    matched by every school of the district). A name, a phone or a plate at least."""
    entry = GateRefusal(name=data.get("name", "").strip(), phone=phone(data.get("phone", "")),
                        plate=plate(data.get("plate", "")), reason=data["reason"].strip(),
                        until=data.get("until"), district_wide=district_wide,
                        added_by=acting_name(), added_at=utcnow())
    if not (entry.name or entry.phone or entry.plate):
        raise RuleBroken(_("a name, a phone or a plate"), "name")
    if not entry.reason:
        raise RuleBroken(_("why they are refused"), "reason")
    if entry.until is not None and entry.until < today():
        raise RuleBroken(_("a day in the past"), "until")
    db.session.add(entry)
    db.session.flush()
    return entry


def get_refusal(refusal_id: uuid.UUID, district_wide: bool) -> GateRefusal:
    entry = get_or_404(GateRefusal, refusal_id, "refusal_id")
    if entry.district_wide != district_wide:
        raise RuleBroken(_("a district entry is lifted by a district admin, a school's by "
                           "its heads"), "refusal_id", status=403)
    return entry


def lift(entry: GateRefusal) -> GateRefusal:
    if entry.lifted_at is not None:
        raise RuleBroken(_("this entry was lifted already"), "refusal_id", status=409)
    entry.lifted_at = utcnow()
    db.session.flush()
    return entry


def _listed(entry: GateRefusal, school: str = "", here: bool = True) -> dict:
    # ``here``: kept in the school in context, so lifted from it; a district entry another
    # school keeps is lifted there.
    return dict(id=entry.id, name=entry.name, phone=entry.phone, plate=entry.plate,
                reason=entry.reason, until=entry.until, district_wide=entry.district_wide,
                added_by=entry.added_by, added_at=entry.added_at, school=school, here=here)


def refusals(district: bool = False) -> list[dict]:
    """The school's entries in force; with ``district`` (for whoever keeps the district's
    list) also the district's, kept in any of its schools, each with the school that keeps it
    — read through core's district read, audited in each school. The gate meets the
    district's entries when someone matches one (``matches``)."""
    on = today()
    in_force = (GateRefusal.lifted_at.is_(None),
                or_(GateRefusal.until.is_(None), GateRefusal.until >= on))
    own = [_listed(r) for r in db.session.scalars(select(GateRefusal).where(
        GateRefusal.district_wide.is_(False), *in_force).order_by(GateRefusal.added_at))]
    if not district:
        return own

    here = require_tenant().id

    def read(schools):
        names = {s.id: s.name for s in schools}
        return [_listed(r, names.get(r.tenant_id, ""), r.tenant_id == here)
                for r in db.session.scalars(
                    select(GateRefusal).where(GateRefusal.district_wide.is_(True), *in_force)
                    .order_by(GateRefusal.added_at))]

    return own + district_read(current_district(), PURPOSE, "safety_gate_refusals", read,
                               module="safety")
