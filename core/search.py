"""The navigation's search box: what a name or a number finds in the school in context.

Core answers for the registers it keeps (students by name or number, staff by name or phone,
rooms by name); each module the school has switched on answers for its own records through
the ``houqin_search`` hook. Every answer is one bounded query inside the school: a ``LIKE``
that takes ``%`` and ``_`` as the characters typed, cut at ``limit`` hits of each kind.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select

from core.extensions import db
from core.people.models import Building, Grade, Room, SchoolClass, Staff, Student
from core.plugins.types import SearchHit
from core.state import kernel
from core.tenancy import require_tenant

if TYPE_CHECKING:
    from core.auth import Principal
    from core.tenancy import TenantRef

PERMISSION = "core.search"
LIMIT = 10  # hits of each kind: enough to spot the one meant, few enough to read on a phone
LONGEST = 100  # characters of a query; no name or number is longer


def search(tenant: TenantRef, principal: Principal, query: str,
           limit: int = LIMIT) -> list[SearchHit]:
    """What ``query`` finds that this person may see, grouped by kind (in the kinds' order),
    at most ``limit`` of each kind. An empty query finds nothing."""
    from core.schools.modules import enabled_modules

    require_tenant()
    query = query.strip()[:LONGEST]
    if not query or PERMISSION not in principal.permissions:
        return []
    found = core_hits(principal, query, limit)
    hooks = kernel().plugins.hooks_for(enabled_modules())
    for answer in hooks.houqin_search(tenant=tenant, principal=principal, query=query,
                                      limit=limit):
        found.extend(answer)
    seen: dict[str, int] = {}
    shown = []
    for hit in sorted((h for h in found if h.permission in principal.permissions),
                      key=lambda h: (h.kind_order, h.kind)):  # stable: each kind keeps its order
        seen[hit.kind] = seen.get(hit.kind, 0) + 1
        if seen[hit.kind] <= limit:
            shown.append(hit)
    return shown


def core_hits(principal: Principal, query: str, limit: int) -> list[SearchHit]:
    hits: list[SearchHit] = []
    if "core.people.read" in principal.permissions:
        hits += _students(query, limit) + _staff(query, limit)
    if "core.places.read" in principal.permissions:
        hits += _rooms(query, limit)
    return hits


def _students(query: str, limit: int) -> list[SearchHit]:
    rows = db.session.execute(
        select(Student.id, Student.name, Student.student_no, Grade.name, SchoolClass.name)
        .join(SchoolClass, SchoolClass.id == Student.class_id)
        .join(Grade, Grade.id == SchoolClass.grade_id)
        .where(or_(Student.name.icontains(query, autoescape=True),
                   Student.student_no.istartswith(query, autoescape=True)))
        .order_by(Student.name, Student.student_no).limit(limit))
    return [SearchHit("student", _l("Students"), name, "web.student", "core.people.read",
                      {"student_id": student_id}, f"{number} · {grade}{class_name}", 10)
            for student_id, name, number, grade, class_name in rows]


def _staff(query: str, limit: int) -> list[SearchHit]:
    rows = db.session.execute(
        select(Staff.id, Staff.name, Staff.position, Staff.active)
        .where(or_(Staff.name.icontains(query, autoescape=True),
                   Staff.phone.startswith(query, autoescape=True)))
        .order_by(Staff.active.desc(), Staff.name, Staff.id).limit(limit))
    return [SearchHit("staff", _l("Staff"), name, "web.staff_member", "core.people.read",
                      {"staff_id": staff_id}, position if active else f"{position} · {_l('has left')}",
                      11)
            for staff_id, name, position, active in rows]


def _rooms(query: str, limit: int) -> list[SearchHit]:
    rows = db.session.execute(
        select(Room.id, Room.name, Building.name, Room.office)
        .join(Building, Building.id == Room.building_id)
        .where(Room.name.icontains(query, autoescape=True))
        .order_by(Building.name, Room.name).limit(limit))
    return [SearchHit("room", _l("Rooms"), name, "web.places", "core.places.read",
                      {"_anchor": f"room-{room_id}"}, " · ".join(filter(None, (building, office))),
                      12)
            for room_id, name, building, office in rows]
