"""Hidden hazards to closure (隐患闭环): reported by anyone on the staff, given an owner and a
deadline, fixed by one person, verified by another (a failed verification sends it back),
and told to the director when late and to the district when later still. Every step is a
timestamped ``HazardStep``."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select, update

from core.sdk import (
    N_,
    RuleBroken,
    _,
    acting_name,
    current_principal,
    db,
    get_or_404,
    notify,
    people,
    utcnow,
)

from ..models import Hazard, HazardStep
from . import check_building, local, settings, stored_photo, today

UNCLOSED = ("reported", "open", "fixed")
LATE = ("reported", "open")  # waiting on someone to act; a fixed one waits for verification
MANAGE = "safety.hazards.manage"
# The notice kinds a school routes apart (houqin_notice_kinds).
ASSIGNED = "safety.hazards"
OVERDUE = "safety.overdue"


def get(hazard_id: uuid.UUID) -> Hazard:
    """The school's hazard, else a 404 naming ``hazard_id`` (another school's is none)."""
    return get_or_404(Hazard, hazard_id, "hazard_id")


def steps(hazard_id: uuid.UUID) -> list[HazardStep]:
    return list(db.session.scalars(select(HazardStep).where(HazardStep.hazard_id == hazard_id)
                                   .order_by(HazardStep.at, HazardStep.id)))


def listed(status: str | None = None, level: str | None = None,
           owner_id: uuid.UUID | None = None, building_id: uuid.UUID | None = None,
           place: str | None = None):
    """The hazard register (隐患台账): newest found first, filtered. ``status`` is one of the
    statuses, or "unclosed", or "overdue" (unclosed, waiting on someone, past its deadline)."""
    query = select(Hazard).order_by(Hazard.found_at.desc(), Hazard.id.desc())
    if status == "unclosed":
        query = query.where(Hazard.status.in_(UNCLOSED))
    elif status == "overdue":
        query = query.where(Hazard.status.in_(LATE), Hazard.deadline < today())
    elif status:
        query = query.where(Hazard.status == status)
    if level:
        query = query.where(Hazard.level == level)
    if owner_id:
        query = query.where(Hazard.owner_id == owner_id)
    if building_id:
        query = query.where(Hazard.building_id == building_id)
    if place:
        query = query.where(Hazard.place.icontains(place.strip(), autoescape=True))
    return query


def is_overdue(hazard: Hazard) -> bool:
    return (hazard.status in LATE and hazard.deadline is not None
            and hazard.deadline < today())


def _step(hazard: Hazard, step: str, note: str = "", photo_id: uuid.UUID | None = None,
          by: str | None = None) -> HazardStep:
    made = HazardStep(hazard_id=hazard.id, step=step, at=utcnow(), by=by or acting_name(),
                      note=note, photo_id=photo_id)
    db.session.add(made)
    return made


def _photo(photo: tuple[str, bytes] | None) -> uuid.UUID | None:
    return stored_photo(photo, "safety.hazard")


def _at_school(moment: datetime | None) -> datetime:
    if moment is None:
        return utcnow()
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=local(utcnow()).tzinfo)
    return moment.astimezone(UTC)


def _user_id() -> int | None:
    principal = current_principal()
    return principal.user_id if principal else None


def report(data: dict, photo: tuple[str, bytes] | None = None) -> Hazard:
    """Record a hazard someone found: where, what, how grave (with a photo if one came). A
    grave one goes to the district at once."""
    found_at = _at_school(data.get("found_at"))
    if found_at > utcnow() + timedelta(minutes=5):
        raise RuleBroken(_("a moment in the future"), "found_at")
    building_id = data.get("building_id")
    check_building(building_id)
    place, description = data["place"].strip(), data["description"].strip()
    if not place:
        raise RuleBroken(_("where it was found"), "place")
    if not description:
        raise RuleBroken(_("what was found"), "description")
    level = data.get("level") or "general"
    # With days for the level in the settings the deadline runs from the report, so a
    # hazard nobody has taken up yet is chased as late as one being fixed.
    hazard = Hazard(found_at=found_at, building_id=building_id, place=place,
                    deadline=default_deadline(level, local(found_at).date()),
                    description=description, level=level,
                    photo_id=_photo(photo), reported_by=acting_name(),
                    reported_by_user=_user_id(), status="reported")
    db.session.add(hazard)
    db.session.flush()
    _step(hazard, "reported", description, hazard.photo_id)
    notify(f"safety:reported:{hazard.id}", MANAGE,
           N_("A hazard was reported at %(place)s: %(description)s"),
           {"place": place, "description": description[:80]}, source="safety",
           endpoint="safety_pages.hazard", endpoint_args={"hazard_id": str(hazard.id)},
           kind=ASSIGNED)
    if hazard.level == "grave":
        escalate(hazard)
    return hazard


def default_deadline(level: str, found_on: date) -> date | None:
    """The deadline the school's settings give a hazard of ``level`` found on ``found_on``;
    None while the school has not set the level's days."""
    days = settings().get(f"{level}_days")
    return found_on + timedelta(days=days) if days else None


