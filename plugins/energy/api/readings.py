"""Readings: list, record one (JSON, or a form with a photo of the dial), import .xlsx."""

from __future__ import annotations

import uuid

from flask import request
from marshmallow import fields

from core.sdk import MAX_PAGE_SIZE, PAGE_SIZE, RuleBroken, Schema, _, page_of, requires, transactional

from ..schemas import ReadingImportSchema, ReadingQuerySchema, ReadingSchema
from ..services import importing, readings
from . import blp


class ImportedRowSchema(Schema):
    row = fields.Integer()
    meter = fields.String()
    errors = fields.Dict(keys=fields.String(), values=fields.String())


class ImportAnswerSchema(Schema):
    dry_run = fields.Boolean()
    kept = fields.Integer()
    refused = fields.List(fields.Nested(ImportedRowSchema))


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


@blp.route("/readings/import", methods=["POST"])
@blp.arguments(ReadingImportSchema, location="query")
@blp.response(200, ImportAnswerSchema)
@requires("energy.readings.write")
@transactional
def import_readings(query):
    """An .xlsx of readings (columns: meter number, read at, reading, rolled over, note) in
    the field ``file``. Each row is checked as one reading entered by hand; rows refused are
    listed with their errors by column and the others kept, unless ``dry_run`` (the default),
    which keeps nothing."""
    upload = request.files.get("file")
    if upload is None:
        raise RuleBroken(_("an .xlsx file"), "file")
    outcome = importing.read(upload.read(), keep=not query["dry_run"])
    return {"dry_run": query["dry_run"], "kept": outcome.kept,
            "refused": [{"row": r.row, "meter": r.meter, "errors": r.errors}
                        for r in outcome.refused]}
