"""Retained samples."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from core.sdk import requires, transactional

from ..schemas import DayQuerySchema
from ..schemas.samples import DisposalSchema, SampleDaySchema, SampleSchema
from ..services import samples as services
from . import blp


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
