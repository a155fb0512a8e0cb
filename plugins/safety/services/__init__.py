"""The safety module's rules, free of request objects: ``hazards`` takes a hidden hazard from
its report through its owner's fix and someone else's verification to closure, and tells the
director and the district when it runs late."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from core.sdk import RuleBroken, _, buildings, module_settings, school_today, school_zone, store_upload

PHOTO_BYTES = 5_000_000  # a phone's photo, well within


def settings() -> dict:
    return module_settings("safety")


def today() -> date:
    return school_today()


def stored_photo(photo: tuple[str, bytes] | None, purpose: str) -> uuid.UUID | None:
    """Keep a photo taken on a phone (an image, checked by its content, at most 5 MB), or
    refuse it naming ``photo``; None when none came."""
    if photo is None:
        return None
    return store_upload(photo[0], photo[1], purpose, field="photo", kinds=("image",),
                        max_bytes=PHOTO_BYTES).id


def check_building(building_id: uuid.UUID | None) -> None:
    """Refuse an id that is not one of this school's buildings (another school's is none),
    naming ``building_id``; None (no building) passes."""
    if building_id is not None and not buildings([building_id]):
        raise RuleBroken(_("no such building in this school"), "building_id")


def local(moment: datetime) -> datetime:
    """A stored (UTC) moment on the school's clock."""
    return moment.astimezone(school_zone())
