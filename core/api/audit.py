"""Reading the audit trail: a school's own, and a district's across its schools."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from flask_smorest import Blueprint
from marshmallow import fields, validate
from sqlalchemy import Select

from core import audit
from core.api.errors import Invalid, NotFound
from core.api.pagination import MAX_PAGE_SIZE, PAGE_SIZE, page_of
from core.api.rules import transactional
from core.api.schema import Schema
from core.auth import current_principal
from core.exports import XLSX, workbook_bytes, xlsx_download
from core.extensions import db
from core.identity.services import caller_district
from core.permissions import requires
from core.rules import RuleBroken
from core.schools.registry import district_tenants
from core.tenancy import DistrictScope, district_scope, require_tenant

blp = Blueprint("audit_api", __name__, url_prefix="/api/v1",
                description="The audit trail: who changed what, when and from where")
EXPORT_LIMIT = 50_000
# Account ids are 64-bit; a larger number names no one, and the database would refuse it.
MAX_ACCOUNT_ID = 2**63 - 1


class AuditQuerySchema(Schema):
    entity = fields.String(validate=validate.Length(max=80), metadata={"description": "a table"})
    entity_id = fields.String(validate=validate.Length(max=80))
    action = fields.String(validate=validate.Length(max=40))
    user_id = fields.Integer(validate=validate.Range(min=1, max=MAX_ACCOUNT_ID))
    start = fields.Date(data_key="from", metadata={"description": "first day, school time"})
    end = fields.Date(data_key="to", metadata={"description": "last day, school time"})


class DistrictAuditQuerySchema(AuditQuerySchema):
    school = fields.String(metadata={"description": "one school's slug (default: all)"})


class AuditEventSchema(Schema):
    id = fields.UUID()
    at = fields.DateTime()
    user_id = fields.Integer(allow_none=True)
    source = fields.String()
    address = fields.String(allow_none=True)
    request_id = fields.String(allow_none=True)
    action = fields.String()
    entity = fields.String()
    entity_id = fields.String(allow_none=True)
    before = fields.Raw(allow_none=True)
    after = fields.Raw(allow_none=True)


class DistrictAuditEventSchema(AuditEventSchema):
    school = fields.String()


def _filtered(query: dict, zone: str) -> Select:
    try:
        return audit.search(query, zone)
    except RuleBroken as exc:
        raise Invalid(errors={exc.field: [str(exc)]}) from exc


@blp.route("/audit")
@blp.arguments(AuditQuerySchema, location="query")
@blp.response(200, AuditEventSchema(many=True))
@blp.paginate(page_size=PAGE_SIZE, max_page_size=MAX_PAGE_SIZE)
@requires("core.audit.read")
def school_audit(query, pagination_parameters):
    """This school's audit trail, newest first."""
    tenant = require_tenant()
    return page_of(_filtered(query, tenant.timezone), pagination_parameters,
                   dumped_by=AuditEventSchema)


@blp.route("/audit/export.xlsx")
@blp.arguments(AuditQuerySchema, location="query")
@blp.response(200, content_type=XLSX)
@requires("core.audit.read")
def school_audit_export(query):
    """The same trail as .xlsx (at most 50,000 events; narrow the dates for more)."""
    tenant = require_tenant()
    events = db.session.scalars(_filtered(query, tenant.timezone).limit(EXPORT_LIMIT)).all()
    audit.record("export", "audit_events")
    db.session.commit()
    zone = ZoneInfo(tenant.timezone)
    header = ["时间 at", "用户 user", "来源 source", "地址 address", "操作 action", "对象 entity",
              "编号 id", "之前 before", "之后 after"]
    rows = ([e.at.astimezone(zone).replace(tzinfo=None), e.user_id, e.source, e.address,
             e.action, e.entity, e.entity_id, str(e.before) if e.before else "",
             str(e.after) if e.after else ""] for e in events)
    return xlsx_download(workbook_bytes([("audit", [header, *rows])]), "audit.xlsx")


@blp.route("/district/audit")
@blp.arguments(DistrictAuditQuerySchema, location="query")
@blp.response(200, DistrictAuditEventSchema(many=True))
@blp.paginate(page_size=PAGE_SIZE, max_page_size=MAX_PAGE_SIZE)
@requires("core.district.read")
@transactional
def district_audit(query, pagination_parameters):
    """The audit trails of the district's schools, read through the district scope. The read
    is itself recorded in each school's trail."""
    district_id = caller_district(current_principal().user_id)
    schools = district_tenants(district_id)
    if "school" in query:
        wanted = query.pop("school")
        schools = [s for s in schools if s.slug == wanted]
        if not schools:
            raise NotFound(_("no such school in your district"))
    slugs = {s.id: s.slug for s in schools}
    purpose = "district audit trail"
    with district_scope(DistrictScope(district_id, tuple(slugs), purpose)):
        zone = schools[0].timezone if schools else "Asia/Shanghai"
        events = page_of(_filtered(query, zone), pagination_parameters)
        # Plain values, read while the scope is open; the response schema formats them.
        names = list(AuditEventSchema().fields)
        rows = [{**{n: getattr(e, n) for n in names}, "school": slugs[e.tenant_id]}
                for e in events]
    audit.record_district_read(schools, purpose, entity="audit_events")
    return rows
