"""Core REST endpoints: the caller, the school, its modules, its jobs, the district view."""

from __future__ import annotations

import uuid

from flask import g
from flask_babel import gettext as _
from flask_smorest import Blueprint
from sqlalchemy import select

from core.api.errors import Conflict, Invalid, NotFound
from core.api.pagination import MAX_PAGE_SIZE, PAGE_SIZE, page_of
from core.api.rules import transactional
from core.api.schemas import (
    DistrictQuerySchema,
    DistrictSchoolSchema,
    JobQuerySchema,
    JobRunSchema,
    MeSchema,
    ModuleChangeResultSchema,
    ModuleChangeSchema,
    ModuleStateSchema,
    SchoolSchema,
)
from core.auth import current_principal
from core.extensions import db
from core.identity.models import Membership, User
from core.identity.services import caller_district
from core.jobs.models import JobRun
from core.permissions import requires
from core.schools import modules as module_service
from core.schools.models import Tenant
from core.tenancy import identity_lookup, require_tenant

blp = Blueprint("core_api", __name__, url_prefix="/api/v1", description="Houqin core")


@blp.route("/me")
@blp.response(200, MeSchema)
@requires("core.self")
def me():
    """The signed-in person, their roles here and their schools."""
    principal = current_principal()
    user = db.session.get(User, principal.user_id)
    with identity_lookup(user_id=user.id):
        rows = db.session.execute(
            select(Tenant.slug, Tenant.name, Membership.role)
            .join(Tenant, Tenant.id == Membership.tenant_id)
            .order_by(Tenant.slug)
        ).all()
    schools: dict[str, dict] = {}
    for slug, name, role in rows:
        schools.setdefault(slug, {"school": slug, "school_name": name, "roles": []})["roles"].append(role)
    return {
        "id": user.id, "email": user.email, "phone": user.phone, "name": user.name,
        "school": g.tenant.slug if g.get("tenant") else None,
        "roles": sorted(principal.school_roles),
        "district_roles": sorted(principal.district_roles),
        "permissions": sorted(principal.permissions),
        "memberships": list(schools.values()),
    }


@blp.route("/school")
@blp.response(200, SchoolSchema)
@requires("core.school.read")
def school():
    """The school this request is about."""
    return require_tenant()


@blp.route("/modules")
@blp.response(200, ModuleStateSchema(many=True))
@requires("core.modules.read")
def list_modules():
    """Every installed module, whether it is on here and its settings."""
    return module_service.module_states()


@blp.route("/modules/<name>", methods=["PUT"])
@blp.arguments(ModuleChangeSchema)
@blp.response(200, ModuleChangeResultSchema)
@requires("core.modules.manage")
def change_module(change, name):
    """Switch a module on or off for this school, or change its settings."""
    try:
        if change["enabled"]:
            switched = module_service.enable(name, change["settings"])
        else:
            if change["settings"] is not None:
                raise Invalid(errors={"settings": ["settings cannot be changed while disabling"]})
            switched = module_service.disable(name, cascade=change["cascade"])
    except module_service.SettingsInvalid as exc:
        db.session.rollback()
        raise Invalid(str(exc), errors={"settings": exc.messages}) from exc
    except module_service.ModuleInUse as exc:
        db.session.rollback()
        raise Conflict(str(exc), errors={"cascade": [str(exc)]}) from exc
    except module_service.ModuleError as exc:
        db.session.rollback()
        if exc.status == 404:
            raise NotFound(str(exc)) from exc
        raise Invalid(str(exc), errors={exc.field: [str(exc)]}, status=exc.status) from exc
    db.session.commit()
    state = next(m for m in module_service.module_states() if m["name"] == name)
    return {"module": state, "switched": switched}


@blp.route("/jobs")
@blp.arguments(JobQuerySchema, location="query")
@blp.response(200, JobRunSchema(many=True))
@blp.paginate(page_size=PAGE_SIZE, max_page_size=MAX_PAGE_SIZE)
@requires("core.jobs.read")
def list_jobs(query, pagination_parameters):
    """Background jobs of this school, newest first; ``status=failed`` is the failed list."""
    require_tenant()
    statement = select(JobRun).order_by(JobRun.created_at.desc())
    if "status" in query:
        statement = statement.where(JobRun.status == query["status"])
    return page_of(statement, pagination_parameters, dumped_by=JobRunSchema)


@blp.route("/jobs/<uuid:job_id>")
@blp.response(200, JobRunSchema)
@requires("core.jobs.read")
def get_job(job_id: uuid.UUID):
    """One job with its progress (poll it to draw a progress bar)."""
    run = db.session.scalar(select(JobRun).where(JobRun.id == job_id))
    if run is None:
        raise NotFound(_("no such job in this school"))
    return run


@blp.route("/district/schools")
@blp.arguments(DistrictQuerySchema, location="query")
@blp.response(200, DistrictSchoolSchema(many=True))
@requires("core.district.read")
@transactional
def district_schools(query):
    """The district's schools with their modules, read through the district scope."""
    district_id = caller_district(current_principal().user_id, query.get("district"))
    overview = module_service.district_overview(district_id, "district schools list")
    return [{**SchoolSchema().dump(school), "modules": modules} for school, modules in overview]
