"""The channel kinds core ships: e-mail, and the 企业微信 and 钉钉 group robots schools use.

The robots' message shapes and rules, as their public documentation gives them (checked
December 2026):

- 企业微信 group robot (developer.work.weixin.qq.com/document/path/91770, 群机器人配置说明):
  POST JSON to ``https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=KEY``, either
  ``{"msgtype": "text", "text": {"content": ...}}`` (at most 2048 bytes of UTF-8) or
  ``{"msgtype": "markdown", "markdown": {"content": ...}}`` (at most 4096 bytes). It answers
  ``{"errcode": 0, "errmsg": "ok"}``; any other errcode is a refusal. At most 20 messages a
  minute per robot.
- 钉钉 custom robot (open.dingtalk.com/document/orgapp/custom-robot-access and
  …/robot-message-type): POST JSON to ``https://oapi.dingtalk.com/robot/send?access_token=T``,
  ``{"msgtype": "text", "text": {"content": ...}}`` or ``{"msgtype": "markdown", "markdown":
  {"title": ..., "text": ...}}``. With 加签 (signing) on, the address gets ``&timestamp=T&sign=S``
  where T is the time in milliseconds and S = urlEncode(base64(HmacSHA256(key=secret,
  message=f"{T}\\n{secret}"))), UTF-8 throughout; the secret starts with ``SEC``. With a
  custom keyword on, a message must contain it. It answers ``{"errcode": 0, "errmsg": "ok"}``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from typing import Any
from urllib.parse import quote_plus

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from marshmallow import Schema, ValidationError, fields, validate, validates, validates_schema

from core.notifications.channels import (
    ChannelFailed,
    ChannelKind,
    Message,
    NoticeKind,
    check_robot_url,
    post_json,
)

WECOM_HOST = "qyapi.weixin.qq.com"
DINGTALK_HOST = "oapi.dingtalk.com"
FORMATS = {"markdown": _l("Formatted (markdown)"), "text": _l("Plain text")}


def _cut(text: str, most_bytes: int) -> str:
    """At most ``most_bytes`` of UTF-8, cut on a character."""
    data = text.encode("utf-8")
    return text if len(data) <= most_bytes else data[:most_bytes].decode("utf-8", "ignore")


# --- e-mail ----------------------------------------------------------------------------------

class EmailSettings(Schema):
    # The people a notice is for already hold its permission here: writing to their
    # accounts' addresses spares the school a second address list to keep up to date.
    readers = fields.Boolean(load_default=False, metadata={
        "label": _l("Send to the people each notice is for"),
        "hint": _l("Everyone here whose role lets them act on the notice, at their "
                   "account's e-mail address; people without one are skipped.")})
    to = fields.List(fields.Email(), load_default=list, validate=validate.Length(max=20),
                     metadata={"label": _l("Also send to these addresses"),
                               "hint": _l("For example the school office's mailbox.")})

    @validates_schema
    def _someone(self, data: dict[str, Any], **kwargs) -> None:
        if not data.get("readers") and not data.get("to"):
            raise ValidationError(_("Give at least one address, or send to the people each "
                                    "notice is for."), "to")


def send_email(settings: dict[str, Any], message: Message, timeout: float) -> None:
    from core import mail

    body = message.text + (f"\n\n{message.link}" if message.link else "")
    for address in dict.fromkeys([*settings.get("to", []), *message.readers]):
        kept = mail.send(address, message.title[:200], body)
        if kept.error:  # SMTP refused: the job retries the whole message
            raise ChannelFailed(_("The mail server did not take the message."))


# --- 企业微信 ---------------------------------------------------------------------------------

class WecomSettings(Schema):
    webhook = fields.String(required=True, validate=validate.Length(max=500), metadata={
        "secret": True, "label": _l("Webhook address"),
        "hint": _l("In the group: ··· → Group robots → Add robot; copy its webhook address.")})
    format = fields.String(load_default="markdown", validate=validate.OneOf(list(FORMATS)),
                           metadata={"label": _l("Message format"), "choices": FORMATS})

    @validates("webhook")
    def _webhook(self, value: str, **kwargs) -> None:
        check_robot_url(value, WECOM_HOST)


def wecom_body(settings: dict[str, Any], message: Message) -> dict[str, Any]:
    if settings.get("format", "markdown") == "text":
        content = "\n".join(filter(None, [message.title, message.text, message.link]))
        return {"msgtype": "text", "text": {"content": _cut(content, 2048)}}
    content = f"### {message.title}\n{message.text}"
    if message.link:
        content += f"\n[{_('Open in Houqin')}]({message.link})"
    return {"msgtype": "markdown", "markdown": {"content": _cut(content, 4096)}}


def send_wecom(settings: dict[str, Any], message: Message, timeout: float) -> None:
    post_json(settings["webhook"], wecom_body(settings, message), timeout, _("WeCom"))


# --- 钉钉 -------------------------------------------------------------------------------------

class DingtalkSettings(Schema):
    webhook = fields.String(required=True, validate=validate.Length(max=500), metadata={
        "secret": True, "label": _l("Webhook address"),
        "hint": _l("Group settings → Robots → Add robot → Custom; copy its webhook address.")})
    secret = fields.String(load_default=None, allow_none=True,
                           validate=validate.Length(max=200), metadata={
        "secret": True, "label": _l("Signing secret (加签)"),
        "hint": _l("When the robot's security setting is signing: the string starting with"
                   " SEC. Leave empty otherwise.")})
    keyword = fields.String(load_default="", validate=validate.Length(max=20), metadata={
        "label": _l("Keyword"),
        "hint": _l("When the robot's security setting is a custom keyword: that keyword.")})
    format = fields.String(load_default="markdown", validate=validate.OneOf(list(FORMATS)),
                           metadata={"label": _l("Message format"), "choices": FORMATS})

    @validates("webhook")
    def _webhook(self, value: str, **kwargs) -> None:
        check_robot_url(value, DINGTALK_HOST)

    @validates("secret")
    def _secret(self, value: str | None, **kwargs) -> None:
        if value and not value.startswith("SEC"):
            raise ValidationError(_("A signing secret starts with SEC."))


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    """钉钉's signature: base64(HMAC-SHA256(secret, f"{timestamp}\\n{secret}")), URL-encoded."""
    digest = hmac.new(secret.encode("utf-8"), f"{timestamp_ms}\n{secret}".encode(),
                      hashlib.sha256).digest()
    return quote_plus(base64.b64encode(digest).decode("ascii"))


