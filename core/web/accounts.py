"""Accounts in the browser: a school administrator invites staff and manages their roles; a
district administrator does the same for the administrators of the district's schools; a
class teacher or the office invites guardians; anyone invited chooses a password by a
one-time link. The rules live in ``core.identity.accounts``."""

from __future__ import annotations

import uuid

from flask import abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from core import mail
from core.api.errors import Forbidden, NotFound
from core.auth import current_principal
from core.extensions import db
from core.identity import accounts as service
from core.identity.models import User
from core.identity.services import IdentityError
from core.links import public_base
from core.people import services as people
from core.permissions import SCHOOL_ROLES, STAFF_ROLES, Role, public, requires
from core.plugins.types import NavEntry
from core.rules import RuleBroken
from core.tenancy import require_tenant, tenant_context
from core.web.account import _new_password_errors
from core.web.forms import found, page_of, refusal_status, submitted
from core.web.nav import core_entries
from core.web.views import bp

core_entries(NavEntry(_l("Accounts"), "web.accounts", "core.accounts.manage", order=175))
ACTIONS = ("deactivate", "reactivate", "reset")


def _link_address(token: str) -> str:
    return public_base() + url_for("web.account_link", token=token)


def _send_link(user: User, token: str, purpose: str, school: str) -> str:
    """Mail the link (kept in the outbox, sent when the server has mail) and return it, so
    the administrator can pass it on another way too. A person known by a mobile number
    alone gets nothing sent: Houqin has no text-message service, so the administrator
    passes the link on (text message, WeChat), as the page says."""
    address = _link_address(token)
    if not user.email:
        return address
    if purpose == service.INVITE:
        subject = _("You are invited to Houqin at %(school)s", school=school)
        body = _("Open this link within three days to choose your password:\n\n%(link)s\n\n"
                 "Then sign in with %(email)s.", link=address, email=user.login)
    else:
        subject = _("Choose a new Houqin password")
        body = _("An administrator of %(school)s reset your password. Open this link within"
                 " three days to choose a new one:\n\n%(link)s", school=school, link=address)
    mail.send(user.email, subject, body)
    return address


def _refused(exc: RuleBroken) -> None:
    """A refusal of the rules as the page's answer: 403 and 404 as such, else a 4xx page."""
    db.session.rollback()
    if exc.status == 403:
        raise Forbidden(str(exc)) from exc
    if exc.status == 404:
        raise NotFound(str(exc)) from exc


# --- a school's accounts ---------------------------------------------------------------------


def _render_accounts(errors: dict[str, str], form: dict, status: int = 200, **shown):
    """Staff by default; guardians, who may be many, when asked for; a page at a time."""
    reach = service.SCHOOL_ADMIN_REACH
    who = "guardians" if request.args.get("who") == "guardians" else "staff"
    query = request.args.get("q", "").strip()[:50].lower()
    rows = [row for row in service.accounts(
        frozenset({Role.GUARDIAN}) if who == "guardians" else STAFF_ROLES)
        if query in row.name.lower() or query in row.login]
    shown_rows, number, more = page_of(rows)
    kept = {k: v for k, v in (("who", who if who == "guardians" else ""), ("q", query)) if v}
    return render_template(
        "web/accounts.html", rows=shown_rows, page=number, more=more, kept=kept, who=who,
        q=query, roles=SCHOOL_ROLES,
        grantable=[r for r in SCHOOL_ROLES if r in reach.roles and r != Role.GUARDIAN],
        errors=errors, form=form, me=current_principal().user_id, **shown), status


@bp.route("/accounts")
@requires("core.accounts.manage")
def accounts():
    return _render_accounts({}, {})


def _by_person(box: str):
    """A refusal about one person's row of the list, shown in that row (``role-<id>``, the
    row's role form; ``account-<id>``, its buttons), the list itself as it was."""
    def refused(errors: dict[str, str], _form: dict, status: int, user_id: int, **_args):
        shown = {f"{box}-{user_id}": " ".join(errors.values())} if errors else {}
        return _render_accounts(shown, {}, status)

    return refused


@bp.route("/accounts", methods=["POST"])
@requires("core.accounts.manage")
@submitted(_render_accounts)
def invite_account():
    """Invite a member of staff; the page then shows the link that was sent."""
    invited = service.invite(request.form.get("email", ""), request.form.get("name", ""),
                             request.form.getlist("roles"), service.SCHOOL_ADMIN_REACH)
    link = invited.link and _send_link(invited.user, invited.link, service.INVITE,
                                       require_tenant().name)
    return _render_accounts({}, {}, 200, invited=invited.user, link=link,
                            created=invited.created)


