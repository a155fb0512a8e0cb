"""The energy charts: a month's use day by day, and twelve months against the year before,
drawn with ``core.sdk.charts`` from ``services.usage``."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from markupsafe import Markup

from core.sdk import _, charts

from .models import KIND_TITLES, UNITS
from .services.usage import month_end, shown


def days_of_month(kind: str, first: date, days: dict[date, Decimal], small: bool = False
                  ) -> Markup:
    points = []
    day = first
    while day <= month_end(first):
        used = days.get(day)
        used = shown(used) if used is not None else None
        points.append(charts.Point(str(day.day), used or 0, str(used) if used is not None
                                   else "—"))
        day += timedelta(days=1)
    return charts.column_chart(
        _("%(kind)s use each day (%(unit)s)", kind=KIND_TITLES[kind], unit=UNITS[kind]),
        points if any(p.value for p in points) else [], (_("Day"), _("Use")), small=small,
        empty=_("No readings span these days yet."))


def months_against_last_year(kind: str, months: list[tuple[date, Decimal | None,
                                                          Decimal | None]]) -> Markup:
    """Each month's use, and how it moved against the same month a year before (a line of
    percentages: below 0 is a saving). The SDK's charts have no paired columns, so the year
    before is drawn as the change, not as a second column."""
    from .services.usage import change

    used = charts.column_chart(
        _("%(kind)s use each month (%(unit)s)", kind=KIND_TITLES[kind], unit=UNITS[kind]),
        [charts.Point(first.strftime("%Y-%m"), value or 0,
                      str(value) if value is not None else "—")
         for first, value, _before in months] if any(v for _f, v, _b in months) else [],
        (_("Month"), _("Use")), empty=_("No readings span these months yet."))
    moved = [charts.Point(first.strftime("%Y-%m"), change(value, before),
                          f"{change(value, before)}%" if change(value, before) is not None
                          else "—") for first, value, before in months]
    against = charts.line_chart(
        _("%(kind)s: change against the same month a year before (%%)", kind=KIND_TITLES[kind]),
        moved if any(p.value is not None for p in moved) else [],
        (_("Month"), _("Change")), empty=_("No month to compare with a year before yet."))
    return Markup(used + against)
