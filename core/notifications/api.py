"""A person's notifications in the school: list, mark read."""

from __future__ import annotations

import uuid

from flask_smorest import Blueprint
from marshmallow import fields

from core.api.rules import transactional
from core.api.schema import Schema
from core.auth import current_principal
from core.permissions import requires

from . import services

blp = Blueprint("notifications_api", __name__, url_prefix="/api/v1/notifications",
                description="Reminders raised for the people of a school")


class NotificationSchema(Schema):
    id = fields.UUID(attribute="notification.id")
    source = fields.String(attribute="notification.source")
    text = fields.String()
    read = fields.Boolean()
    updated_at = fields.AwareDateTime(attribute="notification.updated_at")


class NotificationQuerySchema(Schema):
    unread = fields.Boolean(load_default=False)


class MarkedSchema(Schema):
    marked = fields.Integer()


@blp.route("")
@blp.arguments(NotificationQuerySchema, location="query")
@blp.response(200, NotificationSchema(many=True))
@requires("core.self")
def list_notifications(query):
    """Newest first: the reminders for the permissions the caller holds here."""
    principal = current_principal()
    return services.inbox(principal.user_id, principal.permissions, query["unread"])


@blp.route("/<uuid:notification_id>/read", methods=["POST"])
@blp.response(204)
@requires("core.self")
@transactional
def mark_read(notification_id: uuid.UUID):
    principal = current_principal()
    services.mark_read(notification_id, principal.user_id, principal.permissions)


@blp.route("/read-all", methods=["POST"])
@blp.response(200, MarkedSchema)
@requires("core.self")
@transactional
def mark_all_read():
    principal = current_principal()
    return {"marked": services.mark_all_read(principal.user_id, principal.permissions)}
