"""What every module must hold to, checked the same way for first-party modules and for an
outside author's (``houqin plugin check NAME``, and the helpers ``core.testing`` exports):

- every route of the module declares a permission that exists;
- every route of the module, walked as a user of another school, answers only 403 or 404
  and changes nothing of the school it reaches for (``walk_routes``);
- the module's migrations apply, downgrade to nothing and apply again, and its models and
  migrations agree (alembic's autogenerate comparison, on the module's own tables);
- its catalogues are complete: every text marked for translation in its code and templates
  has a zh-CN and an English translation in the compiled catalogues it ships;
- it imports nothing of core but ``core.sdk``.

Each check returns a ``Finding``: its title and the problems found (none: it passed).
Nothing here needs pytest, so an operator can run the command on a server.
"""

from __future__ import annotations

import ast
import io
import re
import tempfile
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import redirect_stderr
from dataclasses import dataclass, field
from pathlib import Path

from flask import Flask

# A record id no school of a walk has: asked for, it must be a 404 like any other.
UNKNOWN_ID = "01a1fdc9-1e46-7b79-bb56-d00841883e8c"
SDK = "core.sdk"
# Alembic's autogenerate writes core's column types (core.db.UtcDateTime) into migrations.
IMPORTS_SKIPPED = ("migrations", "tests")
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%[sd]|\{\w*\}")


@dataclass
class Finding:
    title: str
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # worth reading, not a failure

    @property
    def ok(self) -> bool:
        return not self.problems


def plugin_module(app: Flask, name: str) -> object:
    plugin = app.extensions["houqin"].plugins.plugin(name)
    if plugin is None:
        raise LookupError(f"no plugin named {name!r} is loaded")
    return plugin


def plugin_folder(app: Flask, name: str) -> Path:
    return Path(plugin_module(app, name).__file__).parent


def plugin_blueprints(app: Flask, name: str) -> set[str]:
    return {bp for bp, owner in app.extensions["houqin"].blueprint_owners.items() if owner == name}


def plugin_endpoints(app: Flask, name: str) -> set[str]:
    blueprints = plugin_blueprints(app, name)
    return {endpoint for endpoint in app.view_functions if endpoint.partition(".")[0] in blueprints}


# -- permissions ---------------------------------------------------------------------------

def undeclared_routes(app: Flask, name: str) -> Finding:
    """Every route of the module declares a permission, and every permission it names is
    one some module registered (a typo would lock everyone out, or worse, nobody)."""
    from core.permissions import view_declarations

    finding = Finding("every route declares a permission")
    registry = app.extensions["houqin"].permissions
    endpoints = plugin_endpoints(app, name)
    if not endpoints:
        finding.problems.append(f"{name} adds no route (is houqin_blueprints implemented?)")
    for endpoint, declared in sorted(view_declarations(app).items()):
        if endpoint not in endpoints:
            continue
        for permission in declared:
            if permission is None:
                finding.problems.append(f"{endpoint} declares no permission (@requires or @public)")
            elif permission != "public" and permission not in registry:
                finding.problems.append(f"{endpoint} declares {permission}, which nobody registers")
    return finding


# -- imports -------------------------------------------------------------------------------

