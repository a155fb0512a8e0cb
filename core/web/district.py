"""The district home: the district's schools, their types and modules, a read-only way into
each, and the widgets modules offer district staff."""

from __future__ import annotations

from flask import abort, render_template
from sqlalchemy import select

from core.auth import current_principal
from core.extensions import db
from core.identity.services import IdentityError, caller_district
from core.permissions import requires
from core.schools import modules as module_service
from core.schools.models import TENANT_TYPES, District
from core.state import kernel
from core.web.views import bp, visible


@bp.route("/district/<slug>")
@requires("core.district.read")
def district_home(slug: str):
    principal = current_principal()
    try:
        district_id = caller_district(principal.user_id, slug)
    except IdentityError:
        abort(404)
    district = db.session.scalar(select(District).where(District.id == district_id))
    overview = module_service.district_overview(district_id, "district home")
    db.session.commit()  # the district_read events in each school
    host = kernel().plugins
    titles = {name: str(manifest.title) for name, manifest in host.manifests.items()}
    switched_on = {module for _, modules in overview for module in modules}
    widgets = visible(host.hooks_for(switched_on).houqin_district_widgets(
        district=district.ref(), principal=principal), principal)
    db.session.commit()  # the district_read events the widgets' reads recorded
    return render_template("web/district.html", district=district, overview=overview,
                           titles=titles, types=TENANT_TYPES, widgets=widgets)