@bp.route("/accounts/<int:user_id>/roles", methods=["POST"])
@requires("core.accounts.manage")
@submitted(_by_person("role"))
def grant_role(user_id: int):
    _known(user_id)
    service.grant(user_id, request.form.get("role", ""), service.SCHOOL_ADMIN_REACH,
                  current_principal().user_id)
    return redirect(url_for("web.accounts"))


@bp.route("/accounts/<int:user_id>/roles/<role>/revoke", methods=["POST"])
@requires("core.accounts.manage")
@submitted(_by_person("role"))
def revoke_role(user_id: int, role: str):
    _known(user_id)
    service.revoke(user_id, role, service.SCHOOL_ADMIN_REACH, current_principal().user_id)
    return redirect(url_for("web.accounts"))


@bp.route("/accounts/<int:user_id>/<action>", methods=["POST"])
@requires("core.accounts.manage")
@submitted(_by_person("account"))
def account_action(user_id: int, action: str):
    """Deactivate or reactivate a person's place in the school, or reset their password."""
    if action not in ACTIONS:
        abort(404)
    _known(user_id)
    link = _act(user_id, action, service.SCHOOL_ADMIN_REACH)
    if link:
        return _render_accounts({}, {}, 200, invited=db.session.get(User, user_id), link=link,
                                reset=True)
    return redirect(url_for("web.accounts"))


def _known(user_id: int) -> None:
    """A person with no role in this school is not found, whatever the form holds."""
    try:
        service.account(user_id)
    except RuleBroken as exc:
        raise NotFound(str(exc)) from exc


def _act(user_id: int, action: str, reach: service.Reach) -> str | None:
    actor = current_principal().user_id
    if action == "deactivate":
        service.deactivate(user_id, reach, actor)
    elif action == "reactivate":
        service.reactivate(user_id, reach, actor)
    else:
        user, token = service.reset_password(user_id, reach, actor)
        return _send_link(user, token, service.RESET, require_tenant().name)
    return None


# --- the district's school administrators ----------------------------------------------------


def _district_schools(slug: str):
    """The district's schools, for its administrator; any other district is not found."""
    from core.identity.models import DistrictMembership
    from core.schools.models import District, Tenant

    district_id = db.session.scalar(
        select(District.id).join(DistrictMembership, DistrictMembership.district_id == District.id)
        .where(District.slug == slug, DistrictMembership.user_id == current_principal().user_id,
               DistrictMembership.role == Role.DISTRICT_ADMIN))
    if district_id is None:
        abort(404)
    return district_id, db.session.scalars(
        select(Tenant).where(Tenant.district_id == district_id).order_by(Tenant.name)).all()


def _render_district(slug: str, errors: dict[str, str], form: dict, status: int = 200, **shown):
    from core.schools.models import District

    district_id, schools = _district_schools(slug)
    admins = []
    for school in schools:
        with tenant_context(school.ref()):
            admins.append((school, service.accounts(frozenset({Role.SCHOOL_ADMIN}))))
    return render_template("web/district_accounts.html", slug=slug, admins=admins,
                           district=db.session.get(District, district_id), errors=errors,
                           form=form, **shown), status


def _district_school(slug: str, school_slug: str):
    for school in _district_schools(slug)[1]:
        if school.slug == school_slug:
            return school.ref()
    raise NotFound(_("this district has no such school"))


@bp.route("/district/<slug>/accounts")
@requires("core.district.accounts")
def district_accounts(slug: str):
    return _render_district(slug, {}, {})


@bp.route("/district/<slug>/accounts", methods=["POST"])
@requires("core.district.accounts")
def invite_school_admin(slug: str):
    _district_schools(slug)  # another district's page is not found, whatever was sent
    form = request.form.to_dict()
    try:
        school = _district_school(slug, form.get("school", ""))
    except NotFound:
        return _render_district(slug, {"school": _("Choose one of the district's schools.")},
                                form, 422)
    try:
        with tenant_context(school):
            invited = service.invite(form.get("email", ""), form.get("name", ""),
                                     [Role.SCHOOL_ADMIN], service.DISTRICT_ADMIN_REACH)
            link = invited.link and _send_link(invited.user, invited.link, service.INVITE,
                                               school.name)
            db.session.commit()  # with the school in context: its rows and audit events
    except RuleBroken as exc:
        status = refusal_status(exc)
        return _render_district(slug, {exc.field: str(exc)}, form, status)
    return _render_district(slug, {}, {}, 200, invited=invited.user, link=link)


