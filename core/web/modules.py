"""The modules page: which modules the school has on, switching them, and a settings form
made from each module's own settings schema (the same validation as the API's)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from flask import redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from marshmallow import fields

from core.api.body import UnreadableJson, loaded
from core.extensions import db
from core.permissions import requires
from core.plugins.types import NavEntry
from core.rules import flatten_messages
from core.web.forms import refusal_status, submitted
from core.web.nav import core_entries
from core.web.views import bp
from tenants import modules as module_service

core_entries(NavEntry(_l("Modules"), "web.modules", "core.modules.read", order=170))


@dataclass(frozen=True)
class SettingField:
    name: str
    label: str
    hint: str
    kind: str  # checkbox, number, text, json (lists, nested settings: edited as JSON)


def setting_fields(module: str) -> list[SettingField]:
    """The module's settings as form inputs, in the schema's order. A schema names a field
    for people with ``metadata={"label": _l(...)}``; without one the key is shown."""
    schema_cls = module_service.settings_schema(module)
    if schema_cls is None:
        return []
    found = []
    for name, field in schema_cls().load_fields.items():
        if isinstance(field, fields.Boolean):
            kind = "checkbox"
        elif isinstance(field, fields.Integer):
            kind = "number"
        elif isinstance(field, fields.String | fields.Decimal):
            kind = "text"
        else:
            kind = "json"
        found.append(SettingField(name, str(field.metadata.get("label", name)),
                                  str(field.metadata.get("hint", "")), kind))
    return found


def _state(module: str) -> dict[str, Any]:
    state = next((m for m in module_service.module_states() if m["name"] == module), None)
    if state is None:
        from core.api.errors import NotFound

        raise NotFound(_("No module is named %(module)s.", module=module))
    return state


def _shown(value: Any, kind: str) -> str:
    if kind == "json":
        return json.dumps(value, ensure_ascii=False, indent=1)
    return "" if value is None else str(value)


def _read_form(inputs: list[SettingField]) -> tuple[dict[str, Any], dict[str, str]]:
    values, errors = {}, {}
    for field in inputs:
        raw = request.form.get(field.name, "")
        if field.kind == "checkbox":
            values[field.name] = field.name in request.form
        elif field.kind == "json":
            try:
                values[field.name] = loaded(raw)
            except UnreadableJson as exc:
                errors[field.name] = str(exc)
        else:
            values[field.name] = raw
    return values, errors


@bp.route("/modules")
@requires("core.modules.read")
def modules() -> ResponseReturnValue:
    return render_template("web/modules.html", states=module_service.module_states())


@bp.route("/modules/<module>/switch", methods=["POST"])
@requires("core.modules.manage")
@submitted(lambda errors, form, status, module: (render_template(
    "web/modules.html", states=module_service.module_states(),
    refused={module: errors["module"]}), status), field="module")
def switch_module(module: str) -> ResponseReturnValue:
    if request.form.get("enabled") == "1":
        module_service.enable(module)
    else:
        module_service.disable(module)
    return redirect(url_for("web.modules"))


@bp.route("/modules/<module>/settings")
@requires("core.modules.read")
def module_settings_page(module: str) -> ResponseReturnValue:
    state = _state(module)
    inputs = setting_fields(module)
    current = module_service.validate_settings(module, state["settings"]) if inputs else {}
    form = {f.name: _shown(current.get(f.name), f.kind) for f in inputs}
    checked = {f.name for f in inputs if f.kind == "checkbox" and current.get(f.name)}
    return render_template("web/module_settings.html", state=state, inputs=inputs, form=form,
                           checked=checked, errors={})


@bp.route("/modules/<module>/settings", methods=["POST"])
@requires("core.modules.manage")
def change_module_settings(module: str) -> ResponseReturnValue:
    state = _state(module)
    inputs = setting_fields(module)
    values, errors = _read_form(inputs)
    if not errors:
        try:
            module_service.update_settings(module, {**state["settings"], **values})
        except module_service.SettingsInvalid as exc:
            status = refusal_status(exc)
            errors = {key: " ".join(flatten_messages(messages))
                      for key, messages in exc.messages.items()}
        except module_service.ModuleError as exc:
            status = refusal_status(exc)
            errors = {"module": str(exc)}
        else:
            db.session.commit()
            return redirect(url_for("web.module_settings_page", module=module, saved=1))
    else:
        status = 422
    form = dict(request.form)
    checked = {f.name for f in inputs if f.kind == "checkbox" and f.name in request.form}
    return render_template("web/module_settings.html", state=state, inputs=inputs, form=form,
                           checked=checked, errors=errors), status
