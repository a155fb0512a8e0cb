"""Small value types plugins return from hooks."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any


@dataclass(frozen=True)
class NavEntry:
    """A place in the school's navigation, shown to whoever holds ``permission``.

    Entries are shown in groups, one per module: ``group`` is the group's title (a lazy
    translatable string, say ``_l("Canteen")``) and ``group_order`` places the group among
    the others (core's registers come at 10, its administration at 900). An entry that names
    no group joins the one of the module that serves its page, titled as the module is, at
    ``DEFAULT_GROUP_ORDER``; ``order`` places the entry within its group. (``group`` and
    ``group_order`` were added in core 0.1 with the navigation on every page; entries without
    them keep working.)
    """

    title: object  # a lazy translatable string
    endpoint: str
    permission: str
    icon: str | None = None
    order: int = 100
    group: object | None = None
    group_order: int | None = None


DEFAULT_GROUP_ORDER = 500


@dataclass(frozen=True)
class Widget:
    """A card on a home page: ``template`` is rendered with this widget as ``widget``, so the
    figures the hook computed travel in ``data``.

    ``today`` says the card is this person's work for today (the samples still to take, the
    counts still to report, today's takings): such cards come first on the home page, under
    "Today's work", before everything else. Set it for the person the hook is called for, not for
    everyone who may see the card.
    """

    title: object
    template: str
    permission: str
    order: int = 100
    data: Mapping[str, Any] = field(default_factory=dict)
    today: bool = False


@dataclass(frozen=True)
class CalendarEntry:
    """One thing a module puts on the school calendar's month: on ``day``, ``title`` (text as
    shown, already in the person's language), linking to ``endpoint`` with ``endpoint_args``,
    shown to whoever holds ``permission``. ``late`` marks what is past due."""

    day: date
    title: str
    endpoint: str
    permission: str
    endpoint_args: Mapping[str, Any] = field(default_factory=dict)
    late: bool = False


@dataclass(frozen=True)
class SearchHit:
    """One record the navigation's search box found, linking to the record's page.

    ``kind`` names what was found (``"student"``, ``"supplier"``): hits are shown grouped by
    it, under ``kind_title`` (a lazy translatable string, say ``_l("Suppliers")``), the
    groups in ``kind_order``. ``title`` is what the person looked for (a name), ``detail``
    what tells two alike apart (a class, a number). The link is
    ``url_for(endpoint, **values)``, shown only to whoever holds ``permission``.
    """

    kind: str
    kind_title: object
    title: str
    endpoint: str
    permission: str
    values: Mapping[str, Any] = field(default_factory=dict)
    detail: str = ""
    kind_order: int = 100