def _imports(path: Path) -> Iterator[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module


def foreign_imports(folder: Path) -> Finding:
    """The module imports nothing of core (or tenants) but ``core.sdk``: the SDK is the whole
    contract, and the rest of core may change under it."""
    finding = Finding("imports nothing of core but core.sdk")
    for path in sorted(folder.rglob("*.py")):
        relative = path.relative_to(folder)
        if relative.parts[0] in IMPORTS_SKIPPED:
            continue
        for module in _imports(path):
            top = module.split(".")[0]
            if top in ("core", "tenants") and module != SDK:
                finding.problems.append(f"{relative} imports {module}")
    return finding


# -- catalogues ----------------------------------------------------------------------------

def missing_translations(folder: Path) -> Finding:
    """Every text marked in the module's code and templates is translated in the compiled
    catalogues the module ships (zh-CN and English). A kindergarten's wording of a text may
    stay empty: it falls back to the plain translation."""
    from babel.messages.mofile import read_mo

    from core.i18n import LOCALES, extract
    from core.wording import CONTEXTS

    finding = Finding("catalogues complete (zh-CN and en)")
    with tempfile.TemporaryDirectory() as scratch, redirect_stderr(io.StringIO()):
        extract([folder], Path(scratch))  # quietly: Babel's warnings are about arguments
        from babel.messages.pofile import read_po

        with open(Path(scratch) / "messages.pot", "rb") as handle:
            wanted = [m for m in read_po(handle) if m.id and m.context not in CONTEXTS]
    for locale in LOCALES:
        mo = folder / "translations" / locale / "LC_MESSAGES" / "messages.mo"
        if not mo.exists():
            if wanted:
                finding.problems.append(f"no compiled catalogue {mo.relative_to(folder)}"
                                        " (houqin i18n compile --package ...)")
            continue
        with open(mo, "rb") as handle:
            catalogue = read_mo(handle)
        for message in wanted:
            found = catalogue.get(message.id, context=message.context)
            strings = found.string if found is not None else None
            if isinstance(strings, tuple | list):
                strings = "".join(s or "" for s in strings)
            key = message.id[0] if isinstance(message.id, tuple) else message.id
            if not strings:
                finding.problems.append(f"{locale}: {key!r} is not translated")
            elif locale != "en" and strings == key and _is_english(key):
                finding.notes.append(f"{locale}: {key!r} is the English text, not a translation"
                                     f" (translations/{locale}/LC_MESSAGES/messages.po)")
    return finding


def _is_english(text: str) -> bool:
    """Words in Latin letters once the placeholders are set aside: a Chinese catalogue
    giving them back unchanged shows English to a Chinese reader. A code (PDF) or a bare
    placeholder may rightly stay as it is."""
    return re.search(r"[a-z]{2}", PLACEHOLDER.sub("", text)) is not None


# -- migrations ----------------------------------------------------------------------------

def migrations_problems(name: str, database, instance: Path) -> list[Finding]:
    """On ``database`` (a fresh ``core.testdb.TestDatabase``): the module's branch applies,
    its models agree with it, it downgrades to nothing and applies again."""
    from alembic import command
    from sqlalchemy import inspect

    from core.app import create_app
    from core.migrate import alembic_config, owner_engine, tables_of, upgrade
    from core.testdb import dispose

    # Every installed plugin, as a deployment migrates: the module's own may depend on
    # others', and models imported in this process secure their tables whether loaded or not.
    dialect = database.dialect
    applied = Finding(f"migrations apply, downgrade and apply again ({dialect})")
    agree = Finding(f"models and migrations agree ({dialect})")
    app = create_app({**database.config(), "INSTANCE_PATH": str(instance), "SECRET_KEY": "check",
                      "HOUQIN_PLUGINS": None})
    try:
        with app.app_context():
            tables = tables_of(app, name)
            try:
                upgrade(app)
            except Exception as exc:
                applied.problems.append(f"upgrade failed: {exc}")
                return [applied, agree]
            agree.problems += model_differences(app, tables)
            engine = owner_engine(app)
            try:
                with engine.begin() as connection:
                    command.downgrade(alembic_config(app, connection), f"{name}@base")
                with engine.connect() as connection:
                    left = sorted(tables & set(inspect(connection).get_table_names()))
                if left:
                    applied.problems.append(f"downgrade left tables behind: {', '.join(left)}")
                upgrade(app)
            except Exception as exc:
                applied.problems.append(f"downgrade and upgrade again failed: {exc}")
            finally:
                engine.dispose()
    finally:
        dispose(app)
    return [applied, agree]


def model_differences(app: Flask, tables: set[str]) -> list[str]:
    """What alembic's autogenerate would write for these tables: nothing when the models and
    the migrated database agree."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from core.extensions import db
    from core.migrate import owner_engine

    def ours(obj, name, type_, reflected, compare_to) -> bool:
        table = obj if type_ == "table" else getattr(obj, "table", None)
        table_name = name if type_ == "table" else getattr(table, "name", None)
        return table_name in tables

    engine = owner_engine(app)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={
            "compare_type": True, "include_object": ours})
        diff = compare_metadata(context, db.metadata)
    engine.dispose()
    return [f"models and migrations differ: {entry!r}" for entry in diff]


# -- the walk as another school's user -----------------------------------------------------

@dataclass
class Walk:
    """What a walk did: how many requests it sent, and every answer that was not a refusal
    (or that showed the text it must not)."""

    checked: int = 0
    problems: list[str] = field(default_factory=list)
    # Requests sent without a body that were refused as invalid (422) before any record
    # was looked up: nothing leaked, but the lookup was not reached either (give ``bodies``).
    unreached: list[str] = field(default_factory=list)


def route_requests(app: Flask, values: dict[str, str] | None = None,
                   endpoints: Iterable[str] | None = None) -> Iterator[tuple[object, str, str]]:
    """Each (rule, method, path) of the app (or of ``endpoints``), its parameters filled from
    ``values`` by name, an unknown id or ``x`` for the rest."""
    values = values or {}
    wanted = set(endpoints) if endpoints is not None else None
    for rule in app.url_map.iter_rules():
        if wanted is not None and rule.endpoint not in wanted:
            continue
        params = {}
        for name, converter in rule._converters.items():
            kind = type(converter).__name__
            default = UNKNOWN_ID if kind == "UUIDConverter" else "1" if kind == "IntegerConverter" \
                else "x"
            params[name] = values.get(name, default)
        path = rule.build(params, append_unknown=False)[1]
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            yield rule, method, path


def walk_routes(app: Flask, client, headers: dict[str, str], victim: str, *,
                endpoints: Iterable[str] | None = None, values: dict[str, str] | None = None,
                bodies: dict[str, object] | None = None,
                forms: dict[str, Callable[[], dict]] | None = None,
                secret: str | None = None) -> Walk:
    """Send every route (or those of ``endpoints``) as the intruder whose ``headers`` these
    are, reaching for the school whose slug is ``victim`` every way a request can name a
    school: its path prefix, the API's ``X-Tenant`` header, and the victim's record ids
    (``values``, by parameter name) in the intruder's own school. Every answer must be 403
    or 404, and must not contain ``secret`` (a text only the victim's records hold).

    ``bodies`` gives a valid JSON body by endpoint, so a request gets past validation to
    its record lookup; ``forms`` a function making a multipart form for upload endpoints.
    Compare the victim's rows before and after yourself (``school_rows``).
    """
    walk = Walk()
    bodies, forms = bodies or {}, forms or {}
    for rule, method, path in route_requests(app, values, endpoints):
        attempts = [(f"/t/{victim}{path}", {})]
        if path.startswith("/api/"):
            attempts.append((path, {"X-Tenant": victim}))
        if any(type(c).__name__ in ("UUIDConverter", "IntegerConverter")
               for c in rule._converters.values()):
            attempts.append((path, {}))  # the intruder's own school, the victim's record ids
        for url, extra in attempts:
            body = ({"data": forms[rule.endpoint](), "content_type": "multipart/form-data"}
                    if rule.endpoint in forms else {"json": bodies.get(rule.endpoint)})
            response = client.open(url, method=method, headers={**headers, **extra}, **body)
            walk.checked += 1
            where = f"{method} {url} {extra or ''}".rstrip()
            if response.status_code == 422 and "data" not in body and body["json"] is None:
                walk.unreached.append(f"{where} answered 422 to no body")
            elif response.status_code not in (403, 404):
                walk.problems.append(f"{where} answered {response.status_code}")
            elif secret and secret in response.get_data(as_text=True):
                walk.problems.append(f"{where} showed {secret!r}")
    return walk


def school_rows(school, tables: Iterable[str]) -> dict[str, list[tuple]]:
    """Every row the school has in these tables (sorted, as text), to compare before and
    after a walk."""
    from sqlalchemy import select

    from core.extensions import db
    from core.tenancy import tenant_context

    models = {mapper.local_table.name: mapper for mapper in db.Model.registry.mappers
              if mapper.local_table is not None and mapper.local_table.name in set(tables)}
    db.session.expire_all()
    rows = {}
    with tenant_context(school):  # the ORM adds the school's criteria (and RLS its own)
        for name, mapper in sorted(models.items()):
            columns = [mapper.get_property_by_column(c).key for c in mapper.local_table.c]
            rows[name] = sorted(tuple(str(getattr(row, key)) for key in columns)
                                for row in db.session.scalars(select(mapper.class_)))
    return rows


def isolation_walk(app: Flask, name: str) -> Finding:
    """The module's routes walked by a school administrator of another school: two schools
    with the module on, the victim's rows (what ``houqin_on_enable`` seeded) compared before
    and after."""
    from core.extensions import db
    from core.migrate import tables_of
    from core.testdb import make_school, make_user

    finding = Finding("every route refuses another school's user (403/404) and changes nothing")
    victim = make_school(f"victim-{uuid.uuid4().hex[:6]}", modules=(name,))
    intruder_school = make_school(f"intruder-{uuid.uuid4().hex[:6]}", modules=(name,))
    intruder = make_user(intruder_school, "school_admin")
    tables = tables_of(app, name)
    before = school_rows(victim, tables)
    walk = walk_routes(app, app.test_client(), intruder.headers, victim.slug,
                       endpoints=plugin_endpoints(app, name))
    db.session.rollback()
    finding.problems += walk.problems
    if walk.unreached:
        finding.notes.append(f"{len(walk.unreached)} requests were refused as invalid (422) before"
                             " reaching a record, for want of a body: walk them with bodies in a"
                             " test (core.testing.assert_refuses_other_schools)")
        finding.notes += walk.unreached
    if school_rows(victim, tables) != before:
        finding.problems.append("the walk changed the other school's rows")
    if walk.checked == 0:
        finding.problems.append("no route was walked")
    return finding


# -- all of it -----------------------------------------------------------------------------

def check_plugin(name: str, dialects: Iterable[str] = ("sqlite",),
                 report: Callable[[Finding], None] = lambda finding: None) -> list[Finding]:
    """Every check, on a throwaway database of each dialect; ``report`` hears each finding
    as soon as it is known."""
    from core.app import create_app
    from core.testdb import dispose, postgres_database, sqlite_database

    findings: list[Finding] = []

    def found(finding: Finding) -> None:
        findings.append(finding)
        report(finding)

    folder: Path | None = None
    for dialect in dialects:
        with tempfile.TemporaryDirectory(prefix="houqin-check-") as scratch:
            scratch = Path(scratch)
            database = postgres_database() if dialect == "postgresql" else sqlite_database(scratch)
            try:
                for finding in migrations_problems(name, database, scratch / "instance"):
                    found(finding)
                if findings and not findings[-2].ok:
                    continue
                try:
                    app = create_app({**database.config(), "INSTANCE_PATH": str(scratch / "i"),
                                      "SECRET_KEY": "check", "HOUQIN_PLUGINS": None,
                                      "REDIS_URL": None})
                except Exception as exc:  # an undeclared route stops the app at start
                    found(Finding("every route declares a permission", [str(exc)]))
                    continue
                try:
                    with app.app_context():
                        folder = plugin_folder(app, name)
                        if dialect == next(iter(dialects)):
                            found(undeclared_routes(app, name))
                        walked = isolation_walk(app, name)
                        walked.title += f" ({dialect})"
                        found(walked)
                finally:
                    dispose(app)
            finally:
                database.drop()
    if folder is not None:
        found(missing_translations(folder))
        found(foreign_imports(folder))
    return findings
