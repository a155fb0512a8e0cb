"""Pick-up (接送): who may take each child home — the guardians the school lets pick up
(core's register) and the temporary permits a class teacher grants with a photo — the
handover at the gate or the classroom door checked against that list, the unknown person
turned away with an alert to the class teacher, and the children still waiting at the end of
the day. For kindergartens every class; for other schools the lower grades the school sets
(no national figure: local rules name the first two grades)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from core.sdk import (
    N_,
    NotFound,
    Role,
    RuleBroken,
    _,
    acting_name,
    current_principal,
    current_tenant,
    db,
    first_writer,
    get_or_404,
    notify,
    people,
    utcnow,
)

from ..models import Pickup, PickupPermit, PickupRefusal
from . import settings, stored_photo, today

PICKUP = "safety.pickup"  # the notice kind of pick-up alerts
HEADS = frozenset({Role.SCHOOL_ADMIN, Role.LOGISTICS_DIRECTOR, Role.SAFETY_OFFICER})


def in_scope() -> list[people.ClassRef]:
    """The classes whose children are handed over: all of a kindergarten's, the grades up to
    the school's setting elsewhere (none until it is set)."""
    found = people.classes()
    if current_tenant().type == "kindergarten":
        return found
    top = settings().get("pickup_up_to_level")
    return [c for c in found if top and c.level <= top]


def student(student_id: uuid.UUID, status: int = 422) -> people.StudentRef:
    """An enrolled child of a class handed over here, else refused naming ``student_id``
    (422 for a body's field, 404 for an address's); another school's is none."""
    found = people.students([student_id], enrolled_only=True)
    if not found or found[0].class_id not in {c.id for c in in_scope()}:
        message = _("no such child handed over at this school")
        if status == 404:  # an address, read outside a form's transaction
            raise NotFound(message, errors={"student_id": [message]})
        raise RuleBroken(message, "student_id")
    return found[0]


@dataclass(frozen=True)
class Authorised:
    """One person a child may go home with today: a guardian or a permit's holder."""

    kind: str  # guardian, permit
    id: uuid.UUID
    name: str
    relation: str
    phone: str
    photo_id: uuid.UUID | None = None
    valid_until: date | None = None


def authorised(student_id: uuid.UUID, on: date | None = None) -> list[Authorised]:
    return authorised_many([student_id], on).get(student_id, [])


def authorised_many(student_ids: list[uuid.UUID], on: date | None = None
                    ) -> dict[uuid.UUID, list[Authorised]]:
    """Who may take each of these children home on ``on`` (today), read in two queries."""
    on = on or today()
    found: dict[uuid.UUID, list[Authorised]] = {}
    for student_id, guardians in people.guardians_of(student_ids).items():
        found[student_id] = [Authorised("guardian", g.id, g.name, g.relation, g.phone)
                             for g in guardians if g.can_pick_up]
    for p in db.session.scalars(select(PickupPermit).where(
            PickupPermit.student_id.in_(student_ids), PickupPermit.revoked_at.is_(None),
            PickupPermit.valid_from <= on, PickupPermit.valid_until >= on)
            .order_by(PickupPermit.valid_from)):
        found.setdefault(p.student_id, []).append(
            Authorised("permit", p.id, p.name, p.relation, p.phone, p.photo_id, p.valid_until))
    return found


def hand_over(data: dict) -> Pickup:
    """Hand a child to a guardian the school lets pick up or to a permit's holder, today;
    anyone else is refused naming the field that named them, and nothing is written."""
    child = student(data["student_id"])
    day = today()
    allowed = {(a.kind, a.id): a for a in authorised(child.id, day)}
    if data.get("guardian_id"):
        person, field = allowed.get(("guardian", data["guardian_id"])), "guardian_id"
    elif data.get("permit_id"):
        person, field = allowed.get(("permit", data["permit_id"])), "permit_id"
    else:
        raise RuleBroken(_("choose who takes the child: a guardian or a permit"), "guardian_id")
    if person is None:
        raise RuleBroken(_("this person may not take %(child)s home today", child=child.name),
                         field)

    def taken() -> None:
        done = db.session.scalar(select(Pickup).where(Pickup.student_id == child.id,
                                                      Pickup.day == day))
        if done is not None:
            raise RuleBroken(_("%(child)s went home with %(person)s already",
                               child=child.name, person=done.person), "student_id", status=409)

    taken()
    pickup = Pickup(student_id=child.id, day=day, at=utcnow(),
                    guardian_id=person.id if person.kind == "guardian" else None,
                    permit_id=person.id if person.kind == "permit" else None,
                    person=person.name, handed_by=acting_name())
    return first_writer(pickup, winner=taken)