def assign(hazard: Hazard, data: dict) -> Hazard:
    """Give a reported (or open) hazard its owner and deadline; the level may be corrected.
    The deadline defaults to the level's days in the school's settings."""
    if hazard.status not in LATE:
        raise RuleBroken(_("this hazard is no longer waiting for an owner"), "owner_id",
                         status=409)
    owner = people.staff([data["owner_id"]], active_only=True)
    if not owner:
        raise RuleBroken(_("no such member of staff in this school"), "owner_id")
    level = data.get("level") or hazard.level
    found_on = local(hazard.found_at).date()
    deadline = data.get("deadline") or default_deadline(level, found_on)
    if deadline is None:
        raise RuleBroken(_("a deadline: the school has set no days for this level"), "deadline")
    if deadline < found_on:
        raise RuleBroken(_("the deadline is before the hazard was found"), "deadline")
    hazard.owner_id, hazard.deadline, hazard.status = owner[0].id, deadline, "open"
    raised = level == "grave" and hazard.level != "grave"
    hazard.level = level
    _step(hazard, "assigned", _("%(owner)s, by %(deadline)s", owner=owner[0].name,
                                deadline=deadline.isoformat()))
    user_id = people.user_of_staff(owner[0].id)
    if user_id is not None:
        notify(f"safety:owner:{hazard.id}", "safety.hazards.fix",
               N_("A hazard at %(place)s is yours to fix by %(deadline)s: %(description)s"),
               {"place": hazard.place, "deadline": deadline.isoformat(),
                "description": hazard.description[:80]}, source="safety",
               endpoint="safety_pages.hazard", endpoint_args={"hazard_id": str(hazard.id)},
               user_id=user_id, kind=ASSIGNED)
    if raised and hazard.escalated_at is None:
        escalate(hazard)
    return hazard


def fix(hazard: Hazard, data: dict, photo: tuple[str, bytes] | None = None) -> Hazard:
    """Record what was done to fix an open hazard (with a photo of the result if one came);
    it then waits for someone else to verify it."""
    if hazard.status != "open":
        raise RuleBroken(_("only a hazard being fixed takes a fix"), "hazard_id", status=409)
    note = data["note"].strip()
    if not note:
        raise RuleBroken(_("what was done"), "note")
    photo_id = _photo(photo)
    hazard.status, hazard.fixed_by, hazard.fixed_by_user = "fixed", acting_name(), _user_id()
    _step(hazard, "fixed", note, photo_id)
    notify(f"safety:fixed:{hazard.id}", MANAGE,
           N_("The hazard at %(place)s was fixed and waits for verification"),
           {"place": hazard.place}, source="safety", endpoint="safety_pages.hazard",
           endpoint_args={"hazard_id": str(hazard.id)}, kind=ASSIGNED)
    return hazard


def verify(hazard: Hazard, data: dict, photo: tuple[str, bytes] | None = None) -> Hazard:
    """Someone other than the fixer checks the fix: passed closes the hazard, not passed sends
    it back to its owner with the reason."""
    if hazard.status != "fixed":
        raise RuleBroken(_("only a fixed hazard can be verified"), "hazard_id", status=409)
    user_id = _user_id()
    if user_id is not None and user_id == hazard.fixed_by_user:
        raise RuleBroken(_("someone other than the person who fixed it verifies it"),
                         "passed")
    note = data.get("note", "").strip()
    if data["passed"]:
        hazard.status, hazard.closed_at = "closed", utcnow()
        _step(hazard, "passed", note, _photo(photo))
        return hazard
    if not note:
        raise RuleBroken(_("what is still wrong"), "note")
    hazard.status, hazard.fixed_by, hazard.fixed_by_user = "open", "", None
    _step(hazard, "failed", note, _photo(photo))
    owner = hazard.owner_id and people.user_of_staff(hazard.owner_id)
    if owner:
        notify(f"safety:owner:{hazard.id}", "safety.hazards.fix",
               N_("The fix of the hazard at %(place)s did not pass: %(note)s"),
               {"place": hazard.place, "note": note[:80]}, source="safety",
               endpoint="safety_pages.hazard", endpoint_args={"hazard_id": str(hazard.id)},
               user_id=owner, kind=ASSIGNED)
    return hazard


