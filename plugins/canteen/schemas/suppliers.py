"""Suppliers and their certificates."""

from __future__ import annotations

from flask_smorest.fields import Upload
from marshmallow import ValidationError, fields, pre_load, validate, validates, validates_schema

from core.sdk import Schema, _
from core.sdk import lazy_gettext as _l

from ..models.suppliers import CERTIFICATE_KINDS

# GB 32100-2015 (法人和其他组织统一社会信用代码编码规则): 17 characters from this alphabet, then
# a check character; the weights are 3**i mod 31.
CREDIT_CODE_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_CODE_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
PHONE = validate.Regexp(r"^([0-9+\-() ]{5,20})?$",
                        error=_l("a phone number such as 0571-88886666"))


def credit_code_is_valid(code: str) -> bool:
    """Whether an 18-character unified social credit code has the right check character."""
    if len(code) != 18 or any(c not in CREDIT_CODE_ALPHABET for c in code):
        return False
    total = sum(CREDIT_CODE_ALPHABET.index(c) * w
                for c, w in zip(code[:17], CREDIT_CODE_WEIGHTS, strict=True))
    return CREDIT_CODE_ALPHABET[(31 - total % 31) % 31] == code[17]


class SupplierSchema(Schema):
    id = fields.UUID(dump_only=True)
    name = fields.String(required=True, validate=validate.Length(min=1, max=80))
    credit_code = fields.String(required=True, metadata={
        "description": "unified social credit code (18 characters, checked), or an older "
                       "registration or licence number"})
    contact = fields.String(load_default="", validate=validate.Length(max=50))
    phone = fields.String(load_default="", validate=PHONE)
    address = fields.String(load_default="", validate=validate.Length(max=200))
    supplies = fields.String(load_default="", validate=validate.Length(max=200),
                             metadata={"description": "what it supplies, such as 蔬菜、肉类"})
    active = fields.Boolean(load_default=True)
    status = fields.String(dump_only=True, metadata={
        "description": "valid, expiring, expired (a licence lapsed) or unlicensed (no licence "
                       "on file or in force yet); expired and unlicensed may not deliver"})
    problems = fields.List(fields.String(), dump_only=True)

    @pre_load
    def _tidy(self, data, **_kwargs):
        if isinstance(data, dict) and isinstance(data.get("credit_code"), str):
            data = {**data, "credit_code": data["credit_code"].strip().upper()}
        return data

    @validates("credit_code")
    def _credit_code(self, value: str, **_kwargs) -> None:
        if len(value) == 18:
            if not credit_code_is_valid(value):
                raise ValidationError(_("an 18-character code is a unified social credit code "
                                        "(GB 32100-2015) and this one does not check out"))
        elif not validate.Regexp(r"^[0-9A-Z\-]{6,30}$").regex.match(value):
            raise ValidationError(_("a unified social credit code or a licence number: 6 to "
                                    "30 letters and digits"))


class SupplierChangeSchema(SupplierSchema):
    """An edit: any field, each optional."""


class CertificateSchema(Schema):
    id = fields.UUID(dump_only=True)
    supplier_id = fields.UUID(dump_only=True)
    kind = fields.String(required=True, validate=validate.OneOf(CERTIFICATE_KINDS))
    number = fields.String(required=True, validate=validate.Length(min=1, max=60))
    issued_on = fields.Date(required=True)
    valid_until = fields.Date(load_default=None, allow_none=True,
                              metadata={"description": "the last valid day; none: long-term"})
    has_scan = fields.Boolean(dump_only=True)
    status = fields.String(dump_only=True, metadata={
        "description": "valid, expiring, expired, or superseded by a newer one of its kind"})
    days_left = fields.Integer(dump_only=True, allow_none=True)

    @pre_load
    def _blank_means_none(self, data, **_kwargs):
        """A form's empty date input means "long-term"."""
        if hasattr(data, "get") and data.get("valid_until") == "":
            data = {**data, "valid_until": None}
        return data

    @validates_schema
    def _in_order(self, data, **_kwargs):
        until, issued = data.get("valid_until"), data.get("issued_on")
        if until is not None and issued is not None and until < issued:
            raise ValidationError(_("a certificate is valid after it is issued"), "valid_until")


class CertificateUploadSchema(CertificateSchema):
    """A new certificate as multipart/form-data: its fields, and its scan if at hand."""

    scan = Upload(load_default=None, metadata={"description": "an image or a PDF"})


class ScanSchema(Schema):
    scan = Upload(required=True, metadata={"description": "an image (PNG, JPEG, WebP) or a PDF"})


class OptionalScanSchema(Schema):
    scan = Upload(load_default=None)


class ExpiringCertificateSchema(CertificateSchema):
    supplier = fields.String(attribute="supplier_name")


class ExpiringQuerySchema(Schema):
    within = fields.Integer(load_default=None, validate=validate.Range(min=0, max=365),
                            metadata={"description": "days ahead; default: the school's "
                                                     "widest warning"})
