"""Retained samples."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from marshmallow import fields

from core.sdk import Schema, requires, transactional

from ..schemas import DayQuerySchema
from ..schemas.samples import DisposalSchema, SampleSchema
from ..services import samples as services
from . import blp


class MissingSampleSchema(Schema):
    slot = fields.String()
    dish_id = fields.UUID()
    dish = fields.String()


class SampleDaySchema(Schema):
    day = fields.Date()
    samples = fields.List(fields.Nested(SampleSchema))
    missing = fields.List(fields.Nested(MissingSampleSchema))
    overdue = fields.List(fields.Nested(SampleSchema))


@blp.route("/samples")
@blp.arguments(DayQuerySchema, location="query")
@blp.response(200, SampleDaySchema)
@requires("canteen.read")
def sample_day(query):
    """The day's samples, the served dishes still lacking one, and overdue disposals."""
    register = services.sample_day(query["day"], datetime.now(UTC))
    return {**register, "missing": [{"slot": item.slot, "dish_id": dish.id, "dish": dish.name}
                                    for item, dish in register["missing"]]}


@blp.route("/samples", methods=["POST"])
@blp.arguments(SampleSchema)
@blp.response(201, SampleSchema)
@requires("canteen.samples.write")
@transactional
def take_sample(data):
    return services.take_sample(data)


@blp.route("/samples/<uuid:sample_id>/dispose", methods=["POST"])
@blp.arguments(DisposalSchema)
@blp.response(200, SampleSchema)
@requires("canteen.samples.write")
@transactional
def dispose_sample(data, sample_id: uuid.UUID):
    return services.dispose_sample(sample_id, data["disposed_by"], datetime.now(UTC))
