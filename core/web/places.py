"""The places register's page: buildings and the rooms in them, with the class or office that
uses each room. Same schemas and services as /api/v1/places."""

from __future__ import annotations

from flask import redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from core.extensions import db
from core.people import services
from core.people.models import Building, Room
from core.people.schemas import BuildingSchema, RoomSchema
from core.permissions import requires
from core.plugins.types import NavEntry
from core.web.forms import schema_fields, submitted
from core.web.nav import core_entries
from core.web.people import class_names, classes_with_grades
from core.web.views import bp

core_entries(NavEntry(_l("Places"), "web.places", "core.places.read", order=13))
# Both forms have a "name"; the inputs carry these prefixes so each error lands by its own form.
BUILDING_PREFIX = "building_"
ROOM_PREFIX = "room_"


def _rooms() -> list[tuple[Room, str]]:
    return list(db.session.execute(
        select(Room, Building.name).join(Building, Building.id == Room.building_id)
        .order_by(Building.name, Room.name)).all())


def _render_places(errors: dict[str, str], form: dict, status: int = 200):
    buildings = db.session.scalars(select(Building).order_by(Building.name)).all()
    return render_template("web/places.html", buildings=buildings, rooms=_rooms(),
                           class_names=class_names(), classes=classes_with_grades(),
                           errors=errors, form=form), status


@bp.route("/places")
@requires("core.places.read")
def places():
    return _render_places({}, {})


@bp.route("/places/buildings", methods=["POST"])
@requires("core.places.manage")
@submitted(_render_places, prefix=BUILDING_PREFIX)
def add_building():
    data = BuildingSchema().load(schema_fields(request.form, ("name",), prefix=BUILDING_PREFIX))
    services.create_building(data["name"])
    return redirect(url_for("web.places"))


@bp.route("/places/rooms", methods=["POST"])
@requires("core.places.manage")
@submitted(_render_places, prefix=ROOM_PREFIX)
def add_room():
    """Add a room, used by a class, an office, or (for now) nobody."""
    schema = RoomSchema()
    fields = schema_fields(request.form.to_dict(), schema.load_fields, prefix=ROOM_PREFIX,
                           optional=("class_id", "office"))
    services.create_room(schema.load(fields))
    return redirect(url_for("web.places"))
