"""The gate: a visit (registered at the gate or announced by staff), its check-in and
check-out, and the refusal list's entries."""

from __future__ import annotations

from marshmallow import fields, validate

from core.sdk import Schema

from ..models.visitors import VISIT_KINDS


def _text(size: int, **kw):
    return fields.String(load_default="", validate=validate.Length(max=size), **kw)


class VisitSchema(Schema):
    id = fields.UUID(dump_only=True)
    kind = fields.String(load_default="visitor", validate=validate.OneOf(VISIT_KINDS))
    name = fields.String(required=True, validate=validate.Length(min=1, max=50))
    phone = _text(20, metadata={"description": "a mobile (11 digits) or a landline"})
    organisation = _text(100)
    reason = _text(200)
    host_staff_id = fields.UUID(load_default=None, allow_none=True,
                                metadata={"description": "the member of staff visited"})
    host = _text(50, metadata={"description": "whom they visit, when not a member of staff"})
    companions = fields.Integer(load_default=0, strict=True, validate=validate.Range(0, 200))
    companion_names = _text(200)
    plate = _text(16, metadata={"description": "the vehicle's plate"})
    id_checked = fields.Boolean(load_default=False,
                                metadata={"description": "the guard saw an identity card "
                                                         "(its number is never kept)"})
    override_note = _text(200, metadata={"description": "why someone on the refusal list is "
                                                        "let in all the same"})
    checked_in_at = fields.DateTime(load_default=None, allow_none=True,
                                    metadata={"description": "when they came in, if not now"})
    day = fields.Date(dump_only=True)
    expected_on = fields.Date(dump_only=True, allow_none=True)
    expected_at = fields.String(dump_only=True)
    expected_by = fields.String(dump_only=True)
    checked_in_by = fields.String(dump_only=True)
    checked_out_at = fields.DateTime(dump_only=True, allow_none=True)
    checked_out_by = fields.String(dump_only=True)
    refusal_match = fields.String(dump_only=True)


class ExpectedVisitSchema(Schema):
    """A visit a member of staff announces: the guard sees it on its day, pre-filled."""

    kind = fields.String(load_default="visitor", validate=validate.OneOf(VISIT_KINDS))
    name = fields.String(required=True, validate=validate.Length(min=1, max=50))
    phone = _text(20)
    organisation = _text(100)
    reason = _text(200)
    host_staff_id = fields.UUID(load_default=None, allow_none=True)
    host = _text(50)
    companions = fields.Integer(load_default=0, strict=True, validate=validate.Range(0, 200))
    plate = _text(16)
    expected_on = fields.Date(required=True)
    expected_at = fields.Time(load_default=None, allow_none=True)


class CheckInSchema(Schema):
    """An expected visit checked in: what the guard corrects of the announced details."""

    phone = fields.String(validate=validate.Length(max=20))
    plate = fields.String(validate=validate.Length(max=16))
    companions = fields.Integer(strict=True, validate=validate.Range(0, 200))
    companion_names = fields.String(validate=validate.Length(max=200))
    id_checked = fields.Boolean(load_default=False)
    override_note = _text(200)


class CheckOutSchema(Schema):
    at = fields.DateTime(load_default=None, allow_none=True,
                         metadata={"description": "when they left, if not now"})


class VisitQuerySchema(Schema):
    day = fields.Date(metadata={"description": "the visits of this day (default today)"})
    state = fields.String(load_default="all", validate=validate.OneOf(("all", "expected",
                                                                       "inside")),
                          metadata={"description": "expected: announced for the day, not yet "
                                                   "in; inside: on campus now (any day)"})


class GateRefusalSchema(Schema):
    id = fields.UUID(dump_only=True)
    name = _text(50)
    phone = _text(20)
    plate = _text(16)
    reason = fields.String(required=True, validate=validate.Length(min=1, max=200))
    until = fields.Date(load_default=None, allow_none=True,
                        metadata={"description": "the last day it holds (empty: until lifted)"})
    district_wide = fields.Boolean(dump_only=True)
    added_by = fields.String(dump_only=True)
    added_at = fields.DateTime(dump_only=True)
    school = fields.String(dump_only=True, metadata={"description": "the school that keeps "
                                                                    "a district entry"})
