"""``houqin demo``: a few weeks of school life in the demo district, for people trying Houqin.

A deployment is a demo only when all three hold, so that the command cannot write into real
schools by accident:

1. the operator started it with ``HOUQIN_DEMO=1`` (config ``DEMO``; ``make run`` sets it,
   the production files in ``deploy/`` never do);
2. the manifest named on the command line says ``demo = true`` under ``[district]``, and
   the command touches only that district's schools;
3. every account holding a role in that district or its schools has an address under the
   reserved ``.test`` domain (RFC 2606): one real address means real people use it.

Core writes what core owns (calendar, classes, students, guardians, staff and their
accounts); each module then adds its own records through the ``houqin_demo_life`` hook, with
its own seeded random generator, so the same seed gives the same school. A school or module
that already has its demo life is left alone: running the command again changes nothing.

The accounts and their demo passwords are written to ``demo-accounts.json`` in the instance
folder; the sign-in page lists them when ``DEMO`` is on (``accounts_by_role``).
"""

from __future__ import annotations

import json
import random
import tomllib
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from flask import current_app
from sqlalchemy import func, select

from core.extensions import db
from core.identity.models import DistrictMembership, Membership, User
from core.permissions import DISTRICT_ROLES, SCHOOL_ROLES
from core.state import kernel
from core.tenancy import school_today, tenant_context

ACCOUNTS_FILE = "demo-accounts.json"
RESERVED_DOMAIN = ".test"
DEFAULT_DAYS = 21


class NotADemo(RuntimeError):
    """The deployment or the district is not a demo; nothing was written."""


@dataclass
class DemoReport:
    generated: list[str] = field(default_factory=list)  # schools given their life now
    kept: list[str] = field(default_factory=list)  # schools that had it already
    accounts: list[dict[str, Any]] = field(default_factory=list)


def is_demo() -> bool:
    """Whether this deployment was started as a demo (``HOUQIN_DEMO=1``)."""
    return bool(current_app.config.get("DEMO"))


def _manifest(text: str) -> dict[str, Any]:
    data = tomllib.loads(text)
    if data.get("district", {}).get("demo") is not True:
        raise NotADemo("the manifest does not say demo = true under [district]")
    return data


def _district(slug: str):
    from core.schools.models import District, Tenant

    district = db.session.scalar(select(District).where(District.slug == slug))
    if district is None:
        raise NotADemo(f"no district {slug!r} yet: run houqin tenants apply with the manifest")
    schools = list(db.session.scalars(
        select(Tenant).where(Tenant.district_id == district.id).order_by(Tenant.slug)))
    return district, schools


def _real_addresses(district_id: int, schools: list) -> list[str]:
    """Addresses outside the reserved domain among the people of the district and its
    schools (read school by school: memberships are each school's own rows)."""
    # A person known by a mobile number alone is as real as one with an address.
    emails = set(db.session.scalars(
        select(func.coalesce(User.email, User.phone))
        .join(DistrictMembership, DistrictMembership.user_id == User.id)
        .where(DistrictMembership.district_id == district_id)))
    for school in schools:
        with tenant_context(school.ref()):
            user_ids = list(db.session.scalars(select(Membership.user_id)))
        if user_ids:
            emails.update(db.session.scalars(
                select(func.coalesce(User.email, User.phone)).where(User.id.in_(user_ids))))
    return sorted(e for e in emails if not e.endswith(RESERVED_DOMAIN))


def generate(manifest_text: str, seed: int = 2026, days: int = DEFAULT_DAYS) -> DemoReport:
    """Give each school of the manifest's demo district ``days`` days of life up to its
    today, unless it has them already; commits school by school."""
    from core.demo.school import populate

    if not is_demo():
        raise NotADemo("this deployment is not a demo: start it with HOUQIN_DEMO=1")
    spec = _manifest(manifest_text)
    district, schools = _district(spec["district"]["slug"])
    if real := _real_addresses(district.id, schools):
        raise NotADemo("the district has accounts outside the reserved .test domain ("
                       + ", ".join(real[:3]) + "): it holds real people's data")
    outcome = DemoReport()
    for school in schools:
        tenant = school.ref()
        with tenant_context(tenant):
            try:  # a school gets all of its life or none of it
                fresh = populate(tenant, seed, days, school_today(),
                                 _school_password(spec, tenant.slug))
                _module_life(tenant, seed, days)
                db.session.commit()
            except Exception:
                db.session.rollback()
                raise
        (outcome.generated if fresh else outcome.kept).append(tenant.slug)
    outcome.accounts = _accounts(spec, district, schools)
    _write_accounts(outcome.accounts)
    return outcome


