"""The notification channels page: where the school's notices go besides the in-app list.

A school administrator adds an e-mail list or a 企业微信/钉钉 group robot, ticks the kinds of
notice it receives, and sends it a test message. The form is made from the channel kind's
settings schema (``core.web.settings_form``) and loaded with the API's ``ChannelSchema``;
secrets are never put back into the page: their input stays empty (empty keeps them), says
whether one is set, and an optional one has a "clear" box. The form carries the version it
was read at, so a save over someone else's change is refused with a message, not lost.
"""

from __future__ import annotations

import uuid
from typing import Any

from flask import redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from marshmallow import Schema, fields, missing, validate

from core.api.errors import NotFound
from core.jobs import job_state
from core.notifications import delivery
from core.notifications.channels import ChannelKind, channel_kinds, chosen_kinds, notice_kinds
from core.notifications.schemas import CHANGE_PARTIAL, ChannelChangeSchema, ChannelSchema
from core.permissions import requires
from core.plugins.types import NavEntry
from core.rules import RuleBroken
from core.web.forms import submitted
from core.web.nav import core_entries
from core.web.settings_form import read_settings, setting_inputs
from core.web.views import bp

core_entries(NavEntry(_l("Notification channels"), "web.channels", "core.channels.manage",
                      order=172))


def _kind(name: str) -> ChannelKind:
    kind = channel_kinds().get(name)
    if kind is None:
        raise NotFound(_("No channel kind is named %(kind)s.", kind=name))
    return kind


def _found(channel_id: uuid.UUID):
    try:
        return delivery.channel(channel_id)
    except RuleBroken as exc:
        raise NotFound(str(exc)) from exc


def _wrapped(kind: ChannelKind) -> Schema:
    """The kind's settings as one group of inputs named ``settings.<field>``."""
    return Schema.from_dict({"settings": fields.Nested(
        kind.settings, metadata={"label": _l("Settings")})})()


def _inputs(kind: ChannelKind, values: dict[str, Any], states: dict[str, str]):
    secrets = set(kind.secret_fields())
    shown = {key: value for key, value in values.items() if key not in secrets}
    inputs = setting_inputs(_wrapped(kind), {"settings": shown})
    for child in inputs[0].children:
        key = child.name.removeprefix("settings.")
        if key not in secrets:
            continue
        child.value = ""
        state = states.get(key)
        if state == delivery.SET:
            said = _("Set. Leave empty to keep it.")
        elif state == delivery.REENTER:
            said = _("It must be re-entered: this server cannot read the one kept.")
        else:
            said = _("Not set.")
        child.hint = " ".join(filter(None, [child.hint, said]))
    return inputs


def _clearable(kind: ChannelKind, states: dict[str, str]) -> list[tuple[str, str]]:
    """The secret settings the form may clear: the optional ones now set."""
    items = kind.settings().fields
    return [(key, str(items[key].metadata.get("label", key))) for key in kind.secret_fields()
            if not items[key].required and states.get(key) == delivery.SET]


def _page(kind: ChannelKind, found, form: dict[str, Any], errors: dict[str, str],
          status: int = 200, test_job=None):
    stored = found.settings if found is not None else {}
    values = form.get("settings", stored if found is not None else {})
    states = delivery.secret_states(found) if found is not None else {}
    return render_template(
        "web/channel.html", kind=kind, found=found, errors=errors, form=form,
        inputs=_inputs(kind, values, states), notice_kinds=list(notice_kinds().values()),
        clearable=_clearable(kind, states), states=states,
        needs_secrets=delivery.REENTER in states.values(), test_job=test_job), status


def _defaults(kind: ChannelKind) -> dict[str, Any]:
    return {name: item.load_default for name, item in kind.settings().fields.items()
            if item.load_default is not missing and not callable(item.load_default)}


def _posted(kind: ChannelKind) -> dict[str, Any]:
    read, _unreadable = read_settings(_wrapped(kind), request.form)
    fields_of = kind.settings().fields
    # A choice left unmade ("—") takes the setting's default; an emptied text is empty.
    settings = {key: value for key, value in read["settings"].items()
                if not (value == "" and key in fields_of and any(
                    isinstance(v, validate.OneOf) for v in fields_of[key].validators))}
    # A secret's input left empty keeps it; its "clear" box ticked clears it.
    optional = {key for key in kind.secret_fields() if not fields_of[key].required}
    settings.update({key: None for key in request.form.getlist("clear") if key in optional})
    return {"title": request.form.get("title", "").strip(),
            "enabled": "enabled" in request.form,
            "notices": request.form.getlist("notices"), "settings": settings}


