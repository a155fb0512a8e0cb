"""The modules page: which modules the school has on, switching them, and a settings form
made from each module's own settings schema (the same validation as the API's; the inputs
are made in ``core.web.settings_form``)."""

from __future__ import annotations

from typing import Any

from flask import redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from core.extensions import db
from core.permissions import requires
from core.plugins.types import NavEntry
from core.schools import modules as module_service
from core.web.forms import refusal_status, submitted
from core.web.nav import core_entries
from core.web.settings_form import errors_by_input, read_settings, setting_inputs
from core.web.views import bp

core_entries(NavEntry(_l("Modules"), "web.modules", "core.modules.read", order=170))


def _schema(module: str):
    schema_cls = module_service.settings_schema(module)
    return schema_cls() if schema_cls is not None else None


def _state(module: str) -> dict[str, Any]:
    state = next((m for m in module_service.module_states() if m["name"] == module), None)
    if state is None:
        from core.api.errors import NotFound

        raise NotFound(_("No module is named %(module)s.", module=module))
    return state


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
    schema = _schema(module)
    current = module_service.validate_settings(module, state["settings"]) if schema else {}
    return render_template("web/module_settings.html", state=state, errors={},
                           inputs=setting_inputs(schema, current) if schema else [])


@bp.route("/modules/<module>/settings", methods=["POST"])
@requires("core.modules.manage")
def change_module_settings(module: str) -> ResponseReturnValue:
    state = _state(module)
    schema = _schema(module)
    if schema is None:
        values, errors = {}, {}
    else:
        values, errors = read_settings(schema, request.form)
    status = 422
    if not errors:
        try:
            module_service.update_settings(module, {**state["settings"], **values})
        except module_service.SettingsInvalid as exc:
            status = refusal_status(exc)
            errors = errors_by_input(exc.messages)
        except module_service.ModuleError as exc:
            status = refusal_status(exc)
            errors = {"module": str(exc)}
        else:
            db.session.commit()
            return redirect(url_for("web.module_settings_page", module=module, saved=1))
    return render_template("web/module_settings.html", state=state, errors=errors,
                           inputs=setting_inputs(schema, values) if schema else []), status
