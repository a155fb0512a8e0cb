"""A dish's photo on the pages: taken with the phone's camera on the dishes page, shown there as
a thumbnail, and shown to parents on the public menu."""

from __future__ import annotations

import uuid

from flask import redirect, url_for

from core.sdk import RuleBroken, forms, public, requires, send_stored
from core.sdk import lazy_gettext as _l

from ..services import dish_photos as services
from ..services.menus import get_dish
from . import bp
from .menus import render_dishes, uploaded_photo


@bp.route("/dishes/<uuid:dish_id>/photo")
@requires("canteen.read")
def dish_photo(dish_id: uuid.UUID):
    return send_stored(forms.found(services.photo_of, dish_id))


@bp.route("/dishes/<uuid:dish_id>/photo", methods=["POST"])
@requires("canteen.menu.manage")
@forms.submitted(lambda errors, form, status, dish_id: render_dishes(
    {f"photo-{dish_id}": errors["photo"]}, {}, status), field="photo")
def set_dish_photo(dish_id: uuid.UUID):
    forms.found(get_dish, dish_id)
    photo = uploaded_photo()
    if photo is None:
        raise RuleBroken(str(_l("Choose a photo to upload.")), "photo")
    services.set_photo(dish_id, *photo)
    return redirect(url_for("canteen_pages.dishes"))


@bp.route("/dishes/<uuid:dish_id>/photo/delete", methods=["POST"])
@requires("canteen.menu.manage")
# Another school's dish is a 404; a dish without a photo leaves the list as it is.
@forms.submitted(lambda errors, form, status, dish_id: redirect(url_for("canteen_pages.dishes")))
def remove_dish_photo(dish_id: uuid.UUID):
    services.remove_photo(dish_id)
    return redirect(url_for("canteen_pages.dishes"))


@bp.route("/public/dishes/<uuid:dish_id>/photo")
@public
def public_dish_photo(dish_id: uuid.UUID):
    """A dish's photo for the parents' menu: no sign-in, the school of the address only, and
    nothing but a dish's photo (any other id is a 404)."""
    return send_stored(forms.found(services.photo_of, dish_id))
