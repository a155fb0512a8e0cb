"""Any canteen register as .xlsx."""

from __future__ import annotations

from core.sdk import requires, transactional

from .. import exports
from ..schemas import PeriodSchema
from . import blp


@blp.route("/exports/<name>.xlsx")
@blp.arguments(PeriodSchema, location="query")
@blp.response(200, content_type=exports.XLSX)
@requires("canteen.read")
@transactional
def export_register(period, name: str):
    """The records of one register (samples, menus, deliveries, …) from ``start`` to ``end``."""
    return exports.xlsx_response(name, period["start"], period["end"])