def _module_life(tenant, seed: int, days: int) -> None:
    """Each switched-on module's ``houqin_demo_life``, with a generator of its own: what one
    module draws never shifts another's."""
    from core.schools.modules import enabled_modules

    caller = kernel().plugins.hooks_for(enabled_modules()).houqin_demo_life
    for impl in sorted(caller.get_hookimpls(), key=lambda i: i.plugin_name):
        rng = random.Random(f"{seed}:{tenant.slug}:{impl.plugin_name}")
        impl.function(tenant=tenant, days=days, rng=rng)


def _school_password(spec: dict[str, Any], slug: str) -> str:
    """The password of the school's generated accounts: that of its first admin in the
    manifest, so that a school has one demo password."""
    for school in spec.get("schools", []):
        if school["slug"] == slug:
            for admin in school.get("admins", []):
                if admin.get("password"):
                    return admin["password"]
    return f"demo-{slug}-2026"


def _accounts(spec: dict[str, Any], district, schools: list) -> list[dict[str, Any]]:
    """Every demo account with its role and password, district staff first, then each
    school's people in the order of the roles."""
    known = {a["email"]: a.get("password") for a in spec["district"].get("admins", [])}
    listed: list[dict[str, Any]] = []
    rows = db.session.execute(
        select(User.email, User.name, DistrictMembership.role)
        .join(DistrictMembership, DistrictMembership.user_id == User.id)
        .where(DistrictMembership.district_id == district.id)).all()
    order = list(DISTRICT_ROLES)
    for email, name, role in sorted(rows, key=lambda r: (order.index(r.role), r.email or "")):
        if known.get(email):
            listed.append({"school": None, "slug": None, "role": role, "name": name,
                           "email": email, "password": known[email]})
    order = list(SCHOOL_ROLES)
    for school in schools:
        manifest_school = next((s for s in spec.get("schools", []) if s["slug"] == school.slug),
                               {})
        passwords = {a["email"]: a.get("password") for a in manifest_school.get("admins", [])}
        generated = _school_password(spec, school.slug)
        with tenant_context(school.ref()):
            held = list(db.session.execute(select(Membership.user_id, Membership.role)).all())
        users = {u.id: u for u in db.session.scalars(
            select(User).where(User.id.in_({user_id for user_id, _ in held})))} if held else {}
        for user_id, role in sorted(held, key=lambda r: (order.index(r.role),
                                                         users[r.user_id].login)):
            user = users[user_id]
            listed.append({"school": school.name, "slug": school.slug, "role": role,
                           # Someone a visitor invited by number signs in with it.
                           "name": user.name, "email": user.login,
                           "password": passwords.get(user.email) or generated})
    return listed


def _accounts_path() -> Path:
    return Path(current_app.config["INSTANCE_PATH"]) / ACCOUNTS_FILE


def _write_accounts(accounts: list[dict[str, Any]]) -> None:
    path = _accounts_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(accounts, ensure_ascii=False, indent=1), encoding="utf-8")


def accounts_by_role() -> list[tuple[str, list[tuple[str, list[dict[str, Any]]]]]]:
    """For the sign-in page of a demo: ``(school name, [(role, accounts)])``, the education
    bureau's first (its name ""), in the order ``houqin demo`` listed them; empty when the
    deployment is not a demo."""
    if not is_demo():
        return []
    try:
        accounts = json.loads(_accounts_path().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    schools: dict[str, dict[str, list[dict[str, Any]]]] = {}
    for account in accounts:
        roles = schools.setdefault(account.get("school") or "", {})
        roles.setdefault(account["role"], []).append(account)
    return [(school, list(roles.items())) for school, roles in schools.items()]


def role_title(role: str) -> str:
    return str(SCHOOL_ROLES.get(role) or DISTRICT_ROLES.get(role) or role)


def term_dates(today: date, days: int) -> tuple[date, date]:
    """A term that began on the Monday before the demo's first day and runs twenty weeks."""
    first = today - timedelta(days=days)
    start = first - timedelta(days=first.weekday() + 7)
    return start, start + timedelta(weeks=20) - timedelta(days=1)
