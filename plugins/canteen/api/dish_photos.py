"""A dish's photo: upload (multipart, field ``photo``) to set or replace it, read it, remove it."""

from __future__ import annotations

import uuid

from flask import current_app

from core.sdk import RuleBroken, _, requires, send_stored, transactional

from ..schemas.dish_photos import PhotoUploadSchema
from ..schemas.menus import DishSchema
from ..services import dish_photos as services
from ..services.menus import get_dish, ingredients_of
from . import blp


@blp.route("/dishes/<uuid:dish_id>/photo", methods=["PUT"])
@blp.arguments(PhotoUploadSchema, location="files")
@blp.response(200, DishSchema)
@requires("canteen.menu.manage")
@transactional
def set_dish_photo(files, dish_id: uuid.UUID):
    """Set or replace the dish's photo (multipart/form-data, field ``photo``)."""
    get_dish(dish_id)
    upload = files.get("photo")
    if upload is None or not upload.filename:
        raise RuleBroken(_("Choose a photo to upload."), "photo")
    content = upload.read(current_app.config["UPLOAD_MAX_BYTES"] + 1)
    dish = services.set_photo(dish_id, upload.filename, content)
    dish.ingredients = ingredients_of([dish.id]).get(dish.id, [])
    return dish


@blp.route("/dishes/<uuid:dish_id>/photo")
@blp.response(200, content_type="image/*")
@requires("canteen.read")
@transactional
def get_dish_photo(dish_id: uuid.UUID):
    return send_stored(services.photo_of(dish_id))


@blp.route("/dishes/<uuid:dish_id>/photo", methods=["DELETE"])
@blp.response(204)
@requires("canteen.menu.manage")
@transactional
def remove_dish_photo(dish_id: uuid.UUID):
    services.remove_photo(dish_id)
