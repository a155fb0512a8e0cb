"""Meter pages: the list with the form to set one up, one meter with its readings, its
replacement and retirement; a month's readings as .xlsx; a reading's photo."""

from __future__ import annotations

import uuid

from flask import redirect, render_template, request, url_for

from core.sdk import NotFound, _, buildings, db, forms, requires, send_stored

from .. import exports
from ..models import KIND_TITLES, KINDS, READING_KIND_TITLES, Meter
from ..schemas import MeterBuildingSchema, MeterSchema, ReplacementSchema
from ..services import local, meters, readings, today
from . import bp

METER_FIELDS = ("number", "kind", "building_id", "location", "parent_id", "digits",
                "multiplier", "installed_on")
REPLACE_FIELDS = ("read_at", "final_value", "number", "digits", "multiplier", "first_value")


def _render_list(errors: dict, form: dict, status: int = 200):
    rows, page, more = forms.page_of(meters.listed(retired=request.args.get("retired") == "1"))
    parents = db.session.scalars(meters.listed().where(Meter.parent_id.is_(None))).all()
    return render_template("energy/meters.html", rows=rows, page=page, more=more,
                           errors=errors, form=form, kinds=KINDS, kind_titles=KIND_TITLES,
                           parents=parents, buildings=buildings()), status


@bp.route("/meters", endpoint="meters")
@requires("energy.read")
def meters_page():
    return _render_list({}, {"installed_on": today().isoformat(), "digits": "5",
                             "multiplier": "1"})



@bp.route("/meters", methods=["POST"])
@requires("energy.meters.manage")
@forms.submitted(_render_list, picked=("parent_id", "building_id"))
def create_meter():
    data = MeterSchema().load_form(forms.schema_fields(request.form, METER_FIELDS,
                                                  optional=("parent_id", "building_id")))
    meter = meters.create(data)
    return redirect(url_for("energy_pages.meter", meter_id=meter.id))


def _render_meter(errors: dict, form: dict, status: int = 200, *, meter_id: uuid.UUID):
    meter = meters.get(meter_id)
    rows, page, more = forms.page_of(readings.listed(meter.id))
    subs = db.session.scalars(meters.listed(retired=True).where(Meter.parent_id == meter.id)).all()
    return render_template("energy/meter.html", meter=meter, rows=rows, page=page, more=more,
                           subs=subs, errors=errors, form=form, kind_titles=KIND_TITLES,
                           buildings=buildings(),
                           reading_titles=READING_KIND_TITLES, local=local), status


@bp.route("/meters/<uuid:meter_id>")
@requires("energy.read")
def meter(meter_id: uuid.UUID):
    return _render_meter({}, {}, meter_id=meter_id)


@bp.route("/meters/<uuid:meter_id>/replacement", methods=["POST"])
@requires("energy.meters.manage")
@forms.submitted(_render_meter)
def replace_meter(meter_id: uuid.UUID):
    meters.get(meter_id)
    data = ReplacementSchema().load_form(forms.schema_fields(request.form, REPLACE_FIELDS))
    new = meters.replace(meter_id, data)
    return redirect(url_for("energy_pages.meter", meter_id=new.id))


@bp.route("/meters/<uuid:meter_id>/building", methods=["POST"])
@requires("energy.meters.manage")
@forms.submitted(_render_meter, picked=("building_id",))
def place_meter(meter_id: uuid.UUID):
    meter = meters.get(meter_id)
    data = MeterBuildingSchema().load_form(forms.schema_fields(request.form, ("building_id",),
                                                               optional=("building_id",)))
    meters.place(meter, data["building_id"])
    return redirect(url_for("energy_pages.meter", meter_id=meter_id))


@bp.route("/meters/<uuid:meter_id>/retirement", methods=["POST"])
@requires("energy.meters.manage")
@forms.submitted(_render_meter)
def retire_meter(meter_id: uuid.UUID):
    meters.retire(meters.get(meter_id), today())
    return redirect(url_for("energy_pages.meter", meter_id=meter_id))


@bp.route("/readings.xlsx")
@requires("energy.read")
def readings_xlsx():
    first = forms.month_arg("month", today().replace(day=1))
    return exports.readings_download(first)


@bp.route("/readings/<uuid:reading_id>/photo")
@requires("energy.read")
def reading_photo(reading_id: uuid.UUID):
    reading = readings.get(reading_id)
    if reading.photo_id is None:
        raise NotFound(_("This reading has no photo."))
    return send_stored(reading.photo_id)
