"""``houqin db``: Alembic with core and every loaded plugin on its own branch, then the
PostgreSQL role, grants and row-level security that the migrations' tables need."""

from __future__ import annotations

import logging
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from flask import Flask
from sqlalchemy import create_engine, pool
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.engine import Connection, make_url

from core.db import rls
from core.extensions import db
from core.state import KernelState

log = logging.getLogger("houqin.migrate")


class RoleSetupRequired(RuntimeError):
    """The owner may not create the app role; an operator must run ``sql`` first."""

    def __init__(self, sql: str) -> None:
        super().__init__("the app role is missing and the owner may not create it")
        self.sql = sql
CORE_MIGRATIONS = Path(__file__).parent / "migrations"
CORE_BRANCH = "core"


def version_locations(state: KernelState) -> dict[str, Path]:
    locations = {CORE_BRANCH: CORE_MIGRATIONS / "versions"}
    for name, manifest in state.plugins.manifests.items():
        if manifest.migrations is not None:
            locations[name] = Path(manifest.migrations)
    return locations


def alembic_config(app: Flask, connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(CORE_MIGRATIONS))
    locations = version_locations(app.extensions["houqin"])
    config.set_main_option("version_locations", " ".join(str(p) for p in locations.values()))
    config.set_main_option("path_separator", "space")
    url = app.config["MIGRATION_DATABASE_URL"]
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    config.attributes["metadata"] = db.metadata
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def owner_engine(app: Flask):
    return create_engine(app.config["MIGRATION_DATABASE_URL"], poolclass=pool.NullPool)


def upgrade(app: Flask, applied: list[str] | None = None) -> list[str]:
    """Bring core and every loaded plugin up to date; on PostgreSQL, secure the tables.

    Returns the notes an operator should read (SQL to run by hand, warnings). When given
    ``applied``, appends to it one line per migration this run applied, oldest first
    ("branch revision: message"), so the command can say what changed.
    """
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    engine = owner_engine(app)
    notes: list[str] = []
    with engine.begin() as connection:
        config = alembic_config(app, connection)
        before = _applied_revisions(config, connection)
        command.upgrade(config, "heads")
        if applied is not None:
            applied += _described(config, _applied_revisions(config, connection) - before,
                                  version_locations(app.extensions["houqin"]))
        if connection.dialect.name == "postgresql":
            notes += secure_postgres(app, connection)
    engine.dispose()
    return notes


def _applied_revisions(config: Config, connection: Connection) -> set[str]:
    """Every revision the database has, the ancestors of its current heads included."""
    from alembic.migration import MigrationContext

    heads = MigrationContext.configure(connection).get_current_heads()
    if not heads:
        return set()
    script = ScriptDirectory.from_config(config)
    return {rev.revision for rev in script.iterate_revisions(heads, "base")}


def _described(config: Config, revisions: set[str], locations: dict[str, Path]) -> list[str]:
    script = ScriptDirectory.from_config(config)
    branch_of = {path.resolve(): name for name, path in locations.items()}
    # walk_revisions goes newest first; people read what was applied in the order it was.
    ordered = [rev for rev in script.walk_revisions() if rev.revision in revisions][::-1]
    return [f"{branch_of.get(Path(rev.path).parent.resolve(), '?')} {rev.revision}: {rev.doc}"
            for rev in ordered]


def secure_postgres(app: Flask, connection: Connection) -> list[str]:
    app_url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    owner_url = make_url(app.config["MIGRATION_DATABASE_URL"])
    notes = []
    if app_url.username == owner_url.username:
        notes.append(
            "DATABASE_URL connects as the migration owner; row-level security protects"
            " nothing from an owner. Give the app its own role (see docs/operators.md)."
        )
    elif not rls.ensure_app_role(connection, app_url.username, app_url.password):
        database = connection.exec_driver_sql("SELECT current_database()").scalar()
        # Raised inside the migration transaction, so nothing is left half-secured.
        raise RoleSetupRequired(
            ";\n".join(rls.role_sql(app_url.username, "<password>", database)) + ";"
        )
    extra = {t.name: t.info.get("rls_policies", []) for t in db.metadata.tables.values()}
    covered = rls.sync_policies(connection, extra)
    # Only this database's tables: a process may have imported models of modules this
    # deployment leaves out (their tables were never created here).
    present = set(sa_inspect(connection).get_table_names())
    tables = [t for t in db.metadata.tables.values() if t.name in present]
    append_only = [t.name for t in tables if t.info.get("append_only")]
    never_updated = [t.name for t in tables if t.info.get("never_updated")]
    if app_url.username != owner_url.username:
        for statement in rls.grant_sql(app_url.username, append_only, never_updated):
            connection.exec_driver_sql(statement)
    log.info("row-level security forced on %d tables", len(covered))
    return notes


