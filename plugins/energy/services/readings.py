"""Readings: each checked against the meter's last one. A reading lower than the last is
refused unless the dial rolled over (past its highest figure back to 0: the use is
highest + 1 − last + new) or the meter was replaced (the old one's final reading, the new
one's first). Two readings of a meter at the same moment are a clash (409)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from decimal import Decimal

from flask import current_app
from sqlalchemy import select

from core.sdk import RuleBroken, _, acting_name, db, first_writer, get_or_404, store_upload

from ..models import Meter, Reading
from . import at_school, local, meters

PHOTO_BYTES = 5_000_000  # a phone's photo of a dial, well within


def moment(read_at: datetime) -> datetime:
    return at_school(read_at).replace(microsecond=0)


def last_of(meter_id: uuid.UUID) -> Reading | None:
    return db.session.scalar(select(Reading).where(Reading.meter_id == meter_id)
                             .order_by(Reading.read_at.desc()).limit(1))


def used_since(meter: Meter, last: Reading | None, value: Decimal, rolled_over: bool
               ) -> Decimal | None:
    """The units used since ``last`` (dial difference × multiplier), or the refusal naming
    the field at fault."""
    if value >= meter.wraps_at:
        raise RuleBroken(_("the dial shows at most %(digits)s whole digits",
                           digits=meter.digits), "value")
    if last is None:
        if rolled_over:
            raise RuleBroken(_("a meter's first reading cannot have rolled over"),
                             "rolled_over")
        return None
    if value < last.value:
        if not rolled_over:
            raise RuleBroken(_("lower than the last reading (%(value)s on %(day)s): tick "
                               "\"rolled over\" if the dial passed its highest figure, or "
                               "record the meter's replacement",
                               value=last.value, day=local(last.read_at).date().isoformat()),
                             "value")
        return (meter.wraps_at - last.value + value) * meter.multiplier
    if rolled_over:
        raise RuleBroken(_("not lower than the last reading (%(value)s): the dial has not "
                           "rolled over", value=last.value), "rolled_over")
    return (value - last.value) * meter.multiplier


def _refuse_same_moment(meter_id: uuid.UUID, read_at: datetime) -> None:
    if db.session.scalar(select(Reading.id).where(Reading.meter_id == meter_id,
                                                  Reading.read_at == read_at)):
        raise RuleBroken(_("this meter already has a reading at this time"), "read_at",
                         status=409)


def record(meter_id: uuid.UUID, data: dict, kind: str = "regular",
           photo: tuple[str, bytes] | None = None) -> Reading:
    """Record what the dial showed at ``data["read_at"]`` (a time without a zone is the
    school's clock), with a photo of the dial if one came."""
    meter = meters.get(meter_id)
    read_at = moment(data["read_at"])
    if meter.retired_on is not None:
        raise RuleBroken(_("this meter was retired on %(day)s",
                           day=meter.retired_on.isoformat()), "meter_id", status=409)
    if read_at > datetime.now(UTC):
        raise RuleBroken(_("a time in the future"), "read_at")
    if local(read_at).date() < meter.installed_on:
        raise RuleBroken(_("before the meter was installed (%(day)s)",
                           day=meter.installed_on.isoformat()), "read_at")
    _refuse_same_moment(meter.id, read_at)
    last = last_of(meter.id)
    if last is not None and read_at < last.read_at:
        raise RuleBroken(_("before the meter's last reading (%(time)s): readings go in order",
                           time=local(last.read_at).strftime("%Y-%m-%d %H:%M")), "read_at")
    used = used_since(meter, last, data["value"], data.get("rolled_over", False))
    photo_id = None
    if photo is not None:
        limit = min(PHOTO_BYTES, current_app.config["UPLOAD_MAX_BYTES"])
        photo_id = store_upload(photo[0], photo[1], "energy.reading", field="photo",
                                kinds=("image",), max_bytes=limit).id
    reading = Reading(meter_id=meter.id, read_at=read_at, value=data["value"],
                      rolled_over=data.get("rolled_over", False),
                      kind="first" if last is None and kind == "regular" else kind, used=used,
                      photo_id=photo_id, note=data.get("note", "").strip(),
                      recorded_by=acting_name())
    return first_writer(reading, winner=lambda: _refuse_same_moment(meter.id, read_at))


def get(reading_id: uuid.UUID) -> Reading:
    """The school's reading, else a 404 naming ``reading_id``."""
    return get_or_404(Reading, reading_id, "reading_id")


def listed(meter_id: uuid.UUID | None = None):
    query = select(Reading).order_by(Reading.read_at.desc(), Reading.id)
    if meter_id is not None:
        query = query.where(Reading.meter_id == meter_id)
    return query
