"""One schema per register, for the API, the pages and the importers alike."""

from __future__ import annotations

from datetime import date

from flask_babel import gettext as _
from marshmallow import ValidationError, fields, validate

from core.api.schema import MULTILINE, Schema

PHONE = validate.Regexp(
    r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$",
    error="not a phone number: 11 digits for a mobile, or an area code and number",
)
GENDERS = ("male", "female")
RELATIONS = ("father", "mother", "grandfather", "grandmother", "other")
STUDENT_STATUSES = ("enrolled", "graduated", "transferred", "left")


def _born(value: date) -> None:
    # Kindergarten to senior high: nobody on a school's roll is a newborn or over 30.
    today = date.today()
    if value > today:
        raise ValidationError(_("lies in the future"))
    if (today - value).days > 30 * 366:
        raise ValidationError(_("more than 30 years ago"))


class GradeSchema(Schema):
    id = fields.UUID(dump_only=True)
    name = fields.String(required=True, validate=validate.Length(min=1, max=40))
    level = fields.Integer(required=True, validate=validate.Range(min=0, max=20),
                           metadata={"description": "orders the grades (小班 0, 一年级 1 ...)"})


class ClassSchema(Schema):
    id = fields.UUID(dump_only=True)
    grade_id = fields.UUID(required=True)
    name = fields.String(required=True, validate=validate.Length(min=1, max=40))
    head_teacher_id = fields.UUID(allow_none=True, load_default=None)
    status = fields.String(dump_only=True)


class StaffSchema(Schema):
    id = fields.UUID(dump_only=True)
    name = fields.String(required=True, validate=validate.Length(min=1, max=50))
    position = fields.String(required=True, validate=validate.Length(min=1, max=50))
    phone = fields.String(allow_none=True, load_default=None, validate=PHONE)
    active = fields.Boolean(load_default=True)
    login = fields.String(allow_none=True, load_only=True, validate=validate.Length(max=254),
                          metadata={"description": "e-mail address or mainland mobile number "
                                                   "of the person's account, which must hold "
                                                   "a role in this school; null unlinks"})
    user_id = fields.Integer(dump_only=True, allow_none=True,
                             metadata={"description": "the linked account, if any"})


class StudentSchema(Schema):
    id = fields.UUID(dump_only=True)
    student_no = fields.String(required=True, validate=validate.Regexp(
        r"^[A-Za-z0-9-]{1,30}$", error="letters, digits and hyphens, at most 30"))
    name = fields.String(required=True, validate=validate.Length(min=1, max=50))
    gender = fields.String(required=True, validate=validate.OneOf(GENDERS))
    birth_date = fields.Date(required=True, validate=_born)
    class_id = fields.UUID(required=True)
    boarding = fields.Boolean(load_default=False)
    status = fields.String(dump_only=True)
    allergies = fields.String(load_default="", validate=validate.Length(max=500),
                              metadata=MULTILINE)
    dietary_notes = fields.String(load_default="", validate=validate.Length(max=500),
                                  metadata=MULTILINE)


class StudentChangeSchema(StudentSchema):
    """What an edit may change; moving to another class has its own action."""

    class Meta:
        exclude = ("class_id",)


class StaffQuerySchema(Schema):
    q = fields.String(validate=validate.Length(min=1, max=50),
                      metadata={"description": "part of the name, or the start of the phone"
                                               " number"})


class StudentQuerySchema(Schema):
    q = fields.String(validate=validate.Length(min=1, max=50),
                      metadata={"description": "part of the name, or the start of the number"})
    class_id = fields.UUID()
    status = fields.String(validate=validate.OneOf(STUDENT_STATUSES))


class MoveSchema(Schema):
    class_id = fields.UUID(required=True)


class GuardianSchema(Schema):
    id = fields.UUID(dump_only=True)
    student_id = fields.UUID(dump_only=True)
    name = fields.String(required=True, validate=validate.Length(min=1, max=50))
    relation = fields.String(required=True, validate=validate.OneOf(RELATIONS))
    phone = fields.String(required=True, validate=PHONE)
    can_pick_up = fields.Boolean(load_default=True,
                                 metadata={"description": "authorised to pick the child up"})
    login = fields.String(allow_none=True, load_only=True, validate=validate.Length(max=254),
                          metadata={"description": "e-mail address or mainland mobile number "
                                                   "of the guardian's account, which must hold "
                                                   "a role in this school; it then sees this "
                                                   "child's records (fees); null unlinks"})
    user_id = fields.Integer(dump_only=True, allow_none=True,
                             metadata={"description": "the linked account, if any"})


class BuildingSchema(Schema):
    id = fields.UUID(dump_only=True)
    name = fields.String(required=True, validate=validate.Length(min=1, max=60))


class RoomSchema(Schema):
    id = fields.UUID(dump_only=True)
    building_id = fields.UUID(required=True)
    name = fields.String(required=True, validate=validate.Length(min=1, max=60))
    class_id = fields.UUID(allow_none=True, load_default=None,
                           metadata={"description": "the class that uses the room"})
    office = fields.String(allow_none=True, load_default=None,
                           validate=validate.Length(min=1, max=60),
                           metadata={"description": "or the office that uses it"})


class StaffChangeSchema(StaffSchema):
    """An edit: any field of a staff member, each optional."""


class GuardianChangeSchema(GuardianSchema):
    """An edit: any field of a guardian, each optional."""
