"""The safety module's rules, free of request objects: ``hazards`` takes a hidden hazard from
its report through its owner's fix and someone else's verification to closure, and tells the
director and the district when it runs late."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from core.sdk import module_settings, school_today, school_zone, store_upload

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


def local(moment: datetime) -> datetime:
    """A stored (UTC) moment on the school's clock."""
    return moment.astimezone(school_zone())