@bp.route("/notification-channels")
@requires("core.channels.manage")
def channels() -> ResponseReturnValue:
    found = delivery.channels()
    return render_template("web/channels.html", channels=found, kinds=channel_kinds(),
                           notice_kinds=notice_kinds(),
                           chosen={c.id: chosen_kinds(c.notices) for c in found},
                           settings={c.id: _labelled(c) for c in found},
                           needs_secrets={c.id for c in found if delivery.needs_secrets(c)})


def _labelled(found) -> list[tuple[str, Any]]:
    """The channel's settings as shown in the list, each by its label: the plain ones by
    their value, the secret ones by whether they are set."""
    kind = delivery.kind_of(found)
    items = kind.settings().fields if kind else {}
    shown = []
    for key, value in delivery.shown_settings(found).items():
        if not value:
            continue
        meta = items[key].metadata if key in items else {}
        choices = meta.get("choices") or {}
        if isinstance(value, bool):
            value = _("Yes")
        shown.append((str(meta.get("label", key)),
                      str(choices[value]) if isinstance(value, str) and value in choices
                      else value))
    for key, state in delivery.secret_states(found).items():
        meta = items[key].metadata if key in items else {}
        shown.append((str(meta.get("label", key)), str(delivery.SECRET_STATES[state])))
    return shown


@bp.route("/notification-channels/new/<kind>")
@requires("core.channels.manage")
def new_channel(kind: str) -> ResponseReturnValue:
    chosen = _kind(kind)
    return _page(chosen, None, {"title": str(chosen.title), "enabled": True,
                                "notices": sorted(notice_kinds()),
                                "settings": _defaults(chosen)}, {})


def _refused_new(errors, form, status, kind):
    chosen = _kind(kind)
    return _page(chosen, None, _posted(chosen), errors, status)


@bp.route("/notification-channels/new/<kind>", methods=["POST"])
@requires("core.channels.manage")
@submitted(_refused_new)
def add_channel(kind: str) -> ResponseReturnValue:
    chosen = _kind(kind)
    data = ChannelSchema().load({"kind": chosen.name, **_posted(chosen)})
    made = delivery.create(data)
    return redirect(url_for("web.channel", channel_id=made.id, saved=1))


@bp.route("/notification-channels/<uuid:channel_id>")
@requires("core.channels.manage")
def channel(channel_id: uuid.UUID) -> ResponseReturnValue:
    found = _found(channel_id)
    kind = delivery.kind_of(found)
    if kind is None:
        raise NotFound(_("The module that sends this kind of channel is not installed."))
    test_job = None
    if request.args.get("test"):
        try:
            test_job = job_state(uuid.UUID(request.args["test"]))
        except ValueError:
            test_job = None
    return _page(kind, found, {"title": found.title, "enabled": found.enabled,
                               "notices": chosen_kinds(found.notices),
                               "version": found.version}, {}, test_job=test_job)


def _refused_change(errors, form, status, channel_id):
    found = _found(channel_id)
    kind = delivery.kind_of(found)
    # The form keeps the version it was read at, so that saving again is refused again
    # until the editor reloads and sees the other change.
    return _page(kind, found, {**_posted(kind), "version": form.get("version")}, errors,
                 status)


@bp.route("/notification-channels/<uuid:channel_id>", methods=["POST"])
@requires("core.channels.manage")
@submitted(_refused_change)
def change_channel(channel_id: uuid.UUID) -> ResponseReturnValue:
    found = _found(channel_id)
    kind = delivery.kind_of(found)
    if kind is None:
        raise NotFound(_("The module that sends this kind of channel is not installed."))
    data = ChannelChangeSchema(partial=CHANGE_PARTIAL).load(
        {**_posted(kind), "version": _version(request.form.get("version"))})
    delivery.change(found.id, data)
    return redirect(url_for("web.channel", channel_id=found.id, saved=1))


def _version(value: str | None) -> int | str | None:
    """The version the form was read at, as a number when it is one (else the schema names
    the field)."""
    return int(value) if value and value.isdigit() else value


@bp.route("/notification-channels/<uuid:channel_id>/test", methods=["POST"])
@requires("core.channels.manage")
@submitted(lambda errors, form, status, channel_id: redirect(url_for("web.channels")))
def test_channel(channel_id: uuid.UUID) -> ResponseReturnValue:
    _found(channel_id)
    run = delivery.test(channel_id)
    return redirect(url_for("web.channel", channel_id=channel_id, test=run.id))


@bp.route("/notification-channels/<uuid:channel_id>/remove", methods=["POST"])
@requires("core.channels.manage")
@submitted(lambda errors, form, status, channel_id: redirect(url_for("web.channels")))
def remove_channel(channel_id: uuid.UUID) -> ResponseReturnValue:
    _found(channel_id)
    delivery.remove(channel_id)
    return redirect(url_for("web.channels", removed=1))
