"""Kitchen workers, health certificates and morning checks."""

from __future__ import annotations

from flask_smorest.fields import Upload
from marshmallow import fields, validate

from core.sdk import MULTILINE, Schema

from ..models.health import HAND_WOUNDS, SYMPTOMS

NAME = validate.Length(min=1, max=50)


class KitchenWorkerSchema(Schema):
    id = fields.UUID(dump_only=True)
    staff_id = fields.UUID(required=True)
    name = fields.String(dump_only=True)
    position = fields.String(dump_only=True)
    duty = fields.String(load_default="", validate=validate.Length(max=40))
    started_on = fields.Date(required=True)
    ended_on = fields.Date(load_default=None, allow_none=True,
                           metadata={"description": "the last day in the kitchen"})


class KitchenWorkerChangeSchema(Schema):
    duty = fields.String(validate=validate.Length(max=40))
    ended_on = fields.Date(allow_none=True)


class HealthCertificateSchema(Schema):
    id = fields.UUID(dump_only=True)
    worker_id = fields.UUID(required=True)
    number = fields.String(required=True, validate=validate.Length(min=1, max=40))
    issued_on = fields.Date(required=True)
    valid_until = fields.Date(required=True)
    issued_by = fields.String(required=True, validate=validate.Length(min=1, max=80),
                              metadata={"description": "the medical institution"})
    scan_id = fields.UUID(dump_only=True, allow_none=True)
    voided_at = fields.DateTime(dump_only=True, allow_none=True)
    voided_by = fields.String(dump_only=True, allow_none=True)
    void_reason = fields.String(dump_only=True, allow_none=True)


class CheckFindingsSchema(Schema):
    """What the morning check found; the pass or fail follows from it."""

    temperature = fields.Decimal(required=True, places=1, as_string=True,
                                 validate=validate.Range(34, 43), metadata={"description": "°C"})
    symptoms = fields.List(fields.String(validate=validate.OneOf(SYMPTOMS)), load_default=list,
                           validate=validate.Length(max=len(SYMPTOMS)))
    other_symptom = fields.String(load_default="", validate=validate.Length(max=100),
                                  metadata={"description": "what, when the symptoms hold other"})
    hand_wound = fields.String(load_default="none", validate=validate.OneOf(HAND_WOUNDS),
                               metadata={"description": "none; covered (bright plaster and "
                                                        "gloves); open, which fails"})
    remarks = fields.String(load_default="", validate=validate.Length(max=500),
                            metadata=MULTILINE)


class MorningCheckSchema(CheckFindingsSchema):
    id = fields.UUID(dump_only=True)
    day = fields.Date(required=True)
    worker_id = fields.UUID(required=True)
    checked_by = fields.String(required=True, validate=NAME)
    checked_at = fields.AwareDateTime(required=True, default_timezone=None)
    passed = fields.Boolean(dump_only=True)
    fever_from = fields.Decimal(dump_only=True, as_string=True,
                                metadata={"description": "the fever threshold then in force"})
    failed_because = fields.List(fields.String(), dump_only=True)


class AmendmentSchema(CheckFindingsSchema):
    reason = fields.String(required=True, validate=validate.Length(min=2, max=200))
    amended_by = fields.String(required=True, validate=NAME)


class AmendmentRecordSchema(Schema):
    before = fields.Dict()
    reason = fields.String()
    amended_by = fields.String()
    amended_at = fields.DateTime()


class MorningCheckHistorySchema(MorningCheckSchema):
    amendments = fields.List(fields.Nested(AmendmentRecordSchema), dump_only=True)


class HealthExpiringQuerySchema(Schema):
    within_days = fields.Integer(load_default=30, validate=validate.Range(0, 366))


class CertificateStateSchema(Schema):
    worker_id = fields.UUID(attribute="worker.id")
    name = fields.String(attribute="worker.name")
    state = fields.String(metadata={"description": "valid, expiring, expired or missing"})
    days_left = fields.Integer(allow_none=True)
    certificate = fields.Nested(HealthCertificateSchema, allow_none=True)


class HealthCertificateScanSchema(Schema):
    scan = Upload(metadata={"description": "an image (PNG, JPEG, WebP) or a PDF"})


class WorkerDaySchema(Schema):
    worker_id = fields.UUID(attribute="worker.id")
    name = fields.String(attribute="worker.name")
    status = fields.String(metadata={"description": "on_duty, off_work or unchecked"})
    certificate_valid = fields.Function(lambda w: w.certificate is not None)
    check = fields.Nested(MorningCheckSchema, allow_none=True)


class DayChecksSchema(Schema):
    day = fields.Date()
    workers = fields.List(fields.Nested(WorkerDaySchema))
    on_duty = fields.List(fields.UUID())
    off_work = fields.List(fields.UUID())
    missing = fields.List(fields.UUID())
    without_certificate = fields.List(fields.UUID())
