"""The notification channel, as the API and the channels page both read and show it."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError, fields, validate

from core.api.schema import Schema
from core.notifications.channels import channel_kinds, notice_kinds


def _known_channel(value: str) -> None:
    if value not in channel_kinds():
        raise ValidationError(_("No channel kind is named %(kind)s.", kind=value))


def _known_notice(value: str) -> None:
    if value not in notice_kinds():
        raise ValidationError(_("No kind of notice is named %(kind)s.", kind=value))


class ChannelSchema(Schema):
    """A channel: its kind (fixed once made), a title, whether it sends, the kinds of notice
    it receives (all of them when not given) and the kind's own settings.

    Secret settings (``GET /kinds`` lists them) are write-only: ``settings`` answers the
    plain ones, and ``secrets`` says of each secret whether it is ``set``, ``not set`` or
    must be re-entered (``re-enter``: sealed with a key this server no longer has, or the
    school came from a school file). In a change, a secret left out or empty keeps its
    value and ``null`` clears it."""

    id = fields.UUID(dump_only=True)
    kind = fields.String(required=True, validate=_known_channel,
                         metadata={"label": _l("Kind of channel")})
    title = fields.String(required=True, validate=validate.Length(min=1, max=80),
                          metadata={"label": _l("Name")})
    enabled = fields.Boolean(load_default=True, metadata={"label": _l("Sends notices")})
    notices = fields.List(fields.String(validate=_known_notice), load_default=None,
                          validate=validate.Length(max=100),
                          metadata={"label": _l("Kinds of notice sent here")})
    settings = fields.Dict(keys=fields.String(), load_default=dict)
    secrets = fields.Dict(keys=fields.String(), values=fields.String(), dump_only=True,
                          metadata={"description": "Each secret setting: set, not set or "
                                                   "re-enter."})
    updated_at = fields.AwareDateTime(dump_only=True)
    version = fields.Integer(dump_only=True, metadata={
        "description": "Changes with every save; a change names the version it was made on."})


class ChannelChangeSchema(ChannelSchema):
    """A change: any field of a channel, each optional, and the ``version`` the editor saw
    (required: a channel changed since is refused with 409 naming ``version``)."""

    version = fields.Integer(required=True, strict=True, metadata={"label": _l("Version")})


# Load a change with this: every field optional but the version.
CHANGE_PARTIAL = ("kind", "title", "enabled", "notices", "settings")


class ChannelKindSchema(Schema):
    name = fields.String()
    title = fields.String()
    secrets = fields.List(fields.String())


class NoticeKindSchema(Schema):
    name = fields.String()
    title = fields.String()


class SentSchema(Schema):
    job_id = fields.UUID()
