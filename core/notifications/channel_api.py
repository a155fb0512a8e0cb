"""A school's notification channels: list, add, change, remove, send a test message."""

from __future__ import annotations

import uuid

from flask_smorest import Blueprint

from core.api.rules import transactional
from core.permissions import requires

from . import delivery
from .channels import channel_kinds, chosen_kinds, notice_kinds
from .schemas import (
    CHANGE_PARTIAL,
    ChannelChangeSchema,
    ChannelKindSchema,
    ChannelSchema,
    NoticeKindSchema,
    SentSchema,
)

blp = Blueprint("channels_api", __name__, url_prefix="/api/v1/notification-channels",
                description="Where a school's notices are sent besides the in-app list")


def shown(found) -> dict:
    """A channel as answered: its plain settings, and of its secrets only whether each is
    set."""
    return {"id": found.id, "kind": found.kind, "title": found.title,
            "enabled": found.enabled, "notices": chosen_kinds(found.notices),
            "settings": delivery.shown_settings(found),
            "secrets": delivery.secret_states(found), "updated_at": found.updated_at,
            "version": found.version}


@blp.route("")
@blp.response(200, ChannelSchema(many=True))
@requires("core.channels.manage")
def list_channels():
    return [shown(found) for found in delivery.channels()]


@blp.route("", methods=["POST"])
@blp.arguments(ChannelSchema)
@blp.response(201, ChannelSchema)
@requires("core.channels.manage")
@transactional
def add_channel(data):
    return shown(delivery.create(data))


@blp.route("/kinds")
@blp.response(200, ChannelKindSchema(many=True))
@requires("core.channels.manage")
def list_channel_kinds():
    """The kinds of channel this server can send through, and which of their settings are
    secret."""
    return [{"name": kind.name, "title": str(kind.title), "secrets": kind.secret_fields()}
            for kind in channel_kinds().values()]


@blp.route("/notice-kinds")
@blp.response(200, NoticeKindSchema(many=True))
@requires("core.channels.manage")
def list_notice_kinds():
    return [{"name": kind.name, "title": str(kind.title)} for kind in notice_kinds().values()]


@blp.route("/<uuid:channel_id>")
@blp.response(200, ChannelSchema)
@requires("core.channels.manage")
def get_channel(channel_id: uuid.UUID):
    return shown(_found(channel_id))


@blp.route("/<uuid:channel_id>", methods=["PATCH"])
@blp.arguments(ChannelChangeSchema(partial=CHANGE_PARTIAL))
@blp.response(200, ChannelSchema)
@requires("core.channels.manage")
@transactional
def change_channel(data, channel_id: uuid.UUID):
    """Change a channel as it was at ``version`` (409 naming ``version`` when someone saved
    it since). A secret setting left out keeps its value; ``null`` clears it."""
    return shown(delivery.change(channel_id, data))


@blp.route("/<uuid:channel_id>", methods=["DELETE"])
@blp.response(204)
@requires("core.channels.manage")
@transactional
def remove_channel(channel_id: uuid.UUID):
    """Remove a channel (kept in the audit trail, secrets left out)."""
    delivery.remove(channel_id)


@blp.route("/<uuid:channel_id>/test", methods=["POST"])
@blp.response(202, SentSchema)
@requires("core.channels.manage")
@transactional
def test_channel(channel_id: uuid.UUID):
    """Send a test message through the channel, as a job; follow it at /api/v1/jobs/<id>."""
    return {"job_id": delivery.test(channel_id).id}


def _found(channel_id: uuid.UUID):
    from core.api.errors import NotFound
    from core.rules import RuleBroken

    try:
        return delivery.channel(channel_id)
    except RuleBroken as exc:
        raise NotFound(str(exc)) from exc
