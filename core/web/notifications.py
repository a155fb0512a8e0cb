"""A person's notifications in the school they are in, newest first; read one or all."""

from __future__ import annotations

import uuid

from flask import redirect, render_template, url_for
from werkzeug.routing import BuildError

from core.auth import current_principal
from core.notifications import services
from core.permissions import requires
from core.tenancy import require_tenant
from core.web.forms import submitted
from core.web.views import bp


def link_of(shown: services.Shown) -> str | None:
    """Where the notification leads; none when the module that raised it is gone."""
    found = shown.notification
    if not found.endpoint:
        return None
    try:
        return url_for(found.endpoint, **found.endpoint_args)
    except BuildError:
        return None


@bp.route("/notifications")
@requires("core.self")
def notifications():
    require_tenant()
    principal = current_principal()
    shown = services.inbox(principal.user_id, principal.permissions)
    return render_template("web/notifications.html", shown=shown, link_of=link_of)


@bp.route("/notifications/<uuid:notification_id>/read", methods=["POST"])
@requires("core.self")
@submitted(lambda errors, form, status, **view_args: redirect(url_for("web.notifications")))
def read_notification(notification_id: uuid.UUID):
    """One notice read; one that is no longer there leaves the list as it is."""
    principal = current_principal()
    services.mark_read(notification_id, principal.user_id, principal.permissions)
    return redirect(url_for("web.notifications"))


@bp.route("/notifications/read-all", methods=["POST"])
@requires("core.self")
@submitted(lambda errors, form, status: redirect(url_for("web.notifications")))
def read_all_notifications():
    principal = current_principal()
    services.mark_all_read(principal.user_id, principal.permissions)
    return redirect(url_for("web.notifications"))
