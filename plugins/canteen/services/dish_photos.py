"""A dish's photo: one image per dish, kept by core's file store, shown on the dishes page and
on the parents' menu. Only a file that is the photo of one of the school's dishes is ever
served through a dish."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from core.sdk import RuleBroken, StoredFile, _, audit, db, store_upload, stored_file

from ..models import Dish
from .menus import get_dish

PURPOSE = "dish_photo"


def _discard(file_id: uuid.UUID) -> None:
    """Delete a photo no dish shows any more (the file store does not audit its rows, so the
    deletion is recorded here)."""
    old = stored_file(file_id)
    audit.record("delete", "stored_file", str(old.id),
                 before={"purpose": old.purpose, "filename": old.filename, "sha256": old.sha256})
    db.session.delete(old)


def set_photo(dish_id: uuid.UUID, filename: str, content: bytes) -> Dish:
    """Give the dish a photo, or replace the one it has. Refused, naming ``photo``: anything
    but a PNG, JPEG or WebP image (read from its bytes), or a file over the upload limit."""
    dish = get_dish(dish_id)
    stored = store_upload(filename, content, purpose=PURPOSE, field="photo", kinds=("image",))
    old, dish.photo_id = dish.photo_id, stored.id
    db.session.flush()
    if old is not None:
        _discard(old)
        db.session.flush()
    return dish


def remove_photo(dish_id: uuid.UUID) -> Dish:
    dish = get_dish(dish_id)
    if dish.photo_id is None:
        raise RuleBroken(_("this dish has no photo"), "photo", status=404)
    old, dish.photo_id = dish.photo_id, None
    db.session.flush()
    _discard(old)
    db.session.flush()
    return dish


def photo_of(dish_id: uuid.UUID) -> uuid.UUID:
    """The id of the dish's photo; a 404 for a dish of another school or one without a photo,
    and for any file that is not a dish photo."""
    photo_id = db.session.scalar(select(Dish.photo_id).where(Dish.id == dish_id))
    if photo_id is None:
        raise RuleBroken(_("this dish has no photo"), "photo", status=404)
    purpose = db.session.scalar(select(StoredFile.purpose).where(StoredFile.id == photo_id))
    if purpose != PURPOSE:
        raise RuleBroken(_("this dish has no photo"), "photo", status=404)
    return photo_id
