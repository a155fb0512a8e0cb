"""Entering readings on a phone (a short form, a photo of the dial). Imports go through
core's register pages (``registers.READINGS``)."""

from __future__ import annotations

import uuid
from datetime import datetime

from flask import redirect, render_template, request, url_for
from marshmallow import ValidationError

from core.sdk import _, db, forms, requires, school_zone

from ..schemas import ReadingSchema
from ..services import meters, readings
from . import bp


def _render_form(errors: dict, form: dict, status: int = 200):
    choices = db.session.scalars(meters.listed()).all()
    return render_template("energy/reading_form.html", meters=choices, errors=errors,
                           form=form), status


@bp.route("/readings/new")
@requires("energy.readings.write")
def reading_form():
    now = datetime.now(school_zone())
    return _render_form({}, {"meter_id": request.args.get("meter_id", ""),
                             "day": now.date().isoformat(), "time": now.strftime("%H:%M")})


@bp.route("/readings/new", methods=["POST"])
@requires("energy.readings.write")
@forms.submitted(_render_form, picked=("meter_id",), saved=None)
def record_reading():
    form = request.form
    try:
        meter_id = uuid.UUID(form.get("meter_id", ""))
    except ValueError:
        raise ValidationError({"meter_id": [_("choose a meter")]}) from None
    day, at = form.get("day", "").strip(), form.get("time", "").strip() or "08:00"
    try:
        read_at = datetime.fromisoformat(f"{day}T{at}")
    except ValueError:
        raise ValidationError({"day": [_("a day and a time, such as 2026-11-16 08:00")]}) from None
    data = ReadingSchema().load({"read_at": read_at.isoformat(), "value": form.get("value", ""),
                                 "rolled_over": form.get("rolled_over") == "on",
                                 "note": form.get("note", "")})
    upload = request.files.get("photo")
    photo = (upload.filename or "photo", upload.read()) if upload and upload.filename else None
    reading = readings.record(meter_id, data, photo=photo)
    return redirect(url_for("energy_pages.reading_form", meter_id=meter_id,
                            saved=str(reading.value)))
