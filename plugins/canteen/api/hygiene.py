"""Hygiene logs (disinfections, pest controls, waste handovers, accompanied meals), each with
the same three endpoints, and their coverage of the meal days."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from core.sdk import (
    MAX_PAGE_SIZE,
    PAGE_SIZE,
    current_principal,
    page_of,
    requires,
    school_today,
    transactional,
)

from ..schemas import PeriodSchema, VoidSchema
from ..schemas.hygiene import SCHEMAS, DayCoverageSchema
from ..services import hygiene
from . import blp


def _routes(name: str) -> None:
    """Register the list, record and void endpoints of one log, under /<log-name>."""
    schema, path, label = SCHEMAS[name], "/" + name.replace("_", "-"), name.replace("_", " ")

    @blp.route(path, endpoint=f"list_{name}")
    @blp.arguments(PeriodSchema, location="query")
    @blp.response(200, schema(many=True))
    @blp.paginate(page_size=PAGE_SIZE, max_page_size=MAX_PAGE_SIZE)
    @blp.doc(summary=f"The {label} from start to end, voided ones too")
    @requires("canteen.read")
    def list_entries(period, pagination_parameters):
        return page_of(hygiene.entries_between(name, period["start"], period["end"]),
                       pagination_parameters)

    @blp.route(path, methods=["POST"], endpoint=f"record_{name}")
    @blp.arguments(schema)
    @blp.response(201, schema)
    @blp.doc(summary=f"Record one of the {label}; a day in the future is refused")
    @requires("canteen.hygiene.write")
    @transactional
    def record_entry(data):
        return hygiene.record(name, data, school_today())

    @blp.route(f"{path}/<uuid:entry_id>/void", methods=["POST"], endpoint=f"void_{name}")
    @blp.arguments(VoidSchema)
    @blp.response(200, schema)
    @blp.doc(summary=f"Void one of the {label} with the reason (kept, never deleted)")
    @requires("canteen.hygiene.write")
    @transactional
    def void_entry(data, entry_id: uuid.UUID):
        voided_by = data["voided_by"] or current_principal().name
        return hygiene.void(name, entry_id, data["reason"], voided_by, datetime.now(UTC))


for _name in SCHEMAS:
    _routes(_name)


@blp.route("/hygiene/coverage")
@blp.arguments(PeriodSchema, location="query")
@blp.response(200, DayCoverageSchema(many=True))
@requires("canteen.read")
@transactional
def hygiene_coverage(period):
    """Each day from ``start`` to ``end``: the meals served (a meal day has dishes on the
    menu), those a leader accompanied and those disinfected; what a meal day misses."""
    return hygiene.coverage(period["start"], period["end"])