def escalate(hazard: Hazard, note: str = "", by: str | None = None) -> None:
    """Report the hazard to the district: from now until it closes it is on the district's
    list of the school's escalated hazards."""
    hazard.escalated_at = utcnow()
    _step(hazard, "escalated", note, by=by)


def chase_late(on: date | None = None) -> tuple[int, int]:
    """The day's run: tell the director of each hazard past its deadline (once a hazard, the
    notice updated as days go by), and report to the district those later than the school's
    escalation limit. Answers how many were late and how many went to the district."""
    on = on or today()
    late = list(db.session.scalars(
        select(Hazard).where(Hazard.status.in_(LATE), Hazard.deadline < on)
        .order_by(Hazard.deadline, Hazard.id)))
    told = set(db.session.scalars(select(HazardStep.hazard_id).where(
        HazardStep.step == "overdue", HazardStep.hazard_id.in_([h.id for h in late]))))
    limit = settings().get("escalate_after_days")
    escalated = 0
    for hazard in late:
        days = (on - hazard.deadline).days
        if hazard.id not in told:
            _step(hazard, "overdue", by="system")
        notify(f"safety:late:{hazard.id}", MANAGE,
               N_("The hazard at %(place)s is %(days)s days past its deadline %(deadline)s"),
               {"place": hazard.place, "days": days, "deadline": hazard.deadline.isoformat()},
               source="safety", endpoint="safety_pages.hazard",
               endpoint_args={"hazard_id": str(hazard.id)}, kind=OVERDUE)
        if limit and days > limit and hazard.escalated_at is None:
            escalate(hazard, _("%(days)s days past its deadline", days=days), by="system")
            escalated += 1
    return len(late), escalated



def attach_photo(hazard: Hazard, photo: tuple[str, bytes]) -> None:
    """The photo of the hazard as found; only whoever reported it, or a safety manager."""
    if hazard.status != "reported":
        raise RuleBroken(_("the photo as found is added before the hazard is taken up"),
                         "photo", status=409)
    principal = current_principal()
    if principal is not None and principal.user_id != hazard.reported_by_user \
            and MANAGE not in principal.permissions:
        raise RuleBroken(_("only whoever reported the hazard adds its photo"), "photo",
                         status=403)
    hazard.photo_id = _photo(photo)
    db.session.execute(update(HazardStep).where(HazardStep.hazard_id == hazard.id,
                                                HazardStep.step == "reported")
                       .values(photo_id=hazard.photo_id))


def shown(hazard: Hazard, with_steps: bool = False) -> dict:
    """A hazard as the API and the pages show it: its owner's name, whether it is late and,
    on one hazard, its steps."""
    owner = people.staff([hazard.owner_id]) if hazard.owner_id else []
    shown_one = _shown(hazard, owner[0].name if owner else None,
                       steps(hazard.id) if with_steps else None)
    if with_steps:
        from .rounds import found_on  # rounds report their failures through this module

        walked = found_on(hazard.id)
        shown_one |= {"round_id": walked[0].id if walked else None,
                      "round_item": walked[1] if walked else None}
    return shown_one


def shown_many(found: list[Hazard]) -> list[dict]:
    names = {s.id: s.name for s in people.staff({h.owner_id for h in found if h.owner_id})}
    return [_shown(h, names.get(h.owner_id)) for h in found]


def _shown(hazard: Hazard, owner: str | None, steps_of: list[HazardStep] | None = None) -> dict:
    fields = {c.key: getattr(hazard, c.key) for c in Hazard.__table__.columns}
    return fields | {"owner": owner, "overdue": is_overdue(hazard), "steps": steps_of or [],
                     "hazard": hazard}
