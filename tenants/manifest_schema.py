"""The shape of a provisioning manifest (``tenants/manifests/*.toml``)."""

from __future__ import annotations

import re
from zoneinfo import available_timezones

from marshmallow import (
    RAISE,
    Schema,
    ValidationError,
    fields,
    validate,
    validates,
    validates_schema,
)

from core.permissions import DISTRICT_ROLES, SCHOOL_ROLES
from core.schools.models import TenantStatus, TenantType

SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
HOSTNAME = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
_slug = validate.Regexp(SLUG, error="use lowercase letters, digits and hyphens (at most 63)")
_ZONES = None


def _timezone(value: str) -> None:
    global _ZONES
    _ZONES = _ZONES or available_timezones()
    if value not in _ZONES:
        raise ValidationError(f"{value!r} is not an IANA time zone such as Asia/Shanghai")


class Strict(Schema):
    class Meta:
        unknown = RAISE


class AdminSchema(Strict):
    email = fields.Email(required=True)
    name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    password = fields.String(validate=validate.Length(min=10, max=200),
                             metadata={"description": "only used when the account is created"})


class SchoolAdminSchema(AdminSchema):
    role = fields.String(load_default="school_admin", validate=validate.OneOf(list(SCHOOL_ROLES)))


class DistrictAdminSchema(AdminSchema):
    role = fields.String(load_default="district_admin",
                         validate=validate.OneOf(list(DISTRICT_ROLES)))


class SchoolSchema(Strict):
    slug = fields.String(required=True, validate=_slug)
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    type = fields.String(required=True, validate=validate.OneOf([t.value for t in TenantType]))
    timezone = fields.String(validate=_timezone)
    status = fields.String(load_default=TenantStatus.ACTIVE.value,
                           validate=validate.OneOf([s.value for s in TenantStatus]))
    has_boarders = fields.Boolean(load_default=False)
    domains = fields.List(fields.String(validate=validate.Regexp(
        HOSTNAME, error="not a host name such as school.example.edu.cn")), load_default=list)
    modules = fields.List(fields.String(validate=validate.Regexp(
        r"^[a-z][a-z0-9_]*$", error="not a module name")), load_default=list)
    settings = fields.Dict(keys=fields.String(), values=fields.Dict(), load_default=dict)
    admins = fields.List(fields.Nested(SchoolAdminSchema), load_default=list)

    @validates_schema
    def _settings_need_module(self, data, **kwargs):
        stray = sorted(set(data.get("settings", {})) - set(data.get("modules", [])))
        if stray:
            raise ValidationError(
                f"settings for {', '.join(stray)}, which is not in modules", "settings"
            )


class DistrictSchema(Strict):
    slug = fields.String(required=True, validate=_slug)
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    timezone = fields.String(load_default="Asia/Shanghai", validate=_timezone)
    admins = fields.List(fields.Nested(DistrictAdminSchema), load_default=list)
    # Marks a district made up for trying Houqin: ``houqin demo`` fills only such a district
    # (core.demo). Nothing is stored; the command reads it from the manifest.
    demo = fields.Boolean(load_default=False)


class ManifestSchema(Strict):
    district = fields.Nested(DistrictSchema, required=True)
    # A district may start empty: its schools can arrive later as school files from another
    # deployment (``houqin tenants import``), which need the district to exist first.
    schools = fields.List(fields.Nested(SchoolSchema), load_default=list)

    @validates("schools")
    def _unique(self, schools, **kwargs):
        errors = {}
        seen_slugs: dict[str, int] = {}
        seen_domains: dict[str, int] = {}
        for index, school in enumerate(schools):
            slug = school.get("slug")
            if slug in seen_slugs:
                errors[index] = {"slug": [f"{slug!r} is used twice"]}
            if slug:
                seen_slugs.setdefault(slug, index)
            for domain in school.get("domains", []):
                if domain in seen_domains:
                    errors[index] = {"domains": [f"{domain} is given to two schools"]}
                seen_domains.setdefault(domain, index)
        if errors:
            raise ValidationError(errors)
