"""``houqin plugin new`` refuses what cannot be a module's name; ``houqin plugin check`` and the
helpers in ``core.testing`` find what they are for (each check is shown failing on a module
that breaks its rule); the page-session and navigation fixtures; the test database prefix."""

from __future__ import annotations

import ast
import subprocess
import sys

import houqin_testnotes
import pytest
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from click.testing import CliRunner
from flask import Blueprint

from core.cli import cli
from core.hookspecs import hookimpl
from core.permissions import requires
from core.plugins.check import foreign_imports, missing_translations, undeclared_routes
from core.plugins.scaffolding import core_range
from core.testdb import pg_prefix, postgres_database, postgres_error
from core.testing import require_service, walk_routes

pytestmark = pytest.mark.houqin_plugins("notes")
VICTIMS_NOTE = "01a1fdc9-1e46-7b79-bb56-d00841883e8d"


@pytest.mark.parametrize(("name", "says"), [
    ("Bad-Name", "is not a module name"), ("2fast", "is not a module name"),
    ("class", "is not a module name"), ("meters.x", "is not a module name"),
    ("notes", "is taken"), ("testnotes", "is taken"), ("people", "taken by core"),
    ("x" * 31, "too long"),
])
def test_the_scaffold_refuses_a_name_that_cannot_be_a_new_modules(tmp_path, name, says):
    result = CliRunner().invoke(cli, ["plugin", "new", name, "--directory", str(tmp_path)])
    assert result.exit_code == 2
    assert says in result.output
    assert list(tmp_path.iterdir()) == []


def test_the_scaffold_writes_a_complete_module_that_lints_clean(tmp_path):
    result = CliRunner().invoke(cli, ["plugin", "new", "meters", "--directory", str(tmp_path)])
    assert result.exit_code == 0, result.output
    module = tmp_path / "meters"
    written = {p.relative_to(module).as_posix() for p in module.rglob("*") if p.is_file()}
    assert {"pyproject.toml", "README.md", "houqin_meters/__init__.py", "houqin_meters/models.py",
            "houqin_meters/schemas.py", "houqin_meters/services.py", "houqin_meters/api.py",
            "houqin_meters/views.py", "houqin_meters/templates/meters/index.html",
            "houqin_meters/translations/zh_Hans_CN/LC_MESSAGES/messages.mo",
            "houqin_meters/translations/en/LC_MESSAGES/messages.mo",
            "tests/test_meters.py"} <= written
    assert len([p for p in written if p.startswith("houqin_meters/migrations/")]) == 1
    for path in module.rglob("*"):
        if path.is_file() and path.suffix != ".mo":
            assert "$" not in path.read_text(encoding="utf-8"), path  # every placeholder filled
    pyproject = (module / "pyproject.toml").read_text(encoding="utf-8")
    assert 'dependencies = ["houqin>=0.1,<1"]' in pyproject
    assert 'meters = "houqin_meters"' in pyproject and "*.mo" in pyproject
    assert '"translations/*.pot"' in pyproject  # the catalogue template a translator starts from
    views = ast.parse((module / "houqin_meters" / "views.py").read_text(encoding="utf-8"))
    # Core's request state only through the SDK (current_principal), never flask.g.
    assert not [a.name for node in ast.walk(views) if isinstance(node, ast.ImportFrom)
                and node.module == "flask" for a in node.names if a.name == "g"]
    # The page helper takes what forms.submitted passes a refused route with parameters.
    render = next(node for node in ast.walk(views)
                  if isinstance(node, ast.FunctionDef) and node.name == "_render")
    assert render.args.kwarg is not None
    assert foreign_imports(module / "houqin_meters").ok
    catalogues = missing_translations(module / "houqin_meters")
    assert catalogues.ok
    # The one text the scaffold cannot translate, named until its author does.
    assert [note.split(" (")[0] for note in catalogues.notes] == [
        "zh_Hans_CN: 'Meters' is the English text, not a translation"]
    # By the module's own lint settings (pyproject.toml), as its author's CI would run them.
    lint = subprocess.run([sys.executable, "-m", "ruff", "check", "--no-cache", "."], cwd=module,
                          capture_output=True, text=True)
    assert lint.returncode == 0, lint.stdout + lint.stderr
    again = CliRunner().invoke(cli, ["plugin", "new", "meters", "--directory", str(tmp_path)])
    assert again.exit_code == 2 and "exists already" in again.output


def test_the_core_range_is_this_minor_version_to_the_next_major_one():
    assert core_range("0.1.0") == ">=0.1,<1"
    assert core_range("1.4.2") == ">=1.4,<2"


def test_the_import_check_allows_only_the_sdk(tmp_path):
    (tmp_path / "migrations").mkdir()
    (tmp_path / "migrations" / "abc_first.py").write_text("import core.db\n")  # alembic's own
    (tmp_path / "ok.py").write_text("from core.sdk import db\nimport flask\n")
    (tmp_path / "bad.py").write_text("from core.db import TenantScoped\nimport tenants.manifests\n")
    assert foreign_imports(tmp_path).problems == ["bad.py imports core.db",
                                                  "bad.py imports tenants.manifests"]


def _catalogue(folder, locale: str, messages: dict[str, str]) -> None:
    catalog = Catalog(locale=locale)
    for msgid, text in messages.items():
        catalog.add(msgid, text)
    path = folder / "translations" / locale / "LC_MESSAGES"
    path.mkdir(parents=True)
    with open(path / "messages.mo", "wb") as out:
        write_mo(out, catalog)


