"""REST endpoints of the registers: /api/v1/people and /api/v1/places."""

from __future__ import annotations

import uuid

from flask_smorest import Blueprint
from sqlalchemy import select

from core.api.pagination import MAX_PAGE_SIZE, PAGE_SIZE, page_of
from core.api.rules import transactional
from core.extensions import db
from core.people import services
from core.people.models import Building, Grade, Room, SchoolClass
from core.people.schemas import (
    BuildingSchema,
    ClassSchema,
    GradeSchema,
    GuardianChangeSchema,
    GuardianSchema,
    MoveSchema,
    RoomSchema,
    StaffChangeSchema,
    StaffQuerySchema,
    StaffSchema,
    StudentChangeSchema,
    StudentQuerySchema,
    StudentSchema,
)
from core.permissions import requires

people = Blueprint("people_api", __name__, url_prefix="/api/v1/people",
                   description="Grades, classes, students, guardians and staff")
places = Blueprint("places_api", __name__, url_prefix="/api/v1/places",
                   description="Buildings and rooms")


@people.route("/grades")
@people.response(200, GradeSchema(many=True))
@requires("core.people.read")
def list_grades():
    return db.session.scalars(select(Grade).order_by(Grade.level, Grade.name)).all()


@people.route("/grades", methods=["POST"])
@people.arguments(GradeSchema)
@people.response(201, GradeSchema)
@requires("core.people.manage")
@transactional
def create_grade(data):
    return services.create_grade(data["name"], data["level"])


@people.route("/classes")
@people.response(200, ClassSchema(many=True))
@requires("core.people.read")
def list_classes():
    return db.session.scalars(select(SchoolClass).order_by(SchoolClass.name)).all()


@people.route("/classes", methods=["POST"])
@people.arguments(ClassSchema)
@people.response(201, ClassSchema)
@requires("core.people.manage")
@transactional
def create_class(data):
    return services.create_class(data["grade_id"], data["name"], data["head_teacher_id"])


@people.route("/classes/<uuid:class_id>/graduate", methods=["POST"])
@people.response(200)
@requires("core.people.manage")
@transactional
def graduate_class(class_id: uuid.UUID):
    """The class leaves the school; its enrolled students are marked graduated."""
    return {"graduated": services.graduate_class(class_id)}


@people.route("/staff")
@people.arguments(StaffQuerySchema, location="query")
@people.response(200, StaffSchema(many=True))
@people.paginate(page_size=PAGE_SIZE, max_page_size=MAX_PAGE_SIZE)
@requires("core.people.read")
def list_staff(query, pagination_parameters):
    """Staff by name, searched by part of the name or the start of the phone number."""
    return page_of(services.search_staff(query.get("q")), pagination_parameters,
                   dumped_by=StaffSchema)


@people.route("/staff", methods=["POST"])
@people.arguments(StaffSchema)
@people.response(201, StaffSchema)
@requires("core.people.manage")
@transactional
def create_staff(data):
    return services.create_staff(data)


@people.route("/staff/<uuid:staff_id>", methods=["PATCH"])
@people.arguments(StaffChangeSchema(partial=True))
@people.response(200, StaffSchema)
@requires("core.people.manage")
@transactional
def change_staff(changes, staff_id: uuid.UUID):
    return services.update_staff(staff_id, changes)


@people.route("/students")
@people.arguments(StudentQuerySchema, location="query")
@people.response(200, StudentSchema(many=True))
@people.paginate(page_size=PAGE_SIZE, max_page_size=MAX_PAGE_SIZE)
@requires("core.people.read")
def list_students(query, pagination_parameters):
    """Students, searched by name or number, filtered by class and status."""
    return page_of(services.search_students(**query), pagination_parameters,
                   dumped_by=StudentSchema)


@people.route("/students", methods=["POST"])
@people.arguments(StudentSchema)
@people.response(201, StudentSchema)
@requires("core.people.manage")
@transactional
def create_student(data):
    return services.create_student(data)


@people.route("/students/<uuid:student_id>")
@people.response(200, StudentSchema)
@requires("core.people.read")
@transactional
def get_student(student_id: uuid.UUID):
    return services.get_student(student_id)


@people.route("/students/<uuid:student_id>", methods=["PATCH"])
@people.arguments(StudentChangeSchema(partial=True))
@people.response(200, StudentSchema)
@requires("core.people.manage")
@transactional
def change_student(changes, student_id: uuid.UUID):
    return services.update_student(student_id, changes)


@people.route("/students/<uuid:student_id>/move", methods=["POST"])
@people.arguments(MoveSchema)
@people.response(200, StudentSchema)
@requires("core.people.manage")
@transactional
def move_student(data, student_id: uuid.UUID):
    """Move an enrolled student to another (active) class."""
    return services.move_student(student_id, data["class_id"])


@people.route("/students/<uuid:student_id>/guardians")
@people.response(200, GuardianSchema(many=True))
@requires("core.people.read")
@transactional
def list_guardians(student_id: uuid.UUID):
    return services.guardians_of(student_id)


@people.route("/students/<uuid:student_id>/guardians", methods=["POST"])
@people.arguments(GuardianSchema)
@people.response(201, GuardianSchema)
@requires("core.people.manage")
@transactional
def add_guardian(data, student_id: uuid.UUID):
    return services.add_guardian(student_id, data)


@people.route("/guardians/<uuid:guardian_id>", methods=["PATCH"])
@people.arguments(GuardianChangeSchema(partial=True))
@people.response(200, GuardianSchema)
@requires("core.people.manage")
@transactional
def change_guardian(changes, guardian_id: uuid.UUID):
    return services.update_guardian(guardian_id, changes)


@people.route("/guardians/<uuid:guardian_id>", methods=["DELETE"])
@people.response(204)
@requires("core.people.manage")
@transactional
def remove_guardian(guardian_id: uuid.UUID):
    services.remove_guardian(guardian_id)


@places.route("/buildings")
@places.response(200, BuildingSchema(many=True))
@requires("core.places.read")
def list_buildings():
    return db.session.scalars(select(Building).order_by(Building.name)).all()


@places.route("/buildings", methods=["POST"])
@places.arguments(BuildingSchema)
@places.response(201, BuildingSchema)
@requires("core.places.manage")
@transactional
def create_building(data):
    return services.create_building(data["name"])


@places.route("/rooms")
@places.response(200, RoomSchema(many=True))
@requires("core.places.read")
def list_rooms():
    return db.session.scalars(select(Room).order_by(Room.name)).all()


@places.route("/rooms", methods=["POST"])
@places.arguments(RoomSchema)
@places.response(201, RoomSchema)
@requires("core.places.manage")
@transactional
def create_room(data):
    return services.create_room(data)
