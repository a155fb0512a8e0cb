"""A module's read across its district's schools, for the district home's widgets
(``houqin_district_widgets``): one query over all the schools at once, inside core's district
scope (read-only: a write is refused), and recorded in every school read, so each school's
audit trail says who looked from above and why."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TypeVar

from sqlalchemy import select

from core import audit
from core.extensions import db
from core.tenancy import DistrictRef, DistrictScope, TenantRef, district_scope

T = TypeVar("T")


def district_read(district: DistrictRef, purpose: str, entity: str,
                  read: Callable[[list[TenantRef]], T], module: str | None = None,
                  read_from: Callable[[T], Iterable[int]] | None = None) -> T:
    """``read(schools)`` with the data of ``district``'s schools visible at once: every query
    it runs sees those schools' rows only (each row carries its ``tenant_id``, the schools'
    ``id``), another district's never. With ``module``, only the schools that have it
    switched on are in scope and read. Answers what ``read`` returns, which should be plain
    values (rows read in the scope are not to be used after it). The read is then recorded
    in each school's audit trail (``district_read`` of ``entity`` for ``purpose``); the
    caller's transaction keeps it. A lookup that finds a few rows among many schools (a name
    on a refusal list, at every check-in) gives ``read_from(answer)``: the ids of the schools
    whose rows the answer holds, where alone the read is recorded (none found: nothing)."""
    from core.schools.models import TenantModule
    from core.schools.registry import district_tenants

    schools = district_tenants(district.id)
    if module is not None and schools:
        with district_scope(DistrictScope(district.id, tuple(s.id for s in schools), purpose)):
            on = set(db.session.scalars(select(TenantModule.tenant_id).where(
                TenantModule.module == module, TenantModule.enabled.is_(True))))
        schools = [s for s in schools if s.id in on]
    with district_scope(DistrictScope(district.id, tuple(s.id for s in schools), purpose)):
        answer = read(schools)
    if read_from is not None:
        held = set(read_from(answer))
        schools = [s for s in schools if s.id in held]
    audit.record_district_read(schools, purpose, entity)
    return answer
