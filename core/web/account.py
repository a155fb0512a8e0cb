"""Account pages: forgotten password, reset by link, password change, one's sessions."""

from __future__ import annotations

from flask import redirect, render_template, request, session, url_for
from flask_babel import gettext as _

from core import mail
from core.api.errors import NotFound
from core.auth import current_principal
from core.extensions import db
from core.identity import sessions
from core.identity.models import User
from core.identity.passwords import MIN_LENGTH, hash_password, verify_password
from core.identity.reset import make_token, sent_recently, user_for_token
from core.identity.services import login_key, normalise_login, user_by_login
from core.links import public_base
from core.permissions import public, requires
from core.rules import RuleBroken
from core.web.security import (
    TooManyAttempts,
    check_not_locked,
    clear_failures,
    record_failure,
    too_many_response,
    trusted_device,
)
from core.web.views import bp, refused_page, sign_out


def _new_password_errors() -> tuple[str | None, dict[str, str]]:
    password = request.form.get("password", "")
    errors = {}
    if len(password) < MIN_LENGTH:
        errors["password"] = _("At least %(n)s characters.", n=MIN_LENGTH)
    elif password != request.form.get("confirm", ""):
        errors["confirm"] = _("The two passwords differ.")
    return (None if errors else password), errors


@bp.route("/password/forgot", methods=["GET", "POST"])
@public
def forgot_password():
    """Always answers the same, so nobody learns which addresses have accounts."""
    if request.method == "POST":
        # Before the account is looked up: a refused host must not tell which addresses exist.
        base = public_base()
        try:
            kind, typed = normalise_login(request.form.get("email", ""), "email")
        except ValueError:
            kind, typed = None, None
        user = user_by_login(kind, typed) if typed else None
        email = user.email if user is not None else None
        if user is not None and email and user.is_active and not sent_recently(email):
            link = base + url_for("web.reset_password", token=make_token(user))
            mail.send(email, _("Reset your Houqin password"), _(
                "Open this link within an hour to choose a new password:\n\n%(link)s\n\n"
                "If you did not ask for it, ignore this message.", link=link))
            db.session.commit()
        # No text messages are sent from here: whoever typed a number hears the same
        # answer whether it has an account, an e-mail address, or neither.
        return render_template("web/forgot.html", sent=True, by_phone=kind == "phone")
    return render_template("web/forgot.html", sent=False)


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
@public
def reset_password(token: str):
    user = user_for_token(token)
    if user is None:
        return render_template("web/reset.html", invalid=True, errors={}), 400
    errors: dict[str, str] = {}
    if request.method == "POST":
        password, errors = _new_password_errors()
        if password is not None:
            user.password_hash = hash_password(password)
            clear_failures(login_key(user))
            # Whoever used the old password may hold a session: a reset signs out every browser.
            sessions.end_everywhere(user.id, sessions.Reason.PASSWORD_RESET)
            db.session.commit()
            return redirect(url_for("web.login", reset="1"))
    return render_template("web/reset.html", invalid=False, errors=errors), 422 if errors else 200


@bp.route("/password/change", methods=["GET", "POST"])
@requires("core.self")
def change_password():
    user = db.session.get(User, current_principal().user_id)
    errors: dict[str, str] = {}
    done = False
    if request.method == "POST":
        # Guessing the current password here is guessing a sign-in: the same limits apply,
        # counted by the same account, address and device cookie as at the sign-in page.
        device = trusted_device(user.id)
        try:
            check_not_locked(login_key(user), request.remote_addr, device)
        except TooManyAttempts as refused:
            if request.accept_mimetypes.best == "application/json":
                return too_many_response(refused)
            page = render_template("web/password.html", errors={"current": refused.detail},
                                   done=False)
            return page, 429, {"Retry-After": str(refused.retry_after)}
        if not verify_password(user.password_hash, request.form.get("current", "")):
            record_failure(login_key(user), request.remote_addr, user.id, device)
            try:
                check_not_locked(login_key(user), request.remote_addr, device)
            except TooManyAttempts as refused:
                # Whoever holds this session does not know the password: it ends, so that the
                # guessing cannot go on once the wait is over without signing in again.
                sign_out(sessions.Reason.GUESSED)
                return refused_page(refused, user.login)
            errors["current"] = _("This is not your current password.")
        else:
            password, errors = _new_password_errors()
            if password is not None:
                user.password_hash = hash_password(password)
                clear_failures(login_key(user), device)
                # This browser stays signed in; any other one may be whoever learnt the old one.
                sessions.end_everywhere(user.id, sessions.Reason.PASSWORD_CHANGED,
                                        keep_key=session.get(sessions.SESSION_KEY))
                db.session.commit()
                done = True
    return (render_template("web/password.html", errors=errors, done=done),
            422 if errors else 200)


@bp.route("/account/sessions")
@requires("core.self")
def my_sessions():
    """Where this person is signed in, so a forgotten browser can be signed out from here."""
    key = session.get(sessions.SESSION_KEY)
    rows = sessions.active(current_principal().user_id)
    return render_template("web/sessions.html", rows=rows,
                           current={row.id for row in rows if sessions.is_current(row, key)})


@bp.route("/account/sessions/<int:session_id>/end", methods=["POST"])
@requires("core.self")
def end_my_session(session_id: int):
    try:
        sessions.end_own(current_principal().user_id, session_id)
    except RuleBroken as exc:
        raise NotFound(_("You have no such session.")) from exc
    db.session.commit()
    if sessions.resolve(session.get(sessions.SESSION_KEY)) is None:  # ended this very one
        return redirect(url_for("web.login"))
    return redirect(url_for("web.my_sessions"))
