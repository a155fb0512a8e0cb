"""The fee charts on the report pages and the home card: each class's collection rate and the
arrears at each month's end, drawn with ``core.sdk.charts`` from ``services.trends``."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from markupsafe import Markup

from core.sdk import _, charts, yuan

from .services import trends
from .services.reports import Collection


def collection_rates(rows: Iterable[Collection], small: bool = False) -> Markup:
    """Each class's collection rate on the term, a bar a class on a scale to 100%."""
    points = [charts.Point(rate.title, rate.rate, f"{rate.rate}%" if rate.rate is not None
                           else "—") for rate in trends.class_rates(rows)]
    return charts.bar_chart(_("Collection rate by class"), points,
                            (_("Class"), _("Collection rate")), maximum=100, small=small,
                            empty=_("No bills issued this term yet."))


def arrears_by_month(term_id: uuid.UUID, class_ids: Iterable[uuid.UUID] | None = None,
                     small: bool = False) -> Markup:
    """What the term's bills still owed at the end of each month, in yuan."""
    points = [charts.Point(found.month.strftime("%Y-%m"), found.owed, yuan(found.owed))
              for found in trends.arrears_by_month(term_id, class_ids)]
    return charts.column_chart(_("Arrears at the end of each month (yuan)"), points,
                               (_("Month"), _("Owed (yuan)")), small=small,
                               empty=_("The term has not begun yet."))
