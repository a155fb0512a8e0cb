"""The canteen charts on the report pages and the home card: the food-safety records missing
each day of the last 30, and the food cost per eater week by week, drawn with
``core.sdk.charts`` from ``services.trends``."""

from __future__ import annotations

from datetime import date, timedelta

from markupsafe import Markup

from core.sdk import _, charts, yuan

from .services import trends

DAYS = 30


def missing_records(last: date, small: bool = False) -> Markup:
    """The samples, morning checks and hygiene records missing on each of the 30 days that
    end with ``last``, stacked by area."""
    found = trends.missing_by_day(last - timedelta(days=DAYS - 1), last)
    labels = [f"{d.day.month}-{d.day.day:02d}" for d in found]
    series = [charts.Series(_("Samples"), [d.samples for d in found]),
              charts.Series(_("Morning checks"), [d.checks for d in found]),
              charts.Series(_("Hygiene"), [d.hygiene for d in found])]
    return charts.stacked_chart(_("Missing food-safety records, last %(days)s days", days=DAYS),
                                labels, series, (_("Day"),), small=small)


def cost_per_eater(start: date, end: date, small: bool = False) -> Markup:
    """The food cost per eater of every week from ``start`` to ``end``, in yuan."""
    points = [charts.Point(f"{w.monday.month}-{w.monday.day:02d}", w.per_eater_fen,
                           yuan(w.per_eater_fen, "—"))
              for w in trends.cost_by_week(start, end)]
    return charts.line_chart(_("Food cost per eater by week (yuan)"), points,
                             (_("Week beginning"), _("Per eater (yuan)")), small=small,
                             empty=_("No meals counted in these weeks."))