@bp.route("/district/<slug>/schools/<school_slug>/accounts/<int:user_id>/<action>",
          methods=["POST"])
@requires("core.district.accounts")
def district_account_action(slug: str, school_slug: str, user_id: int, action: str):
    """Deactivate, reactivate or reset the password of a school's administrator, or take the
    role away ("revoke")."""
    if action not in (*ACTIONS, "revoke"):
        abort(404)
    school = _district_school(slug, school_slug)
    reach = service.DISTRICT_ADMIN_REACH
    link = None
    try:
        with tenant_context(school):
            target = service.account(user_id)
            if Role.SCHOOL_ADMIN not in target.roles:
                raise IdentityError(_("this person is not an administrator of the school"),
                                    "user_id", 404)
            if action == "revoke":
                service.revoke(user_id, Role.SCHOOL_ADMIN, reach, current_principal().user_id)
            elif action == "reset":
                user, token = service.reset_password(user_id, reach, current_principal().user_id)
                link = _send_link(user, token, service.RESET, school.name)
            else:
                _act(user_id, action, reach)
            db.session.commit()
    except RuleBroken as exc:
        _refused(exc)
        return _render_district(slug, {f"account-{user_id}": str(exc)}, {}, exc.status)
    if link:
        return _render_district(slug, {}, {}, 200, invited=db.session.get(User, user_id),
                                link=link, reset=True)
    return redirect(url_for("web.district_accounts", slug=slug))


# --- guardians -------------------------------------------------------------------------------


def _may_invite_for(student_class_id: uuid.UUID) -> None:
    principal = current_principal()
    if not people.may_invite_guardians(student_class_id, principal.user_id,
                                       "core.people.manage" in principal.permissions):
        raise Forbidden(_("only the class teacher of this student's class, or the office,"
                          " may invite the student's guardians"))


def _invitation_refused(errors: dict[str, str], _form: dict, status: int,
                        guardian_id: uuid.UUID):
    """The student's page again, the refusal by the guardian's invitation form."""
    from core.web.people import _render_student

    student_id = found(people.get_guardian, guardian_id).student_id
    return _render_student(student_id, {"invite": " ".join(errors.values())} if errors else {},
                           {}, status)


@bp.route("/people/guardians/<uuid:guardian_id>/invite", methods=["POST"])
@requires("core.guardians.invite")
@submitted(_invitation_refused)
def invite_guardian(guardian_id: uuid.UUID):
    """Make the guardian an account, link it to them, and send them a link to choose a
    password; they then see their child."""
    from core.web.people import _render_student

    guardian = found(people.get_guardian, guardian_id)
    student = found(people.get_student, guardian.student_id)
    _may_invite_for(student.class_id)
    invited = service.invite(request.form.get("email", ""), guardian.name,
                             [Role.GUARDIAN], service.GUARDIAN_REACH)
    guardian.user_id = invited.user.id
    link = invited.link and _send_link(invited.user, invited.link, service.INVITE,
                                       require_tenant().name)
    return _render_student(student.id, {}, {}, invited=invited.user, link=link)


# --- the one-time link -----------------------------------------------------------------------


@bp.route("/account/link/<token>", methods=["GET", "POST"])
@public
def account_link(token: str):
    """Choose a password by a link from an invitation or a reset; then sign in with it."""
    state = service.read_link(token)
    if state.problem:
        return render_template("web/account_link.html", problem=state.problem, errors={}), \
            404 if state.problem == "unknown" else 410
    errors: dict[str, str] = {}
    if request.method == "POST":
        password, errors = _new_password_errors()
        if password is not None:
            try:
                service.use_link(token, password)
            except RuleBroken as exc:  # spent meanwhile, in another tab
                db.session.rollback()
                return render_template("web/account_link.html", problem=str(exc),
                                       errors={}), 410
            db.session.commit()
            return redirect(url_for("web.login", reset="1"))
    user = db.session.get(User, state.user_id)
    return render_template("web/account_link.html", problem=None, errors=errors,
                           email=user.login, purpose=state.purpose), 422 if errors else 200
