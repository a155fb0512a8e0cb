"""A dish's photo on the pages: taken with the phone's camera on the dishes page, shown there as
a thumbnail, and shown to parents on the public menu."""

from __future__ import annotations

import uuid

from flask import redirect, url_for
from flask_babel import lazy_gettext as _l

from core.sdk import RuleBroken, db, forms, public, requires, send_stored

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
def set_dish_photo(dish_id: uuid.UUID):
    forms.found(get_dish, dish_id)
    try:
        photo = uploaded_photo()
        if photo is None:
            raise RuleBroken(str(_l("Choose a photo to upload.")), "photo")
        services.set_photo(dish_id, *photo)
    except RuleBroken as exc:
        status = forms.refusal_status(exc)
        return render_dishes({f"photo-{dish_id}": str(exc)}, {}, status)
    db.session.commit()
    return redirect(url_for("canteen_pages.dishes"))


@bp.route("/dishes/<uuid:dish_id>/photo/delete", methods=["POST"])
@requires("canteen.menu.manage")
def remove_dish_photo(dish_id: uuid.UUID):
    try:
        services.remove_photo(dish_id)
    except RuleBroken as exc:
        forms.refusal_status(exc)  # a 404 for another school's dish, or one without a photo
    db.session.commit()
    return redirect(url_for("canteen_pages.dishes"))


@bp.route("/public/dishes/<uuid:dish_id>/photo")
@public
def public_dish_photo(dish_id: uuid.UUID):
    """A dish's photo for the parents' menu: no sign-in, the school of the address only, and
    nothing but a dish's photo (any other id is a 404)."""
    return send_stored(forms.found(services.photo_of, dish_id))
