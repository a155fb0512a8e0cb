"""The application factory."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Blueprint, Flask
from flask_babel import Babel
from flask_smorest import Blueprint as ApiBlueprint
from werkzeug.middleware.proxy_fix import ProxyFix

from core import audit, cache, logs, pipeline
from core.api import errors, races
from core.api.openapi import DocumentedApi, create_api
from core.config import load_config
from core.db import checkout, guard, rls, sqlite
from core.extensions import db
from core.jobs import dispatch as job_dispatch
from core.jobs.backends import InProcessBackend, RqBackend
from core.jobs.registry import JobRegistry
from core.notifications.channels import collect as collect_channels
from core.permissions import (
    CORE_PERMISSIONS,
    PermissionRegistry,
    declare_public_endpoints,
    undeclared_endpoints,
)
from core.plugins.engine import PluginApp, load_plugins
from core.state import KernelState
from core.web import headers as web_headers
from core.web import security as web_security
from core.web import views as web_views
from core.web.url_rules import UrlRule
from core.web.views import select_locale

CORE_TRANSLATIONS = Path(__file__).parent / "translations"
# Endpoints added by libraries, open on purpose: the OpenAPI document and its browser page.
LIBRARY_PUBLIC_ENDPOINTS = ("api-docs.openapi_json", "api-docs.openapi_swagger_ui", "static",
                            "web.static")


class RouteWithoutPermission(RuntimeError):
    pass


def create_app(config: dict[str, Any] | None = None) -> Flask:
    settings = load_config(config)
    app = Flask("houqin", instance_path=settings["INSTANCE_PATH"], instance_relative_config=False)
    app.url_rule_class = UrlRule
    app.config.update(settings)
    logs.configure(app)

    db.init_app(app)
    with app.app_context():
        sqlite.configure(db.engine, app.config["SQLITE_BUSY_SECONDS"])
        checkout.configure(db.engine, app.config["DB_PING_IDLE_SECONDS"])
    sqlite.install(app)
    for install in (guard.install, rls.install, audit.install, job_dispatch.install,
                    cache.install):
        install()
    api = create_api(app)
    errors.install(app)
    races.install(app)
    pipeline.install(app)
    web_security.install(app)
    if app.config["PROXY_COUNT"]:
        hops = app.config["PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    _import_core_models()

    plugins = load_plugins(app.config["HOUQIN_PLUGINS"])
    state = KernelState(plugins=plugins, permissions=PermissionRegistry(), jobs=JobRegistry())
    app.extensions["houqin"] = state
    state.permissions.register(CORE_PERMISSIONS, owner="core")
    _register_core_jobs(state)
    _register_core_routes(app, api)
    _register_plugins(app, api, state)
    collect_channels(app, plugins)
    web_headers.install(app)
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = ";".join(translation_directories(plugins))
    # One Babel per app: its catalogue cache must hold this app's plugins' catalogues only.
    Babel(app, locale_selector=select_locale)

    app.extensions["houqin_jobs"] = (
        RqBackend(app) if app.config["REDIS_URL"] else InProcessBackend(app)
    )
    declare_public_endpoints(app, LIBRARY_PUBLIC_ENDPOINTS)
    with app.app_context():
        plugins.pm.hook.houqin_startup(app=PluginApp(app))
    missing = undeclared_endpoints(app)
    if missing:
        raise RouteWithoutPermission(
            "every route must declare a permission (@requires) or @public; these do not: "
            + ", ".join(missing)
        )
    return app


def translation_directories(plugins) -> list[str]:
    """Core's catalogues, then each loaded plugin's own ``translations/`` folder."""
    folders = [str(CORE_TRANSLATIONS)]
    for name in plugins.names:
        module_file = getattr(plugins.plugin(name), "__file__", None)
        if module_file and (Path(module_file).parent / "translations").is_dir():
            folders.append(str(Path(module_file).parent / "translations"))
    return folders


def _import_core_models() -> None:
    # Models register their tables on import; migrations and the RLS check need them all.
    import core.files
    import core.notifications.models
    import core.schools.models  # noqa: F401


def _register_core_jobs(state: KernelState) -> None:
    from core.notifications.delivery import JOBS as channel_jobs
    from core.transfer.jobs import run_import

    state.jobs.register(run_import, owner=None)
    for func in channel_jobs:
        state.jobs.register(func, owner=None)


def _register_core_routes(app: Flask, api: DocumentedApi) -> None:
    from core.api.audit import blp as audit_api
    from core.api.sessions import blp as sessions_api
    from core.api.views import blp as core_api
    from core.calendar.api import blp as calendar_api
    from core.health import bp as health
    from core.notifications.api import blp as notifications_api
    from core.notifications.channel_api import blp as channels_api
    from core.people.api import people, places
    from core.transfer.api import blp as transfer_api

    app.register_blueprint(health)
    web_views.install(app)
    for blueprint in (core_api, calendar_api, people, places, transfer_api, audit_api,
                      notifications_api, sessions_api, channels_api):
        api.register_blueprint(blueprint)


def _register_plugins(app: Flask, api: DocumentedApi, state: KernelState) -> None:
    host = state.plugins
    for name in host.names:
        hooks = host.hooks_of(name)
        for permissions in hooks.houqin_permissions():
            state.permissions.register(permissions, owner=name)
        for funcs in hooks.houqin_jobs():
            for func in funcs:
                state.jobs.register(func, owner=name)
        for schedules in hooks.houqin_schedules():
            for schedule in schedules:
                state.jobs.add_schedule(schedule, owner=name)
        for blueprints in hooks.houqin_blueprints():
            for blueprint in blueprints:
                if isinstance(blueprint, ApiBlueprint):
                    api.register_blueprint(blueprint)
                elif isinstance(blueprint, Blueprint):
                    app.register_blueprint(blueprint)
                else:
                    raise TypeError(f"plugin {name} returned {blueprint!r} as a blueprint")
                state.blueprint_owners[blueprint.name] = name
        _register_registers(app, api, state, name, hooks)
        for group in hooks.houqin_cli_group():
            if group is not None:  # ``houqin <module> …``: the module's name, whatever its own
                app.cli.add_command(group, name=name)
    for kind, (owner, register) in state.registers.items():
        for permission in {register.permission, register.export_permission}:
            if permission not in state.permissions:
                raise ValueError(f"register {kind} of {owner} names no permission {permission!r}")


def _register_registers(app: Flask, api: DocumentedApi, state: KernelState, name: str,
                        hooks) -> None:
    """The module's importable and exportable registers, with their pages' blueprint and
    their import API's."""
    from core.transfer.register_api import api_blueprint
    from core.transfer.registers import kind_of
    from core.web import registers as register_pages

    found = [register for answer in hooks.houqin_registers() for register in answer or ()]
    if not found:
        return
    for register in found:
        kind = kind_of(name, register)
        if kind in state.registers:
            raise ValueError(f"plugin {name} declares the register {kind} twice")
        state.registers[kind] = (name, register)
    blueprint = register_pages.blueprint(name, found)
    app.register_blueprint(blueprint)
    state.blueprint_owners[blueprint.name] = name
    imports = api_blueprint(name, found)
    if imports is not None:
        api.register_blueprint(imports)
        state.blueprint_owners[imports.name] = name