def dingtalk_url(settings: dict[str, Any], timestamp_ms: int) -> str:
    url = settings["webhook"]
    if settings.get("secret"):
        joiner = "&" if "?" in url else "?"
        url += f"{joiner}timestamp={timestamp_ms}&sign={dingtalk_sign(settings['secret'], timestamp_ms)}"
    return url


def dingtalk_body(settings: dict[str, Any], message: Message) -> dict[str, Any]:
    title = " ".join(filter(None, [settings.get("keyword"), message.title]))
    if settings.get("format", "markdown") == "text":
        content = "\n".join(filter(None, [title, message.text, message.link]))
        return {"msgtype": "text", "text": {"content": content}}
    text = f"### {title}\n\n{message.text}"
    if message.link:
        text += f"\n\n[{_('Open in Houqin')}]({message.link})"
    return {"msgtype": "markdown", "markdown": {"title": title, "text": text}}


def send_dingtalk(settings: dict[str, Any], message: Message, timeout: float) -> None:
    url = dingtalk_url(settings, int(time.time() * 1000))
    post_json(url, dingtalk_body(settings, message), timeout, _("DingTalk"))


CORE_CHANNELS = [
    ChannelKind("email", _l("E-mail"), EmailSettings, send_email),
    ChannelKind("wecom", _l("WeCom group robot (企业微信)"), WecomSettings, send_wecom),
    ChannelKind("dingtalk", _l("DingTalk group robot (钉钉)"), DingtalkSettings, send_dingtalk),
]
# A notice raised with no kind of its own is of its module's kind (its ``source``).
CORE_NOTICES = [NoticeKind("core", _l("School notices"))]
