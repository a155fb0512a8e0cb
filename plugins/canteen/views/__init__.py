"""Web pages under /m/canteen: one blueprint, its routes in one module an area. Pages use the
same schemas and services as the API."""

from __future__ import annotations

from datetime import date, timedelta

from flask import Blueprint

from core.sdk import forms
from core.sdk import lazy_gettext as _l

from .. import services
from ..models import ALLERGEN_TITLES, SLOT_TITLES

bp = Blueprint("canteen_pages", __name__, url_prefix="/m/canteen", template_folder="../templates")

WEEKDAYS = (_l("Mon"), _l("Tue"), _l("Wed"), _l("Thu"), _l("Fri"), _l("Sat"), _l("Sun"))


def day_arg(name: str) -> date:
    """The day named in the query string, or today at the school."""
    return forms.day_arg(name, services.today())


def month_arg(name: str = "month") -> date:
    """The first day of the month named in the query string (2026-11), or of this month."""
    return forms.month_arg(name, services.today().replace(day=1))


def common() -> dict:
    """What every canteen page's template uses."""
    return {"slot_titles": SLOT_TITLES, "allergen_titles": ALLERGEN_TITLES,
            "weekdays": WEEKDAYS, "slots": services.settings()["meal_slots"],
            "timedelta": timedelta}


from . import (  # noqa: E402,F401
    counts,
    dish_photos,
    exports,
    fees,
    health,
    hygiene,
    menus,
    receiving,
    report,
    samples,
    stock,
    stock_counts,
    suppliers,
    tuckshop,
    tuckshop_sales,
)
# each registers its routes on bp
# each module registers its routes on the blueprint
# each registers its routes on bp
