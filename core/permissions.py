"""Named permissions, built-in roles, and the declaration every route must make.

Core and plugins register ``Permission`` objects with the roles that get them by default.
A view declares what it needs with ``@requires("...")`` or says it is open with ``@public``;
the app refuses to start while any route declares neither.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from flask import Flask, g
from flask_babel import gettext
from flask_babel import lazy_gettext as _l

PUBLIC = "public"
DECLARATION_ATTR = "_houqin_permission"


class Role:
    SCHOOL_ADMIN = "school_admin"
    LOGISTICS_DIRECTOR = "logistics_director"
    CANTEEN_MANAGER = "canteen_manager"
    NURSE = "nurse"
    SAFETY_OFFICER = "safety_officer"
    GUARD = "guard"
    ASSET_KEEPER = "asset_keeper"
    FINANCE_CLERK = "finance_clerk"
    CLASS_TEACHER = "class_teacher"
    GUARDIAN = "guardian"
    DISTRICT_ADMIN = "district_admin"
    DISTRICT_INSPECTOR = "district_inspector"


SCHOOL_ROLES: dict[str, object] = {
    Role.SCHOOL_ADMIN: _l("School administrator"),
    Role.LOGISTICS_DIRECTOR: _l("Logistics director"),
    Role.CANTEEN_MANAGER: _l("Canteen manager"),
    Role.NURSE: _l("Nurse"),
    Role.SAFETY_OFFICER: _l("Safety officer"),
    Role.GUARD: _l("Guard"),
    Role.ASSET_KEEPER: _l("Asset keeper"),
    Role.FINANCE_CLERK: _l("Finance clerk"),
    Role.CLASS_TEACHER: _l("Class teacher"),
    Role.GUARDIAN: _l("Guardian"),
}
DISTRICT_ROLES: dict[str, object] = {
    Role.DISTRICT_ADMIN: _l("District administrator"),
    Role.DISTRICT_INSPECTOR: _l("District inspector"),
}
STAFF_ROLES = frozenset(SCHOOL_ROLES) - {Role.GUARDIAN}


@dataclass(frozen=True)
class Permission:
    name: str
    title: object
    default_roles: frozenset[str] = field(default_factory=frozenset)
    # District roles only ever receive permissions that cannot change a school's data.
    read_only: bool = False


CORE_PERMISSIONS = [
    Permission("core.school.read", _l("See the school's profile"), STAFF_ROLES | {Role.GUARDIAN}
               | {Role.DISTRICT_ADMIN, Role.DISTRICT_INSPECTOR}, read_only=True),
    Permission("core.modules.read", _l("See which modules are on"),
               STAFF_ROLES | {Role.DISTRICT_ADMIN, Role.DISTRICT_INSPECTOR}, read_only=True),
    Permission("core.modules.manage", _l("Switch modules on and off, change their settings"),
               frozenset({Role.SCHOOL_ADMIN, Role.DISTRICT_ADMIN})),
    Permission("core.members.manage", _l("Manage people's roles in the school"),
               frozenset({Role.SCHOOL_ADMIN})),
    Permission("core.accounts.manage",
               _l("Invite staff, give and take away their roles, deactivate accounts, reset"
                  " passwords"), frozenset({Role.SCHOOL_ADMIN})),
    Permission("core.district.accounts",
               _l("Invite and manage the administrators of the district's schools"),
               frozenset({Role.DISTRICT_ADMIN})),
    Permission("core.guardians.invite", _l("Invite guardians to see their children"),
               frozenset({Role.SCHOOL_ADMIN, Role.LOGISTICS_DIRECTOR, Role.CLASS_TEACHER})),
    Permission("core.jobs.read", _l("See background jobs and their progress"),
               STAFF_ROLES | {Role.DISTRICT_ADMIN}, read_only=True),
    Permission("core.district.read", _l("Read across the district's schools"),
               frozenset({Role.DISTRICT_ADMIN, Role.DISTRICT_INSPECTOR}), read_only=True),
    Permission("core.calendar.read", _l("See the school calendar"),
               STAFF_ROLES | {Role.GUARDIAN, Role.DISTRICT_ADMIN, Role.DISTRICT_INSPECTOR},
               read_only=True),
    Permission("core.calendar.manage", _l("Set terms, holidays and make-up days"),
               frozenset({Role.SCHOOL_ADMIN, Role.LOGISTICS_DIRECTOR})),
    Permission("core.people.read", _l("See students, guardians, classes and staff"),
               STAFF_ROLES | {Role.DISTRICT_ADMIN, Role.DISTRICT_INSPECTOR}, read_only=True),
    Permission("core.people.manage", _l("Change students, guardians, classes and staff"),
               frozenset({Role.SCHOOL_ADMIN, Role.LOGISTICS_DIRECTOR})),
    Permission("core.places.read", _l("See buildings and rooms"),
               STAFF_ROLES | {Role.DISTRICT_ADMIN, Role.DISTRICT_INSPECTOR}, read_only=True),
    Permission("core.places.manage", _l("Change buildings and rooms"),
               frozenset({Role.SCHOOL_ADMIN, Role.LOGISTICS_DIRECTOR, Role.ASSET_KEEPER})),
    # The box finds only what each person may read anyway; guardians have nothing to look up.
    Permission("core.search", _l("Search the school's records one may see"),
               STAFF_ROLES | {Role.DISTRICT_ADMIN, Role.DISTRICT_INSPECTOR}, read_only=True),
    Permission("core.audit.read", _l("Read and export the audit trail"),
               frozenset({Role.SCHOOL_ADMIN, Role.LOGISTICS_DIRECTOR, Role.DISTRICT_ADMIN,
                          Role.DISTRICT_INSPECTOR}), read_only=True),
    Permission("core.sessions.end", _l("Sign the school's people out of every browser"),
               frozenset({Role.SCHOOL_ADMIN, Role.DISTRICT_ADMIN})),
    Permission("core.channels.manage",
               _l("Set up where notices are sent: e-mail, WeCom and DingTalk group robots"),
               frozenset({Role.SCHOOL_ADMIN})),
    Permission("core.self", _l("See one's own account"),
               frozenset(SCHOOL_ROLES) | frozenset(DISTRICT_ROLES), read_only=True),
]


class PermissionRegistry:
    def __init__(self) -> None:
        self._permissions: dict[str, Permission] = {}
        # What a set of roles is granted, worked out once per worker: every request asks it
        # for the same few sets. Forgotten whenever a permission is registered.
        self._granted: dict[tuple[frozenset[str], bool], frozenset[str]] = {}

    def register(self, permissions: Iterable[Permission], owner: str) -> None:
        for permission in permissions:
            if permission.name in self._permissions:
                raise ValueError(f"permission {permission.name!r} from {owner} is already taken")
            unknown = permission.default_roles - set(SCHOOL_ROLES) - set(DISTRICT_ROLES)
            if unknown:
                raise ValueError(f"permission {permission.name!r} names unknown roles {unknown}")
            if not permission.read_only and permission.default_roles & {Role.DISTRICT_INSPECTOR}:
                raise ValueError(f"{permission.name!r}: district inspectors only get read access")
            self._permissions[permission.name] = permission
            self._granted.clear()

    def __contains__(self, name: str) -> bool:
        return name in self._permissions

    def all(self) -> list[Permission]:
        return sorted(self._permissions.values(), key=lambda p: p.name)

    def title_of(self, name: str) -> str:
        """What a person reads for permission ``name`` (its code when none is registered)."""
        found = self._permissions.get(name)
        return str(found.title) if found is not None else name

    def granted(self, roles: Iterable[str], read_only: bool = False) -> frozenset[str]:
        """Permissions the roles hold by default; with ``read_only``, only the reading ones."""
        key = (frozenset(roles), bool(read_only))
        found = self._granted.get(key)
        if found is None:
            roles = key[0]
            found = frozenset(
                p.name for p in self._permissions.values()
                if p.default_roles & roles and (p.read_only or not read_only)
            )
            if len(self._granted) >= 1_000:  # roles are few; bounded all the same
                self._granted.clear()
            self._granted[key] = found
        return found


def _declare(view: Callable, permission: str) -> Callable:
    setattr(view, DECLARATION_ATTR, permission)
    return view


def public(view: Callable) -> Callable:
    """Declare a view open to anyone, signed in or not."""
    return _declare(view, PUBLIC)


def requires(permission: str) -> Callable[[Callable], Callable]:
    """Declare and enforce the permission a view needs in the current school (or district)."""

    def decorator(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            enforce(permission)
            return view(*args, **kwargs)

        return _declare(wrapper, permission)

    return decorator


def enforce(permission: str) -> None:
    """Refuse the request unless its person holds ``permission``: 401 without a person, 403
    with one who lacks it. Called before the view and, earlier, before any input is read."""
    from core.api.errors import Forbidden, Unauthorized

    principal = getattr(g, "principal", None)
    if principal is None:
        raise Unauthorized()
    if permission not in principal.permissions:
        from core.api.errors import wants_json
        from core.state import kernel

        if wants_json():  # a program reads the code
            raise Forbidden(detail=gettext("this needs the permission '%(name)s'", name=permission))
        # A person reads what the permission lets them do, in their language, not its code.
        raise Forbidden(detail=gettext(
            "This page needs the permission “%(title)s”; ask the school's administrator for it.",
            title=kernel().permissions.title_of(permission)))


def _handlers(view: Callable, method: str | None = None) -> list[Callable]:
    """The functions that answer for ``view`` (a class-based view has one per method)."""
    view_class = getattr(view, "view_class", None)
    if view_class is None:
        return [view]
    methods = [method] if method else sorted(view_class.methods or [])
    return [getattr(view_class, m.lower(), None) for m in methods]


def declared(view: Callable, method: str) -> str | None:
    """What the handler of ``method`` on ``view`` declares (None: nothing)."""
    return getattr(_handlers(view, method)[0], DECLARATION_ATTR, None)


def view_declarations(app: Flask) -> dict[str, list[str | None]]:
    """Every endpoint with what each of its handlers declares (None: nothing)."""
    return {endpoint: [getattr(h, DECLARATION_ATTR, None) for h in _handlers(view)]
            for endpoint, view in app.view_functions.items()}


def undeclared_endpoints(app: Flask) -> list[str]:
    return sorted(ep for ep, decl in view_declarations(app).items() if None in decl)


def declare_public_endpoints(app: Flask, endpoints: Iterable[str]) -> None:
    """Mark third-party endpoints (static files, the OpenAPI document) as deliberately open."""
    for endpoint in endpoints:
        if endpoint in app.view_functions:
            app.view_functions[endpoint] = public(_passthrough(app.view_functions[endpoint]))


def _passthrough(view: Callable) -> Callable:
    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        return view(*args, **kwargs)

    return wrapper