def revision(app: Flask, branch: str, message: str, autogenerate: bool = True) -> None:
    """Write a new migration on ``branch`` (core or a plugin), from the models' differences."""
    state: KernelState = app.extensions["houqin"]
    locations = version_locations(state)
    if branch not in locations:
        raise ValueError(f"{branch} has no migrations folder (create {branch}/migrations/)")
    engine = owner_engine(app)
    with engine.begin() as connection:
        config = alembic_config(app, connection)
        config.attributes["only_tables"] = tables_of(app, branch)
        heads = _branch_heads(config, branch)
        options = {"message": message, "autogenerate": autogenerate,
                   "version_path": str(locations[branch])}
        if heads:
            options["head"] = f"{branch}@head"
        else:
            options.update(head="base", branch_label=branch,
                           depends_on=None if branch == CORE_BRANCH else _core_heads(config))
        command.revision(config, **options)
    engine.dispose()


def _branch_heads(config: Config, branch: str) -> list[str]:
    script = ScriptDirectory.from_config(config)
    try:
        return [rev.revision for rev in script.get_revisions(f"{branch}@head")]
    except CommandError:
        return []


def branch_heads(app: Flask) -> dict[str, list[str]]:
    """The migration heads the code of core and of each loaded plugin expects, by branch
    (read from the migration scripts, not the database)."""
    config = alembic_config(app)
    return {branch: sorted(_branch_heads(config, branch)) for branch in version_locations(
        app.extensions["houqin"])}


def pending_branches(app: Flask) -> list[str]:
    """The branches (core, each loaded plugin) whose newest migrations the database lacks:
    ``houqin db upgrade`` has not run since their code came."""
    from alembic.migration import MigrationContext

    engine = owner_engine(app)
    try:
        with engine.connect() as connection:
            current = MigrationContext.configure(connection).get_current_heads()
    finally:
        engine.dispose()
    config = alembic_config(app)
    # A module installed but not loaded here may have a revision in the database that depends
    # on core's newest (its first needs core's tables), which then stands in the version
    # table for core's: its scripts are read too, so that core's is found behind it.
    locations = config.get_main_option("version_locations").split(" ")
    loaded = set(app.extensions["houqin"].plugins.manifests)
    config.set_main_option("version_locations", " ".join(
        locations + [str(p) for p in _installed_migrations(loaded)]))
    script = ScriptDirectory.from_config(config)
    # Heads of plugins no longer installed are not this app's scripts' to know.
    known = [head for head in current if _known(script, head)]
    applied = {rev.revision for rev in script.iterate_revisions(known, "base")} if known else set()
    return sorted(branch for branch, heads in branch_heads(app).items()
                  if not set(heads) <= applied)


def _installed_migrations(loaded: set[str]) -> list[Path]:
    """The migration folders of the installed modules not ``loaded`` here (found beside each
    package, where a module keeps them, without importing its code)."""
    from importlib.util import find_spec

    from core.plugins.engine import installed_entry_points

    found = []
    for name, entry_point in installed_entry_points().items():
        if name in loaded:
            continue
        try:
            spec = find_spec(entry_point.value)
        except (ImportError, ValueError):
            continue
        for folder in (spec.submodule_search_locations or []) if spec else []:
            if (Path(folder) / "migrations").is_dir():
                found.append(Path(folder) / "migrations")
    return found


def _known(script: ScriptDirectory, revision: str) -> bool:
    try:
        return script.get_revision(revision) is not None
    except CommandError:  # alembic's ResolutionError is one
        return False


def _core_heads(config: Config) -> list[str]:
    return _branch_heads(config, CORE_BRANCH)


def tables_of(app: Flask, branch: str) -> set[str]:
    """The tables whose models live in core or in the plugin named ``branch``."""
    state: KernelState = app.extensions["houqin"]
    if branch == CORE_BRANCH:
        prefixes = ("core.",)
    else:
        plugin = state.plugins.plugin(branch)
        prefixes = ((getattr(plugin, "__package__", None) or plugin.__name__) + ".",)
    tables = set()
    for mapper in db.Model.registry.mappers:
        module = mapper.class_.__module__ + "."
        if module.startswith(prefixes) and mapper.local_table is not None:
            tables.add(mapper.local_table.name)
    return tables


def schema_diff(app: Flask) -> list[str]:
    """What autogenerate would write: empty when the models and the database agree."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    engine = owner_engine(app)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={
            "compare_type": True,
            "include_object": lambda obj, name, type_, reflected, compare_to: not (
                type_ == "table" and (name == "alembic_version" or (compare_to is None and reflected))
            ),
        })
        diff = compare_metadata(context, db.metadata)
    engine.dispose()
    return [repr(entry) for entry in diff]
