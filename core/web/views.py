"""Pages of the shell: sign-in and out, the school picker, the school home, language."""

from __future__ import annotations

import os
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import TypeVar
from urllib.parse import quote, urlparse
from zoneinfo import ZoneInfo

from flask import (
    Blueprint,
    Response,
    flash,
    g,
    has_request_context,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy import select

from core import demo
from core.api.errors import Forbidden, Unauthorized, problem_response, wants_json
from core.auth import Principal, current_principal
from core.extensions import db
from core.identity import sessions
from core.identity.models import DistrictMembership, Membership, User
from core.identity.passwords import verify_password
from core.identity.services import login_key, normalise_login, user_by_login
from core.messages import read_stored
from core.notifications import services as notifications
from core.permissions import public, requires
from core.plugins.types import NavEntry, Widget
from core.schools.models import District, Tenant
from core.schools.modules import enabled_modules
from core.state import kernel
from core.tenancy import identity_lookup
from core.web.nav import navigation
from core.web.security import (
    TooManyAttempts,
    check_not_locked,
    clear_failures,
    record_failure,
    remember_device,
    too_many_response,
    trusted_device,
)
from core.wording import nword, word

bp = Blueprint("web", __name__, template_folder="templates", static_folder="static",
               static_url_path="/assets")
# The sign-in page of a demo lists the demo accounts (core.demo; empty on any other deployment).
bp.add_app_template_global(demo.accounts_by_role, "demo_accounts")
bp.add_app_template_global(demo.role_title, "demo_role_title")
LANGUAGES = {"zh_CN": "中文", "en": "English"}
Offered = TypeVar("Offered", NavEntry, Widget)


def select_locale() -> str:
    """The language chosen on this device; for an API client, the one its Accept-Language
    asks for, else zh-CN (docs/api.md: never the person's web language, which a script
    using their token cannot see); for a page, the person's; else zh-CN. Jobs speak the
    language of who started them; commands, HOUQIN_LOCALE when an operator sets it, else
    zh-CN."""
    if not has_request_context():
        chosen = g.get("job_locale") or os.environ.get("HOUQIN_LOCALE", "zh_CN")
        return chosen if chosen in LANGUAGES else "zh_CN"
    if session.get("locale") in LANGUAGES:
        return session["locale"]  # this browser's choice, for its pages and their downloads
    if request.path.startswith("/api/"):
        asked = request.accept_languages.best_match(["zh", "en"])
        return "en" if asked == "en" else "zh_CN"
    principal = getattr(g, "principal", None)
    if principal is not None:
        locale = db.session.scalar(select(User.locale).where(User.id == principal.user_id))
        if locale in LANGUAGES:
            return locale
    return "zh_CN"


def _safe_next(target: str | None) -> str | None:
    if target and target.startswith("/") and not target.startswith("//") \
            and not urlparse(target).netloc:
        return target
    return None


@bp.route("/login", methods=["GET", "POST"])
@public
def login():
    error = None
    email = ""
    if request.method == "POST":
        raw = request.form.get("email", "")
        password = request.form.get("password", "")
        try:
            kind, email = normalise_login(raw, "email")
        except ValueError:
            email, error = raw, _("Enter the e-mail address or mobile number of your account.")
        if error is None:
            user = user_by_login(kind, email)
            # Counted by the account whichever of its names was typed (else by the name).
            key = login_key(user, email)
            device = trusted_device(user.id if user else None)
            try:
                check_not_locked(key, request.remote_addr, device)
            except TooManyAttempts as refused:
                return refused_page(refused, email)
            right = verify_password(user.password_hash if user else None, password)
            if user is None or not user.is_active or not right:
                record_failure(key, request.remote_addr, user.id if user else None, device)
                error = _("The e-mail address, mobile number or password is not right.")
            else:
                return _signed_in(user, device)
    return render_template("web/login.html", error=error, email=email), 200 if not error else 422


def refused_page(refused: TooManyAttempts, email: str):
    """The sign-in page saying how long to wait (problem+json for a client asking for JSON)."""
    if request.accept_mimetypes.best == "application/json":
        return too_many_response(refused)
    page = render_template("web/login.html", error=refused.detail, email=email)
    return page, 429, {"Retry-After": str(refused.retry_after)}


def _signed_in(user: User, device: str | None):
    clear_failures(login_key(user), device)
    # A fresh session and a fresh cookie: nothing chosen before sign-in carries over, and a
    # session this browser held (as someone else, say) ends rather than lingering unseen.
    sessions.end_key(session.get(sessions.SESSION_KEY))
    key = sessions.start(user.id, request.remote_addr, request.user_agent.string)
    db.session.commit()
    session.clear()
    session[sessions.SESSION_KEY] = key
    session.permanent = True
    if user.locale in LANGUAGES:
        session["locale"] = user.locale
    response = redirect(_safe_next(request.args.get("next")) or url_for("web.home"))
    remember_device(response, user.id)
    return response


@bp.route("/logout", methods=["POST"])
@requires("core.self")
def logout():
    sign_out(sessions.Reason.SIGNED_OUT)
    return redirect(url_for("web.login"))


def sign_out(reason: str) -> None:
    """End this browser's session and forget everything but its chosen language."""
    sessions.end_key(session.get(sessions.SESSION_KEY), reason)
    db.session.commit()
    locale = session.get("locale")
    session.clear()
    if locale:
        session["locale"] = locale


@bp.route("/language", methods=["POST"])
@public
def language():
    """Switch the language; remembered on this device and, when signed in, for the person."""
    chosen = request.form.get("locale")
    if chosen in LANGUAGES:
        session["locale"] = chosen
        principal = current_principal()
        if principal is not None:
            user = db.session.get(User, principal.user_id)
            user.locale = chosen
            db.session.commit()
    return redirect(_safe_next(request.form.get("next")) or url_for("web.home"))


@bp.route("/schools")
@requires("core.self")
def schools():
    """The schools this person works in, and the district pages of district staff."""
    principal = current_principal()
    with identity_lookup(user_id=principal.user_id):
        ids = set(db.session.scalars(select(Membership.tenant_id).where(
            Membership.deactivated_at.is_(None))))
    rows = db.session.scalars(select(Tenant).where(Tenant.id.in_(ids)).order_by(Tenant.name)).all()
    districts = db.session.scalars(
        select(District).join(DistrictMembership, DistrictMembership.district_id == District.id)
        .where(DistrictMembership.user_id == principal.user_id).distinct()).all()
    if len(rows) == 1 and not districts:
        return redirect(f"/t/{rows[0].slug}/")
    if len(districts) == 1 and not rows:  # district staff land on their district's home
        return redirect(url_for("web.district_home", slug=districts[0].slug))
    return render_template("web/schools.html", schools=rows, districts=districts)


def visible(groups: Iterable[Iterable[Offered]], principal: Principal) -> list[Offered]:
    """The navigation entries or widgets the hooks offered that this person may see, in order."""
    shown = [item for group in groups for item in group if item.permission in principal.permissions]
    return sorted(shown, key=lambda item: (item.order, str(item.title)))


@bp.route("/")
@public
def home():
    """A school's home: this person's work for today, its enabled modules' navigation and
    widgets. Without a school in the address, the person picks one; without a sign-in, they
    sign in."""
    principal = current_principal()
    if principal is None:
        return sign_in_first(Unauthorized())
    tenant = g.get("tenant")
    if tenant is None:
        return redirect(url_for("web.schools"))
    if "core.school.read" not in principal.permissions:
        raise Forbidden(word("You hold no role in this school."))
    hooks = kernel().plugins.hooks_for(enabled_modules())
    widgets = visible(hooks.houqin_dashboard_widgets(tenant=tenant, principal=principal), principal)
    unread = notifications.unread_count(principal.user_id, principal.permissions)
    # This person's work for today first, then the modules, then the rest.
    return render_template("web/home.html", tenant=tenant, groups=navigation(),
                           today=[w for w in widgets if w.today],
                           widgets=[w for w in widgets if not w.today],
                           read_only=principal.via_district, unread=unread)


def _same_site_page() -> str | None:
    """The page the person was on: htmx names it (a fragment's own address is no page to come
    back to), else the Referer; only when it is this site's."""
    for address in (request.headers.get("HX-Current-URL"), request.referrer):
        page = urlparse(address or "")
        if page.scheme in ("http", "https") and page.netloc == request.host:
            return _safe_next(page.path + (f"?{page.query}" if page.query else ""))
    return None


def sign_in_first(exc: Unauthorized):
    """A page asked for without a live sign-in leads to the sign-in page, which brings the
    person back. What a form sent cannot be replayed after signing in: they come back to the
    page the form was on (or the school's home) and are told. API clients, and anything
    that asked for JSON or sent a token, get the 401 problem."""
    if wants_json() or request.headers.get("Authorization"):
        return problem_response(exc.status, exc.slug, exc.title, exc.detail, exc.errors)
    ended = session.pop(sessions.SESSION_KEY, None) is not None
    htmx = bool(request.headers.get("HX-Request"))
    if request.method in ("GET", "HEAD"):
        here = request.script_root + request.full_path.rstrip("?")
        back = (_same_site_page() or request.script_root + "/") if htmx else here
        if ended:
            flash(_("Your sign-in has ended. Sign in again to go on."))
    else:
        back = _same_site_page() or request.script_root + "/"
        flash(_("Your sign-in had ended, so what you sent was not saved. Sign in and send"
                " it again."))
    target = "/login?next=" + quote(back)  # sign-in lives outside any school
    if htmx:
        # htmx would swap a redirected sign-in page into a fragment; it follows this instead.
        return Response(status=401, headers={"HX-Redirect": target})
    return redirect(target, 302 if request.method in ("GET", "HEAD") else 303)


def school_time(moment: datetime | None, pattern: str = "%Y-%m-%d %H:%M") -> str:
    """A stored UTC moment as the school's wall-clock time (the server's zone means nothing)."""
    if moment is None:
        return ""
    tenant = g.get("tenant")
    return moment.astimezone(ZoneInfo(tenant.timezone if tenant else "Asia/Shanghai")).strftime(pattern)


def install(app) -> None:
    from core.web import (  # noqa: F401  (their routes join this blueprint)
        account,
        accounts,
        audit,
        calendar,
        channels,
        district,
        modules,
        notifications,
        people,
        places,
        search,
        transfer,
    )

    app.register_blueprint(bp)
    # Finer than the Problem handler (core.api.errors), so it answers every 401 in one place.
    app.register_error_handler(Unauthorized, sign_in_first)
    app.jinja_env.globals["LANGUAGES"] = LANGUAGES
    app.jinja_env.globals["get_locale"] = get_locale
    app.jinja_env.filters["school_time"] = school_time
    app.jinja_env.globals["navigation"] = navigation
    # A kindergarten's words where they differ (core.wording); a job's phrase when read.
    app.jinja_env.globals.update(word=word, nword=nword)
    from core.web.registers import register_links

    app.jinja_env.globals["register_links"] = register_links  # a module register's links
    app.jinja_env.filters["stored_message"] = read_stored
    # Installed by `make install` from the npm registry; without it pages refresh instead.
    app.jinja_env.globals["HTMX"] = (Path(bp.static_folder) / "vendor" / "htmx.min.js").exists()
