"""Meters: list, set up, read one, replace one, retire one."""

from __future__ import annotations

import uuid

from core.sdk import MAX_PAGE_SIZE, PAGE_SIZE, page_of, requires, transactional

from ..schemas import MeterBuildingSchema, MeterQuerySchema, MeterSchema, ReplacementSchema
from ..services import meters, today
from . import blp


@blp.route("/meters")
@blp.arguments(MeterQuerySchema, location="query")
@blp.response(200, MeterSchema(many=True))
@blp.paginate(page_size=PAGE_SIZE, max_page_size=MAX_PAGE_SIZE)
@requires("energy.read")
def list_meters(query, pagination_parameters):
    """The school's meters by kind and number (retired ones with ``retired=true``)."""
    return page_of(meters.listed(query.get("kind"), query["retired"]), pagination_parameters)


@blp.route("/meters", methods=["POST"])
@blp.arguments(MeterSchema)
@blp.response(201, MeterSchema)
@requires("energy.meters.manage")
@transactional
def create_meter(data):
    """Set up a meter; its number is unique in the school (409 when taken)."""
    return meters.create(data)


@blp.route("/meters/<uuid:meter_id>")
@blp.response(200, MeterSchema)
@requires("energy.read")
def get_meter(meter_id: uuid.UUID):
    """One meter; another school's, or none, is the same 404."""
    return meters.get(meter_id)


@blp.route("/meters/<uuid:meter_id>/replacement", methods=["POST"])
@blp.arguments(ReplacementSchema)
@blp.response(201, MeterSchema)
@requires("energy.meters.manage")
@transactional
def replace_meter(data, meter_id: uuid.UUID):
    """Replace a meter: the old one's final reading and the new one's first, both at
    ``read_at``. Answers the new meter."""
    return meters.replace(meter_id, data)


@blp.route("/meters/<uuid:meter_id>/building", methods=["PUT"])
@blp.arguments(MeterBuildingSchema)
@blp.response(200, MeterSchema)
@requires("energy.meters.manage")
@transactional
def place_meter(data, meter_id: uuid.UUID):
    """Name the building a meter is in: one of the school's buildings (another school's id is
    refused by ``building_id``, as none), or null for none."""
    meter = meters.get(meter_id)
    meters.place(meter, data["building_id"])
    return meter


@blp.route("/meters/<uuid:meter_id>/retirement", methods=["POST"])
@blp.response(200, MeterSchema)
@requires("energy.meters.manage")
@transactional
def retire_meter(meter_id: uuid.UUID):
    """Take a meter out of use today (it keeps its readings)."""
    meter = meters.get(meter_id)
    meters.retire(meter, today())
    return meter
