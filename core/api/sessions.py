"""Sign-in sessions over the API: one's own (see and end them) and, for an administrator,
a member of staff's (sign them out everywhere)."""

from __future__ import annotations

import uuid

from flask import session
from flask_smorest import Blueprint
from marshmallow import fields

from core.api.rules import transactional
from core.api.schema import Schema
from core.auth import current_principal
from core.identity import sessions
from core.people import services as people
from core.permissions import requires
from core.tenancy import require_tenant

blp = Blueprint("sessions_api", __name__, url_prefix="/api/v1",
                description="Where people are signed in")


class SessionSchema(Schema):
    id = fields.Integer()
    device = fields.String(attribute="agent", allow_none=True,
                           metadata={"description": "browser and system, as far as known"})
    address = fields.String(allow_none=True)
    created_at = fields.DateTime()
    last_seen_at = fields.DateTime(metadata={"description": "noted at most once a minute"})
    expires_at = fields.DateTime(metadata={"description": "the latest it can last, if used"})
    current = fields.Boolean(metadata={"description": "the session this request came with"})


class EndedSchema(Schema):
    ended = fields.Integer(metadata={"description": "how many sessions were ended"})


@blp.route("/me/sessions")
@blp.response(200, SessionSchema(many=True))
@requires("core.self")
def my_sessions():
    """The caller's live web sessions, most recently used first."""
    key = session.get(sessions.SESSION_KEY)
    rows = sessions.active(current_principal().user_id)
    return [{**{name: getattr(row, name) for name in (
        "id", "agent", "address", "created_at", "last_seen_at", "expires_at")},
        "current": sessions.is_current(row, key)} for row in rows]


@blp.route("/me/sessions/<int:session_id>", methods=["DELETE"])
@blp.response(204)
@requires("core.self")
@transactional
def end_my_session(session_id: int):
    """End one of the caller's sessions: that browser is signed out."""
    sessions.end_own(current_principal().user_id, session_id)


@blp.route("/people/staff/<uuid:staff_id>/sessions", methods=["DELETE"])
@blp.response(200, EndedSchema)
@requires("core.sessions.end")
@transactional
def end_staff_sessions(staff_id: uuid.UUID):
    """Sign a member of staff out of every browser. A school administrator may for people who
    work only in this school; a district administrator, for people of the district."""
    member = people.get_staff(staff_id)
    principal = current_principal()
    return {"ended": sessions.end_sessions_of(member.user_id, require_tenant(),
                                              principal.school_roles, principal.district_roles)}
