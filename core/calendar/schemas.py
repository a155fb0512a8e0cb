"""One schema per calendar resource, for the API and the pages alike."""

from __future__ import annotations

from marshmallow import fields, validate

from core.api.schema import Schema
from core.calendar.models import MONDAY_TO_FRIDAY
from core.calendar.services import DAY_KINDS

_name = validate.Length(min=1, max=60)


class AcademicYearSchema(Schema):
    id = fields.UUID(dump_only=True)
    name = fields.String(required=True, validate=_name,
                         metadata={"description": "for example 2026-2027学年"})
    start_date = fields.Date(required=True)
    end_date = fields.Date(required=True)


class TermSchema(Schema):
    id = fields.UUID(dump_only=True)
    academic_year_id = fields.UUID(required=True)
    name = fields.String(required=True, validate=_name,
                         metadata={"description": "for example 第一学期"})
    start_date = fields.Date(required=True)
    end_date = fields.Date(required=True)
    weekdays = fields.List(
        fields.Integer(validate=validate.Range(min=0, max=6)),
        load_default=lambda: list(MONDAY_TO_FRIDAY),
        metadata={"description": "weekdays with lessons, 0 = Monday (default Monday to Friday)"},
    )


class TermChangeSchema(TermSchema):
    class Meta:
        exclude = ("academic_year_id",)


class CalendarDaySchema(Schema):
    day = fields.Date(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(DAY_KINDS),
                         metadata={"description": "holiday, or workday (a make-up working day)"})
    name = fields.String(required=True, validate=_name,
                         metadata={"description": "for example 国庆节 or 国庆调休"})


class DateRangeSchema(Schema):
    start = fields.Date(required=True, data_key="from")
    end = fields.Date(required=True, data_key="to")


class SchoolDaysSchema(Schema):
    start = fields.Date(data_key="from")
    end = fields.Date(data_key="to")
    count = fields.Integer()
    days = fields.List(fields.Date())
