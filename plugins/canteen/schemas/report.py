"""The daily food-safety report and its month view."""

from __future__ import annotations

from marshmallow import fields

from core.sdk import Schema


class SectionSchema(Schema):
    key = fields.String()
    title = fields.Function(lambda section: str(section.title))
    status = fields.String(metadata={"description": "ok, warning or missing"})
    facts = fields.Function(lambda section: [{"label": str(label), "value": str(value)}
                                             for label, value in section.facts])
    missing = fields.List(fields.String())
    warnings = fields.List(fields.String())


class ReportSchema(Schema):
    day = fields.Date()
    school_day = fields.Boolean(attribute="of.school_day")
    meal_day = fields.Boolean(attribute="of.meal_day")
    status = fields.String()
    missing = fields.List(fields.String())
    sections = fields.List(fields.Nested(SectionSchema))


class DayStatusSchema(Schema):
    day = fields.Date()
    school_day = fields.Boolean(attribute="of.school_day")
    meal_day = fields.Boolean(attribute="of.meal_day")
    status = fields.String()
    missing = fields.List(fields.String())