def refuse(data: dict) -> PickupRefusal:
    """Turn away someone not on the child's list and alert the class teacher at once."""
    child = student(data["student_id"])
    name = data["person"].strip()
    if not name:
        raise RuleBroken(_("the name the person gave"), "person")
    refusal = PickupRefusal(student_id=child.id, at=utcnow(), person=name,
                            note=data.get("note", "").strip(), refused_by=acting_name())
    db.session.add(refusal)
    db.session.flush()
    head = next((c.head_teacher_user_id for c in people.classes([child.class_id])), None)
    # The class teacher, who knows the family; a class without one alerts whoever grants
    # permits (the heads of the school).
    notify(f"safety:pickup-refused:{refusal.id}", "safety.read" if head else
           "safety.pickup.permits",
           N_("%(person)s came for %(child)s and was turned away: not on the list"),
           {"person": name, "child": child.name}, source="safety",
           endpoint="safety_pages.pickup", endpoint_args={"class_id": str(child.class_id)},
           user_id=head, kind=PICKUP)
    return refusal


def _may_grant(class_id: uuid.UUID) -> None:
    principal = current_principal()
    if principal is None or principal.school_roles & HEADS:
        return
    heads = {c.id for c in people.classes() if c.head_teacher_user_id == principal.user_id}
    if class_id not in heads:
        raise RuleBroken(_("only the child's class teacher grants a permit"), "student_id",
                         status=403)


def grant(data: dict, photo: tuple[str, bytes] | None = None) -> PickupPermit:
    child = student(data["student_id"])
    _may_grant(child.class_id)
    if data["valid_until"] < data["valid_from"]:
        raise RuleBroken(_("the last day is before the first"), "valid_until")
    if data["valid_until"] < today():
        raise RuleBroken(_("a day in the past"), "valid_until")
    name = data["name"].strip()
    if not name:
        raise RuleBroken(_("the person's name"), "name")
    permit = PickupPermit(student_id=child.id, name=name, relation=data["relation"].strip(),
                          phone=data.get("phone", "").strip(), valid_from=data["valid_from"],
                          valid_until=data["valid_until"], granted_by=acting_name())
    permit.photo_id = stored_photo(photo, "safety.pickup")
    db.session.add(permit)
    db.session.flush()
    return permit


def get_permit(permit_id: uuid.UUID) -> PickupPermit:
    return get_or_404(PickupPermit, permit_id, "permit_id")


def revoke(permit: PickupPermit) -> None:
    _may_grant(student(permit.student_id).class_id)
    if permit.revoked_at is not None:
        raise RuleBroken(_("this permit was withdrawn already"), "permit_id", status=409)
    permit.revoked_at = utcnow()


@dataclass(frozen=True)
class ChildToday:
    student: people.StudentRef
    class_title: str
    picked_up: Pickup | None


def today_list(class_id: uuid.UUID | None = None, on: date | None = None,
               scope: list[people.ClassRef] | None = None) -> list[ChildToday]:
    """The children handed over at this school, class by class, with today's handover if
    there was one (None: still waiting); ``scope``: the classes in scope, when the caller
    has read them already."""
    on = on or today()
    classes = {c.id: c for c in (in_scope() if scope is None else scope)
               if class_id is None or c.id == class_id}
    if not classes:
        return []
    children = [s for s in people.students(enrolled_only=True) if s.class_id in classes]
    done = {p.student_id: p for p in db.session.scalars(select(Pickup).where(
        Pickup.day == on, Pickup.student_id.in_([s.id for s in children])))}
    return [ChildToday(s, classes[s.class_id].title, done.get(s.id)) for s in children]
