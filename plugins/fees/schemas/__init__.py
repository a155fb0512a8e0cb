"""marshmallow schemas of the fee module: one per resource, used by the API and the pages
alike, one module an area. The module's settings schema lives here."""

from __future__ import annotations

from marshmallow import fields, validate

from core.sdk import Schema
from core.sdk import lazy_gettext as _l

PHONE = validate.Regexp(r"^[0-9+\-() ]{3,30}$", error="a phone number: digits, spaces, + - ( )")


class FeesSettingsSchema(Schema):
    """A school's fee settings (``PUT /api/v1/modules/fees``)."""

    school_phone = fields.String(load_default="", validate=validate.Length(max=30), metadata={
        "label": _l("School phone for fee questions (on the fee notice)"),
        "description": "the school's phone for fee questions and complaints, on the notice"})
    bureau_phone = fields.String(load_default="", validate=validate.Length(max=30), metadata={
        "label": _l("Education bureau's complaint phone (on the fee notice)"),
        "description": "the education bureau's complaint phone, on the notice"})
    regulator_phone = fields.String(load_default="", validate=validate.Length(max=30),
                                    metadata={"label": _l("Price regulator's complaint phone "
                                                          "(empty: the national hotline)"),
                                              "description": "the price regulator's complaint "
                                              "phone; empty means the cited national hotline"})
    payee = fields.String(load_default="", validate=validate.Length(max=80), metadata={
        "label": _l("Payee printed on receipts (empty: the school's name)"),
        "description": "the name printed on receipts as the payee; empty means the school's"})
    absence_refunds = fields.Boolean(load_default=False, metadata={
        "label": _l("Refund fees for long absences (kindergartens)"),
        "description": "work out absence refunds (kindergartens) by the cited rule"})
