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
    it receives (all of them when not given) and the kind's own settings. Secrets are
    answered masked; leave one out (or send it back masked) to keep it. A change loads it
    with ``partial=True``: what is left out stays as it is."""

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
    updated_at = fields.AwareDateTime(dump_only=True)


class ChannelChangeSchema(ChannelSchema):
    """A change: any field of a channel, each optional (loaded with ``partial=True``)."""


class ChannelKindSchema(Schema):
    name = fields.String()
    title = fields.String()
    secrets = fields.List(fields.String())


class NoticeKindSchema(Schema):
    name = fields.String()
    title = fields.String()


class SentSchema(Schema):
    job_id = fields.UUID()
