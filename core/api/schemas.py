"""Marshmallow schemas for the core resources, shared by the API and the web forms."""

from __future__ import annotations

from marshmallow import fields, validate

from core.api.schema import Schema
from core.jobs.models import JobStatus
from core.messages import read_stored
from core.permissions import DISTRICT_ROLES, SCHOOL_ROLES


class MembershipSchema(Schema):
    school = fields.String()
    school_name = fields.String()
    roles = fields.List(fields.String(validate=validate.OneOf(list(SCHOOL_ROLES))))


class MeSchema(Schema):
    id = fields.Integer()
    email = fields.Email(allow_none=True)
    phone = fields.String(allow_none=True, metadata={
        "description": "the mainland mobile number the person signs in with (11 digits), if"
                       " any; an account has an e-mail address, a number, or both"})
    name = fields.String()
    school = fields.String(allow_none=True, metadata={"description": "the school in context"})
    roles = fields.List(fields.String())
    district_roles = fields.List(fields.String(validate=validate.OneOf(list(DISTRICT_ROLES))))
    permissions = fields.List(fields.String())
    memberships = fields.List(fields.Nested(MembershipSchema))


class SchoolSchema(Schema):
    slug = fields.String()
    name = fields.String()
    type = fields.String()
    timezone = fields.String()
    status = fields.String()
    has_boarders = fields.Boolean()


class ModuleStateSchema(Schema):
    name = fields.String()
    title = fields.String()
    version = fields.String()
    enabled = fields.Boolean()
    suitable = fields.Boolean(metadata={"description": "offered to this type of school"})
    depends = fields.List(fields.String())
    settings = fields.Dict()


class ModuleChangeSchema(Schema):
    enabled = fields.Boolean(required=True)
    settings = fields.Dict(load_default=None,
                           metadata={"description": "validated by the module's own schema"})
    cascade = fields.Boolean(
        load_default=False,
        metadata={"description": "when disabling, also disable the modules that need this one"},
    )


class ModuleChangeResultSchema(Schema):
    module = fields.Nested(ModuleStateSchema)
    switched = fields.List(fields.String(), metadata={"description": "modules switched by this call"})


class JobRunSchema(Schema):
    id = fields.UUID()
    func = fields.String()
    plugin = fields.String(allow_none=True)
    description = fields.String(allow_none=True)
    status = fields.String()
    progress_done = fields.Integer()
    progress_total = fields.Integer(allow_none=True)
    percent = fields.Integer(allow_none=True)
    message = fields.Function(lambda run: read_stored(run.message), allow_none=True,
                              metadata={"description": "in the caller's language"})
    attempts = fields.Integer()
    max_attempts = fields.Integer()
    created_at = fields.DateTime()
    started_at = fields.DateTime(allow_none=True)
    finished_at = fields.DateTime(allow_none=True)
    result = fields.Raw(allow_none=True, metadata={"description": "what the job reported at the end"})


class JobQuerySchema(Schema):
    status = fields.String(validate=validate.OneOf([s.value for s in JobStatus]))


class DistrictSchoolSchema(SchoolSchema):
    modules = fields.List(fields.String(), metadata={"description": "modules switched on"})


class DistrictQuerySchema(Schema):
    district = fields.String(metadata={"description": "district slug, when you hold roles in several"})


class RuleSchema(Schema):
    """A rule from regulations in force for the school (``core.regulations``)."""

    key = fields.String()
    value = fields.Raw(metadata={"description": "a number or a text, in ``unit``"})
    unit = fields.String()
    source = fields.String(metadata={"description": "the regulation it is transcribed from"})
    effective = fields.String()
    overridden_by = fields.String(allow_none=True,
                                  metadata={"description": "the district that overrides it"})
    certainty = fields.String(metadata={
        "description": "how sure the value is: verified (read in the official text), "
                       "secondary (agreeing secondary sources), district (set by the district), "
                       "or empty"})