def test_the_catalogue_check_names_each_text_left_untranslated(tmp_path):
    (tmp_path / "templates").mkdir()
    (tmp_path / "views.py").write_text('from flask_babel import gettext as _\n'
                                       'def page():\n    return _("Known"), _("Forgotten")\n')
    (tmp_path / "templates" / "page.html").write_text('{{ _("On the page") }}')
    _catalogue(tmp_path, "zh_Hans_CN", {"Known": "已知", "On the page": "页面上", "Forgotten": ""})
    _catalogue(tmp_path, "en", {"Known": "Known", "Forgotten": "Forgotten"})
    assert sorted(missing_translations(tmp_path).problems) == [
        "en: 'On the page' is not translated", "zh_Hans_CN: 'Forgotten' is not translated"]


def test_the_catalogue_check_notes_a_chinese_text_left_in_english(tmp_path):
    (tmp_path / "views.py").write_text('from flask_babel import gettext as _\n'
                                       'def page():\n    return _("Visitors"), _("PDF"),'
                                       ' _("%(count)s")\n')
    _catalogue(tmp_path, "zh_Hans_CN", {"Visitors": "Visitors", "PDF": "PDF",
                                        "%(count)s": "%(count)s"})
    _catalogue(tmp_path, "en", {"Visitors": "Visitors", "PDF": "PDF", "%(count)s": "%(count)s"})
    found = missing_translations(tmp_path)
    assert found.ok  # worth translating, but the module works
    assert found.notes == ["zh_Hans_CN: 'Visitors' is the English text, not a translation"
                           " (translations/zh_Hans_CN/LC_MESSAGES/messages.po)"]


def test_the_permission_check_passes_a_module_that_declares_every_route(app):
    assert undeclared_routes(app, "notes").problems == []


def test_the_walk_reports_a_route_that_answers_another_school(app_factory, make_school,
                                                              make_user, monkeypatch):
    # A careless route: it finds the note by its id in any school.
    leaky = Blueprint("leaky", __name__)
    leaky.add_url_rule("/api/v1/leaky/<uuid:note_id>", "open",
                       requires("notes.read")(lambda note_id: "victim's secret"))

    @hookimpl
    def houqin_blueprints():
        return [leaky]

    monkeypatch.setattr(houqin_testnotes, "houqin_blueprints", houqin_blueprints)
    app = app_factory(plugins=["notes"])
    with app.app_context():
        make_school("victim", modules=("notes",))
        intruder = make_user(make_school("intruder", modules=("notes",)))
        walk = walk_routes(app, app.test_client(), intruder.headers, "victim",
                           endpoints={"leaky.open"}, values={"note_id": VICTIMS_NOTE},
                           secret="victim's")
    # By the victim's path prefix, by X-Tenant (both refused), and in the intruder's own
    # school with the victim's id, where the careless route answers.
    assert walk.checked == 3
    assert walk.problems == [f"GET /api/v1/leaky/{VICTIMS_NOTE} answered 200"]


def test_plugin_check_runs_every_check_and_says_ok(monkeypatch):
    monkeypatch.setenv("HOUQIN_LOCALE", "en")
    result = CliRunner().invoke(cli, ["plugin", "check", "notes"])
    lines = [line for line in result.output.splitlines() if line[:4] in ("ok  ", "FAIL")]
    assert [line[:4] for line in lines] == ["ok  "] * 6, result.output
    assert "6 passed, 0 failed" in result.output and result.exit_code == 0
    # The check's own lines, not the log of every request it sent.
    assert not [line for line in result.output.splitlines() if line.startswith("{")], result.output
    missing = CliRunner().invoke(cli, ["plugin", "check", "nosuch"])
    assert missing.exit_code == 2 and "no plugin named 'nosuch'" in missing.output


def test_a_page_session_and_the_navigation_a_member_sees(app, make_school, page_session,
                                                         navigation):
    school = make_school("pages", modules=("notes",))
    assert navigation(school, "school_admin")["Notes"] == ["Notes"]
    assert "Notes" not in navigation(school, "guardian")
    teacher = page_session(school, "class_teacher")
    assert teacher.get("/m/notes/").status_code == 200
    assert page_session(school, "guardian").get("/m/notes/").status_code == 403
    # Its posts carry the CSRF token; the same post without one is refused.
    assert teacher.post("/language", {"locale": "zh_CN"}).status_code in (302, 303)
    bare = teacher.client.post(teacher.url("/language"), data={"locale": "en"})
    assert bare.status_code in (400, 403)


def test_the_test_databases_take_a_prefix(monkeypatch):
    monkeypatch.setenv("HOUQIN_TEST_PG_PREFIX", "ci_job_7_")
    assert pg_prefix() == "ci_job_7_"
    monkeypatch.setenv("HOUQIN_TEST_PG_PREFIX", 'bad"; drop')
    with pytest.raises(ValueError, match="HOUQIN_TEST_PG_PREFIX"):
        pg_prefix()
    monkeypatch.setenv("HOUQIN_TEST_PG_PREFIX", "ci_job_7_")
    require_service("PostgreSQL", postgres_error())
    database = postgres_database()
    try:
        assert database.owner_url.rsplit("/", 1)[1].startswith("ci_job_7_")
    finally:
        database.drop()
