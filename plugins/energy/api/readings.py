"""Readings: list, record one (JSON, or a form with a photo of the dial). Imports go through
core's registers (``houqin_registers``)."""

from __future__ import annotations

import uuid

from core.sdk import MAX_PAGE_SIZE, PAGE_SIZE, page_of, requires, transactional

from ..schemas import ReadingQuerySchema, ReadingSchema
from ..services import readings
from . import blp


@blp.route("/readings")
@blp.arguments(ReadingQuerySchema, location="query")
@blp.response(200, ReadingSchema(many=True))
@blp.paginate(page_size=PAGE_SIZE, max_page_size=MAX_PAGE_SIZE)
@requires("energy.read")
def list_readings(query, pagination_parameters):
    """Readings, newest first, of every meter or of ``meter_id``."""
    return page_of(readings.listed(query.get("meter_id")), pagination_parameters)


@blp.route("/meters/<uuid:meter_id>/readings", methods=["POST"])
@blp.arguments(ReadingSchema)
@blp.response(201, ReadingSchema)
@requires("energy.readings.write")
@transactional
def record_reading(data, meter_id: uuid.UUID):
    """Record what the dial showed. Refused naming the field: a time in the future or before
    the last reading (``read_at``), a figure lower than the last without ``rolled_over``
    (``value``); a second reading at the same time is a 409."""
    return readings.record(meter_id, data)
