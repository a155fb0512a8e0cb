"""The school's navigation: core's own entries (each page module adds its entries here when
imported) and the enabled modules' entries, grouped by module for the person and the page.

Every page of a school shows it (``web/_navigation.html`` in the base layout); the home page
shows the same groups as tiles."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from flask import g, request, url_for
from flask_babel import lazy_gettext as _l

from core.plugins.types import DEFAULT_GROUP_ORDER, NavEntry
from core.state import kernel
from core.wording import lazy_word

if TYPE_CHECKING:
    from core.auth import Principal
    from core.tenancy import TenantRef

CORE_NAVIGATION: list[NavEntry] = []
# Core's two groups: the school's registers first, the office's tools last.
REGISTERS = (lazy_word("Our school"), 10)  # a kindergarten's reads 本园
ADMINISTRATION = (_l("Administration"), 900)
REGISTERS_BEFORE = 100  # a core entry with no group and a smaller order is a register
MORE = _l("More")  # the group of an entry no module owns (should not happen)


def core_entries(*entries: NavEntry) -> None:
    """Add core's own entries. One that names no group goes with the registers when its
    ``order`` is below 100 (classes, students…), else with the administration tools."""
    for entry in entries:
        if entry.group is None:
            title, order = REGISTERS if entry.order < REGISTERS_BEFORE else ADMINISTRATION
            entry = replace(entry, group=title, group_order=order)
        CORE_NAVIGATION.append(entry)


@dataclass
class Place:
    """An entry as the navigation shows it: its address, and whether it is the page shown."""

    title: object
    url: str
    current: bool = False


@dataclass
class Group:
    title: object
    order: int
    places: list[Place] = field(default_factory=list)


def _group_of(entry: NavEntry) -> tuple[object, int]:
    order = entry.group_order if entry.group_order is not None else DEFAULT_GROUP_ORDER
    if entry.group is not None:
        return entry.group, order
    state = kernel()
    owner = state.blueprint_owners.get(entry.endpoint.partition(".")[0])
    manifest = state.plugins.manifests.get(owner) if owner else None
    return (manifest.title if manifest else MORE), order


def grouped(offered: Iterable[Iterable[NavEntry]], principal: Principal,
            here: str | None = None) -> list[Group]:
    """The entries this person may see, in groups by module, each group and each entry in
    its order; the entry whose address is ``here``, or the longest that leads to it, is the
    current one."""
    groups: dict[str, Group] = {}
    entries = [e for batch in offered for e in batch if e.permission in principal.permissions]
    for entry in sorted(entries, key=lambda e: (e.order, str(e.title))):
        url = url_for(entry.endpoint)
        title, order = _group_of(entry)
        group = groups.setdefault(str(title), Group(title, order))
        group.order = min(group.order, order)
        group.places.append(Place(entry.title, url))
    ordered = sorted(groups.values(), key=lambda group: (group.order, str(group.title)))
    if here is not None:
        _mark(ordered, here)
    return ordered


def _mark(groups: list[Group], here: str) -> None:
    """The page shown is the entry's own, or one under it (a student under Students)."""
    best: Place | None = None
    for place in (p for group in groups for p in group.places):
        path = place.url.split("?", 1)[0]
        under = here == path or here.startswith(path.rstrip("/") + "/")
        if under and (best is None or len(path) > len(best.url.split("?", 1)[0])):
            best = place
    if best is not None:
        best.current = True


def offered_entries(tenant: TenantRef, principal: Principal) -> list[list[NavEntry]]:
    """Core's entries and those of the modules the school has switched on."""
    from core.schools.modules import enabled_modules

    hooks = kernel().plugins.hooks_for(enabled_modules())
    return [CORE_NAVIGATION, *hooks.houqin_navigation(tenant=tenant, principal=principal)]


def navigation() -> list[Group]:
    """The navigation of the page being shown, worked out once per request: empty outside a
    school, signed out, or for someone who holds no role in the school."""
    # Kept on the request, not on ``g``: an app context (and its ``g``) may outlive a request.
    found = getattr(request, "houqin_navigation", None)
    if found is None:
        tenant, principal = g.get("tenant"), g.get("principal")
        if tenant is None or principal is None or "core.school.read" not in principal.permissions:
            found = []
        else:
            found = grouped(offered_entries(tenant, principal), principal,
                            request.script_root + request.path)
        request.houqin_navigation = found
    return found
